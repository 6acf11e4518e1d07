import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { BASE_FIELD_MODULUS, SCALAR_FIELD_MODULUS, loadBn254, millerLoopInG2 } from "../../../keepers/src/proofs/bn254.ts";
import {
  type PreparedVerifyingKey,
  prepareVerifyingKey,
  stopVerifierThread,
  verifyGroth16Proof,
} from "../../../keepers/src/proofs/groth16Verifier.ts";
import { PairingThread } from "../../../keepers/src/proofs/pairingThread.ts";
import type { SnarkjsProof } from "../../../keepers/src/proofs/proofEncoding.ts";
import { syntheticGroth16 } from "./syntheticGroth16.ts";
import { nonSubgroupTwistPoint, snarkjsAccepts, stopSnarkjs, zkVectorFiles } from "./zkVectors.ts";

after(stopSnarkjs);
after(stopVerifierThread);

const P = BASE_FIELD_MODULUS;
const R = SCALAR_FIELD_MODULUS;
type Case = { proof: SnarkjsProof; publicSignals: string[] };

/** ours on two threads, ours on one, snarkjs: the same verdict, and for what is not a proof the same error. */
async function assertAgree(keys: { threaded: PreparedVerifyingKey; single: PreparedVerifyingKey }, verificationKey: object, { proof, publicSignals }: Case, name: string): Promise<boolean> {
  const verdict = (verifyingKey: PreparedVerifyingKey): boolean | string => {
    try {
      return verifyGroth16Proof({ verifyingKey, proof, publicSignals });
    } catch (error) {
      return `${(error as { code?: string }).code}: ${(error as Error).message}`;
    }
  };
  const threaded = verdict(keys.threaded);
  assert.equal(threaded, verdict(keys.single), `two threads vs one: ${name}`);
  const accepted = threaded === true;
  assert.equal(await snarkjsAccepts(verificationKey, publicSignals, proof), accepted, `snarkjs: ${name}`);
  return accepted;
}

/** Proofs that must fail, well formed or not, built from fixture proof i. */
function variants(proofs: Case[], i: number): [string, Case][] {
  const { proof, publicSignals } = proofs[i]!;
  const other = proofs[(i + 1) % proofs.length]!;
  const [[x0, x1], [y0, y1], z] = proof.pi_b;
  const outside = nonSubgroupTwistPoint;
  const bOutside: SnarkjsProof["pi_b"] = [[`${outside.x.c0}`, `${outside.x.c1}`], [`${outside.y.c0}`, `${outside.y.c1}`], ["1", "0"]];
  return [
    ["last public signal + 1", { proof, publicSignals: [...publicSignals.slice(0, -1), `${(BigInt(publicSignals.at(-1)!) + 1n) % R}`] }],
    ["A negated", { proof: { ...proof, pi_a: [proof.pi_a[0], `${P - BigInt(proof.pi_a[1])}`, "1"] }, publicSignals }],
    ["B of another proof", { proof: { ...proof, pi_b: other.proof.pi_b }, publicSignals }],
    ["C of another proof", { proof: { ...proof, pi_c: other.proof.pi_c }, publicSignals }],
    ["A at infinity", { proof: { ...proof, pi_a: ["0", "1", "0"] }, publicSignals }],
    ["B at infinity", { proof: { ...proof, pi_b: [["0", "0"], ["1", "0"], ["0", "0"]] }, publicSignals }],
    ["C at infinity", { proof: { ...proof, pi_c: ["0", "1", "0"] }, publicSignals }],
    ["B outside G2", { proof: { ...proof, pi_b: bOutside }, publicSignals }],
    ["B outside G2 and C off the curve", { proof: { ...proof, pi_b: bOutside, pi_c: ["1", "3", "1"] }, publicSignals }],
    ["B with x0 and x1 swapped", { proof: { ...proof, pi_b: [[x1, x0], [y0, y1], z] }, publicSignals }],
    ["C off the curve", { proof: { ...proof, pi_c: ["1", "3", "1"] }, publicSignals }],
    ["public signal = r", { proof, publicSignals: [`${R}`, ...publicSignals.slice(1)] }],
  ];
}

async function keysFor(verificationKey: unknown) {
  const [threaded, single] = await Promise.all([prepareVerifyingKey(verificationKey, { thread: true }), prepareVerifyingKey(verificationKey, { thread: false })]);
  assert.ok(threaded.thread?.running, "the threaded key has a running pairing thread");
  assert.equal(single.thread, undefined);
  return { threaded, single };
}

for (const { file, verificationKey, proofs } of zkVectorFiles) {
  describe(`verifyGroth16Proof on two threads and on one, ${file}`, () => {
    let keys: Awaited<ReturnType<typeof keysFor>>;
    before(async () => {
      keys = await keysFor(verificationKey);
    });

    it("agrees with one thread and with snarkjs on every fixture proof and on tampered and malformed variants", async () => {
      for (const i of proofs.keys()) {
        assert.equal(await assertAgree(keys, verificationKey, proofs[i]!, `proof ${i}`), true, `proof ${i} is valid`);
        for (const [name, tampered] of variants(proofs, i)) {
          assert.equal(await assertAgree(keys, verificationKey, tampered, `${name}, proof ${i}`), false, `${name}, proof ${i}`);
        }
      }
    });

    it("reports B outside G2 before C off the curve (faults in the order a, b, c) on either path", () => {
      const [, tampered] = variants(proofs, 0).find(([name]) => name === "B outside G2 and C off the curve")!;
      for (const verifyingKey of [keys.threaded, keys.single]) {
        assert.throws(() => verifyGroth16Proof({ verifyingKey, ...tampered }), { code: "PROOF_MALFORMED", message: /^b is on the twist but not in the order-r subgroup/ });
      }
    });
  });
}

describe("verifyGroth16Proof on synthetic keys (known toxic waste)", () => {
  it("agrees on two threads, on one and with snarkjs for 0 to 3 public inputs, vk_x or C at infinity", async () => {
    const bn254 = await loadBn254();
    let seed = 1n;
    for (const publicInputs of [0, 1, 2, 3]) {
      for (const [vkXAtInfinity, cAtInfinity] of [[false, false], [true, false], [false, true], [true, true]] as const) {
        const name = `${publicInputs} public inputs, vk_x ${vkXAtInfinity ? "at infinity" : "finite"}, C ${cAtInfinity ? "at infinity" : "finite"}`;
        const { verificationKey, proof, publicSignals } = syntheticGroth16(bn254, { publicInputs, seed: seed++, vkXAtInfinity, cAtInfinity });
        assert.equal(cAtInfinity, proof.pi_c[2] === "0", `${name}: C`);
        const keys = await keysFor(verificationKey);
        assert.equal(await assertAgree(keys, verificationKey, { proof, publicSignals }, name), true, `${name}: valid`);
        const changed: SnarkjsProof = { ...proof, pi_c: cAtInfinity ? proof.pi_a : ["0", "1", "0"] };
        assert.equal(await assertAgree(keys, verificationKey, { proof: changed, publicSignals }, `${name}, C changed`), false);
        if (publicInputs > 0) {
          const bumped = [...publicSignals.slice(0, -1), `${(BigInt(publicSignals.at(-1)!) + 1n) % R}`];
          assert.equal(await assertAgree(keys, verificationKey, { proof, publicSignals: bumped }, `${name}, signal + 1`), false);
        }
      }
    }
  });
});

describe("PairingThread", () => {
  it("answers what millerLoopInG2 computes, for points in G2, outside it and at infinity", async () => {
    const bn254 = await loadBn254();
    const thread = await PairingThread.start();
    try {
      const outside = new bn254.G2();
      const { x, y } = nonSubgroupTwistPoint;
      outside.setStr(`1 ${x.c0} ${x.c1} ${y.c0} ${y.c1}`, 10);
      const g1s = [bn254.hashAndMapToG1("p"), new bn254.G1()];
      const g2s = [bn254.hashAndMapToG2("q"), outside, bn254.add(bn254.hashAndMapToG2("q"), outside), new bn254.G2()];
      for (const p of g1s) {
        for (const q of g2s) {
          const expected = millerLoopInG2(bn254, p, q);
          const answer = thread.submit(bn254, p, q)();
          assert.equal(answer === undefined, expected === undefined);
          if (expected !== undefined) assert.ok(answer!.isEqual(expected));
        }
      }
    } finally {
      await thread.close();
    }
  });

  it("keeps an answer nobody collected across the next request, and computes here once closed", async () => {
    const bn254 = await loadBn254();
    const thread = await PairingThread.start();
    const p = bn254.hashAndMapToG1("p");
    const [q1, q2] = [bn254.hashAndMapToG2("q1"), bn254.hashAndMapToG2("q2")];
    const first = thread.submit(bn254, p, q1);
    assert.ok(thread.submit(bn254, p, q2)()!.isEqual(bn254.millerLoop(p, q2)));
    assert.ok(first()!.isEqual(bn254.millerLoop(p, q1)), "an answer read after a later request is still its own");
    const uncollected = thread.submit(bn254, p, q1);
    await thread.close();
    assert.equal(thread.running, false);
    assert.ok(uncollected()!.isEqual(bn254.millerLoop(p, q1)), "an answer after close is computed here");
    assert.ok(thread.submit(bn254, p, q2)()!.isEqual(bn254.millerLoop(p, q2)));
  });

  it("lets keys verify on the calling thread after stopVerifierThread, and later keys start a new thread", async () => {
    const { verificationKey, proofs } = zkVectorFiles[0]!;
    const before = await prepareVerifyingKey(verificationKey, { thread: true });
    await stopVerifierThread();
    assert.equal(before.thread?.running, false);
    for (const { proof, publicSignals } of proofs) assert.equal(verifyGroth16Proof({ verifyingKey: before, proof, publicSignals }), true);
    const later = await prepareVerifyingKey(verificationKey, { thread: true });
    assert.ok(later.thread?.running && later.thread !== before.thread);
    for (const { proof, publicSignals } of proofs) assert.equal(verifyGroth16Proof({ verifyingKey: later, proof, publicSignals }), true);
  });

  it("does not keep a process alive that never stops it", async () => {
    const { file } = zkVectorFiles[0]!;
    const script = `
      import { readFileSync } from "node:fs";
      import { prepareVerifyingKey, verifyGroth16Proof } from ${JSON.stringify(new URL("../../../keepers/src/proofs/groth16Verifier.ts", import.meta.url).pathname)};
      const { verificationKey, proofs } = JSON.parse(readFileSync(${JSON.stringify(new URL(`../../fixtures/zk/vectors/${file}`, import.meta.url).pathname)}, "utf8"));
      const verifyingKey = await prepareVerifyingKey(verificationKey, { thread: true });
      console.log(verifyingKey.thread !== undefined && proofs.every(({ proof, publicSignals }) => verifyGroth16Proof({ verifyingKey, proof, publicSignals })));
    `;
    // A file, not --eval: workers inherit the parent's flags, and --input-type breaks their loading.
    const directory = await mkdtemp(join(tmpdir(), "verifier-thread-"));
    try {
      await writeFile(join(directory, "verify.mjs"), script);
      const { stdout } = await promisify(execFile)(process.execPath, [join(directory, "verify.mjs")], { timeout: 30_000 });
      assert.equal(stdout.trim(), "true");
    } finally {
      await rm(directory, { recursive: true });
    }
  });
});
