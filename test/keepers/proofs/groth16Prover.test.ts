import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as snarkjs from "snarkjs";
import { columnRoot } from "../../../keepers/src/commitments/columnRoot.ts";
import { Groth16Prover, stopProverThreads } from "../../../keepers/src/proofs/groth16Prover.ts";
import { proofToSnarkjs } from "../../../keepers/src/proofs/proofEncoding.ts";
import { STORAGE_CIRCUIT_FILES } from "../../../keepers/src/proofs/storageProver.ts";
import { storageWitness } from "../../../keepers/src/proofs/storageWitness.ts";
import { SeededRandom } from "../commitments/seededRandom.ts";

// ~120 s alone; CI runs it beside a devnet file, where it once passed 300 s (session 23, its fixed-base tables mid-build).
describe("Groth16Prover on the committed storage circuit", { timeout: 900_000 }, () => {
  const column = new SeededRandom(11n).bytes(496 * 200 + 7);
  let wasm: Uint8Array;
  let zkey: Uint8Array;
  let prover: Groth16Prover;
  let verificationKey: object;
  let commitment: { root: bigint; leafCount: number };
  const prover0 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  const witnessInput = (seed: bigint) => storageWitness({ column, columnRoot: commitment.root, prover: prover0, seed, leafCount: commitment.leafCount });
  const snarkjsAccepts = (proof: Awaited<ReturnType<Groth16Prover["prove"]>>, signals: bigint[]) =>
    snarkjs.groth16.verify(verificationKey, signals, proofToSnarkjs(proof.proof));

  before(async () => {
    [wasm, zkey] = await Promise.all([readFile(STORAGE_CIRCUIT_FILES.wasm), readFile(STORAGE_CIRCUIT_FILES.zkey)]);
    verificationKey = JSON.parse(await readFile(STORAGE_CIRCUIT_FILES.verificationKey, "utf8"));
    prover = await Groth16Prover.load({ wasm, zkey });
    commitment = await columnRoot({ column });
  });

  after(() => stopProverThreads());

  it("proves what snarkjs verifies, with the witness's public signals; each proof of one witness is freshly randomised", async () => {
    const input = await witnessInput(42n);
    const [first, second] = [await prover.prove(input), await prover.prove(input)];
    assert.deepEqual(first.publicSignals, [commitment.root, BigInt(prover0), 42n]);
    assert.deepEqual(second.publicSignals, first.publicSignals);
    assert.equal(await snarkjsAccepts(first, first.publicSignals), true);
    assert.equal(await snarkjsAccepts(second, second.publicSignals), true);
    assert.notDeepEqual(second.proof.a, first.proof.a);
    assert.notDeepEqual(second.proof.c, first.proof.c);
    assert.equal(await snarkjsAccepts(first, [commitment.root, BigInt(prover0), 43n]), false);
  });

  it("concurrent proofs of different inputs each prove their own witness", async () => {
    const inputs = await Promise.all([witnessInput(7n), witnessInput(8n)]);
    const proofs = await Promise.all(inputs.map((input) => prover.prove(input)));
    assert.deepEqual(
      proofs.map((proof) => proof.publicSignals[2]),
      [7n, 8n],
    );
    for (const proof of proofs) assert.equal(await snarkjsAccepts(proof, proof.publicSignals), true);
  });

  it("with fixed-base tables, built and then read from their cache, proves what snarkjs verifies", async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), "veritrain-prover-"));
    try {
      const input = await witnessInput(99n);
      for (const load of ["built", "cached"]) {
        const fast = await Groth16Prover.load({ wasm, zkey, fixedBaseTables: { cacheDir } });
        assert.equal((await readdir(cacheDir)).length, 1, load);
        const proof = await fast.prove(input);
        assert.deepEqual(proof.publicSignals, [commitment.root, BigInt(prover0), 99n]);
        assert.equal(await snarkjsAccepts(proof, proof.publicSignals), true, load);
        assert.equal(await snarkjsAccepts(proof, [commitment.root, BigInt(prover0), 98n]), false, load);
      }
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  it("refuses a proving key that is not a Groth16 key of this circuit (PROVING_KEY_INVALID)", async () => {
    const otherVariableCount = zkey.slice();
    const header = new DataView(otherVariableCount.buffer);
    // The header section's nVars (after the 12-byte file header, section 1 and section 2's own 12-byte header).
    const nVarsAt = 12 + (12 + 4) + 12 + 72;
    header.setUint32(nVarsAt, header.getUint32(nVarsAt, true) + 1, true);
    for (const bad of [wasm, zkey.subarray(0, 2 ** 20), otherVariableCount]) {
      await assert.rejects(Groth16Prover.load({ wasm, zkey: bad }), { code: "PROVING_KEY_INVALID" });
    }
  });
});
