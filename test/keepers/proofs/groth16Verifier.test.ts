import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BASE_FIELD_MODULUS, SCALAR_FIELD_MODULUS } from "../../../keepers/src/proofs/bn254.ts";
import { type PreparedVerifyingKey, prepareVerifyingKey, verifyGroth16Proof } from "../../../keepers/src/proofs/groth16Verifier.ts";
import {
  type Groth16Proof,
  type ProofCalldata,
  type SnarkjsProof,
  compressProof,
  decompressProof,
  proofFromSnarkjs,
  proofToCalldata,
  proofToSnarkjs,
} from "../../../keepers/src/proofs/proofEncoding.ts";
import { nonCanonicalProofs } from "./nonCanonicalWords.ts";
import { nonSubgroupTwistPoint, snarkjsAccepts, stopSnarkjs, zkVectorFiles } from "./zkVectors.ts";

after(stopSnarkjs);

const P = BASE_FIELD_MODULUS;
const R = SCALAR_FIELD_MODULUS;
const withCode = (code: string, reason?: RegExp) => (error: unknown) => {
  assert.equal((error as { code?: string }).code, code);
  if (reason !== undefined) assert.match((error as Error).message, reason);
  return true;
};

type Case = { proof: SnarkjsProof; publicSignals: string[] };

/** Well-formed proofs that must fail the pairing equation: false from both verifiers. */
function wrongStatements(proofs: Case[], i: number): [string, Case][] {
  const { proof, publicSignals } = proofs[i]!;
  const other = proofs[(i + 1) % proofs.length]!;
  const bump = (value: string) => `${(BigInt(value) + 1n) % R}`;
  const negateY = ([x, y, z]: SnarkjsProof["pi_a"]): SnarkjsProof["pi_a"] => [x, `${P - BigInt(y)}`, z];
  return [
    ["first public signal + 1", { proof, publicSignals: [bump(publicSignals[0]!), ...publicSignals.slice(1)] }],
    ["last public signal + 1", { proof, publicSignals: [...publicSignals.slice(0, -1), bump(publicSignals.at(-1)!)] }],
    ["public signals of another proof (another statement)", { proof, publicSignals: other.publicSignals }],
    ["public signals reversed", { proof, publicSignals: [...publicSignals].reverse() }],
    ["A negated", { proof: { ...proof, pi_a: negateY(proof.pi_a) }, publicSignals }],
    ["C of another proof", { proof: { ...proof, pi_c: other.proof.pi_c }, publicSignals }],
    ["B of another proof", { proof: { ...proof, pi_b: other.proof.pi_b }, publicSignals }],
    ["A = G1 generator", { proof: { ...proof, pi_a: ["1", "2", "1"] }, publicSignals }],
    ["every point at infinity", { proof: { ...proof, pi_a: ["0", "1", "0"], pi_b: [["0", "0"], ["1", "0"], ["0", "0"]], pi_c: ["0", "1", "0"] }, publicSignals }],
  ];
}

/** Inputs that are not a proof at all: ours throws with the code, snarkjs returns false (or throws). */
function malformedInputs({ proof, publicSignals }: Case): [string, Case, string, RegExp][] {
  const [[x0, x1], [y0, y1], z] = proof.pi_b;
  const b = nonSubgroupTwistPoint;
  return [
    ["public signal + r (>= r)", { proof, publicSignals: [`${BigInt(publicSignals[0]!) + R}`, ...publicSignals.slice(1)] }, "PUBLIC_SIGNALS_INVALID", /public signal 0 must be a field element in \[0, r\)/],
    ["public signal = r", { proof, publicSignals: [...publicSignals.slice(0, -1), `${R}`] }, "PUBLIC_SIGNALS_INVALID", /in \[0, r\)/],
    ["one public signal missing", { proof, publicSignals: publicSignals.slice(1) }, "PUBLIC_SIGNALS_INVALID", /expected \d+ public signals/],
    ["A off the curve", { proof: { ...proof, pi_a: [proof.pi_a[0], `${(BigInt(proof.pi_a[1]) + 1n) % P}`, "1"] }, publicSignals }, "PROOF_MALFORMED", /^a is not on the BN254 curve/],
    ["C off the curve", { proof: { ...proof, pi_c: ["1", "3", "1"] }, publicSignals }, "PROOF_MALFORMED", /^c is not on the BN254 curve/],
    ["B with x0 and x1 swapped", { proof: { ...proof, pi_b: [[x1, x0], [y0, y1], z] }, publicSignals }, "PROOF_MALFORMED", /^b is not on the BN254 twist/],
    ["B in on-chain order (both pairs swapped)", { proof: { ...proof, pi_b: [[x1, x0], [y1, y0], z] }, publicSignals }, "PROOF_MALFORMED", /^b is not on the BN254 twist/],
    ["B outside the subgroup", { proof: { ...proof, pi_b: [[`${b.x.c0}`, `${b.x.c1}`], [`${b.y.c0}`, `${b.y.c1}`], ["1", "0"]] }, publicSignals }, "PROOF_MALFORMED", /^b is on the twist but not in the order-r subgroup/],
    ["B off the twist", { proof: { ...proof, pi_b: [[x0, x1], [y0, `${(BigInt(y1) + 1n) % P}`], z] }, publicSignals }, "PROOF_MALFORMED", /^b is not on the BN254 twist/],
  ];
}

for (const { file, verificationKey, proofs } of zkVectorFiles) {
  describe(`verifyGroth16Proof on ${file}`, () => {
    let verifyingKey: PreparedVerifyingKey;
    before(async () => {
      verifyingKey = await prepareVerifyingKey(verificationKey);
    });

    it("accepts every fixture proof, as snarkjs does, in snarkjs and decoded form", async () => {
      assert.equal(verifyingKey.publicInputCount, verificationKey.nPublic);
      for (const [i, { proof, publicSignals }] of proofs.entries()) {
        assert.equal(await snarkjsAccepts(verificationKey, publicSignals, proof), true, `snarkjs, proof ${i}`);
        assert.equal(verifyGroth16Proof({ verifyingKey, proof, publicSignals }), true, `proof ${i}`);
        const decoded = await decompressProof(await compressProof(proofFromSnarkjs(proof)));
        assert.equal(verifyGroth16Proof({ verifyingKey, proof: decoded, publicSignals: publicSignals.map(BigInt) }), true, `decoded proof ${i}`);
      }
    });

    it("returns false, as snarkjs does, for well-formed proofs of another statement", async () => {
      for (const i of proofs.keys()) {
        for (const [name, tampered] of wrongStatements(proofs, i)) {
          assert.equal(await snarkjsAccepts(verificationKey, tampered.publicSignals, tampered.proof), false, `snarkjs: ${name}, proof ${i}`);
          assert.equal(verifyGroth16Proof({ verifyingKey, ...tampered }), false, `${name}, proof ${i}`);
        }
      }
    });

    it("throws PROOF_MALFORMED / PUBLIC_SIGNALS_INVALID for what is not a proof, which snarkjs rejects too", async () => {
      for (const [i, valid] of proofs.entries()) {
        for (const [name, tampered, code, reason] of malformedInputs(valid)) {
          assert.equal(await snarkjsAccepts(verificationKey, tampered.publicSignals, tampered.proof), false, `snarkjs: ${name}, proof ${i}`);
          assert.throws(() => verifyGroth16Proof({ verifyingKey, ...tampered }), withCode(code, reason), `${name}, proof ${i}`);
        }
      }
    });

    it("rejects a coordinate + p, which snarkjs reduces and accepts (the EVM precompiles reject it)", async () => {
      const { proof, publicSignals } = proofs[0]!;
      const lifted: SnarkjsProof = { ...proof, pi_c: [`${BigInt(proof.pi_c[0]) + P}`, proof.pi_c[1], "1"] };
      assert.equal(await snarkjsAccepts(verificationKey, publicSignals, lifted), true);
      assert.throws(() => verifyGroth16Proof({ verifyingKey, proof: lifted, publicSignals }), withCode("PROOF_MALFORMED", /^pi_c must have coordinates in \[0, p\)/));
      const decoded = proofFromSnarkjs(proof);
      assert.throws(() => verifyGroth16Proof({ verifyingKey, proof: { ...decoded, a: { x: decoded.a.x + P, y: decoded.a.y } }, publicSignals }), withCode("PROOF_MALFORMED", /^a must have coordinates in \[0, p\)/));
    });

    it("throws PROOF_MALFORMED for each of the 8 words ≥ p, decoded or in snarkjs form, as the on-chain verifier returns false", () => {
      // proofFromCalldata would refuse these words already: build the decoded form unchecked.
      const decodedUnchecked = ([ax, ay, bx1, bx0, by1, by0, cx, cy]: ProofCalldata): Groth16Proof => ({
        a: { x: ax, y: ay },
        b: { x: { c0: bx0, c1: bx1 }, y: { c0: by0, c1: by1 } },
        c: { x: cx, y: cy },
      });
      for (const [i, { proof, publicSignals }] of proofs.entries()) {
        for (const { word, label, calldata } of nonCanonicalProofs(proofToCalldata(proofFromSnarkjs(proof)))) {
          const decoded = decodedUnchecked(calldata);
          const reason = new RegExp(`^${word[0]} must have coordinates in \\[0, p\\)`);
          assert.throws(() => verifyGroth16Proof({ verifyingKey, proof: decoded, publicSignals }), withCode("PROOF_MALFORMED", reason), `proof ${i}: ${label}`);
          const snarkjsReason = new RegExp(`^pi_${word[0]} must have coordinates in \\[0, p\\)`);
          assert.throws(() => verifyGroth16Proof({ verifyingKey, proof: proofToSnarkjs(decoded), publicSignals }), withCode("PROOF_MALFORMED", snarkjsReason), `snarkjs form, proof ${i}: ${label}`);
        }
      }
    });

    it("rejects malformed public signals and proof objects with a clear code", () => {
      const { proof, publicSignals } = proofs[0]!;
      const check = (signals: unknown, reason: RegExp) =>
        assert.throws(() => verifyGroth16Proof({ verifyingKey, proof, publicSignals: signals as string[] }), withCode("PUBLIC_SIGNALS_INVALID", reason));
      const count = verificationKey.nPublic;
      const rest = publicSignals.slice(1);
      check([...publicSignals, "0"], new RegExp(`expected ${count} public signals, got ${count + 1}`));
      check([`0x${BigInt(publicSignals[0]!).toString(16)}`, ...rest], /public signal 0 must be/);
      check([-1n, ...rest], /public signal 0 must be/);
      check([Number(publicSignals[1]), ...rest], /public signal 0 must be/);
      check("12", new RegExp(`expected ${count} public signals`));
      for (const bad of [null, {}, { ...proof, pi_a: undefined }, { a: { x: 1n, y: 2n }, b: null, c: { x: 1n, y: 2n } }]) {
        assert.throws(() => verifyGroth16Proof({ verifyingKey, proof: bad as SnarkjsProof, publicSignals }), withCode("PROOF_MALFORMED"));
      }
    });

    it("returns false for a proof checked against another verifying key", async () => {
      const swapped = await prepareVerifyingKey({ ...verificationKey, vk_gamma_2: verificationKey.vk_delta_2, vk_delta_2: verificationKey.vk_gamma_2 });
      for (const { proof, publicSignals } of proofs) assert.equal(verifyGroth16Proof({ verifyingKey: swapped, proof, publicSignals }), false);
    });

    it("never accepts a proof whose compressed bytes had one byte changed", async () => {
      const { proof, publicSignals } = proofs[0]!;
      const bytes = await compressProof(proofFromSnarkjs(proof));
      let decodedButFalse = 0;
      for (let index = 0; index < bytes.length; index++) {
        for (const flip of [0x01, 0x40, 0x80]) {
          const tampered = Uint8Array.from(bytes);
          tampered[index]! ^= flip;
          let decoded;
          try {
            decoded = await decompressProof(tampered);
          } catch (error) {
            assert.equal((error as { code?: string }).code, "PROOF_MALFORMED");
            continue;
          }
          assert.equal(verifyGroth16Proof({ verifyingKey, proof: decoded, publicSignals }), false, `byte ${index} ^ ${flip}`);
          assert.equal(await snarkjsAccepts(verificationKey, publicSignals, proofToSnarkjs(decoded)), false, `snarkjs: byte ${index} ^ ${flip}`);
          decodedButFalse++;
        }
      }
      assert.ok(decodedButFalse > 0, "some flips (the y-sign flags) decode to valid points");
    });
  });
}

describe("prepareVerifyingKey", () => {
  const { verificationKey } = zkVectorFiles[0]!;
  const rejects = (key: unknown, reason: RegExp) => assert.rejects(prepareVerifyingKey(key), withCode("VERIFYING_KEY_INVALID", reason));

  it("rejects keys of another protocol or curve, or with IC not of length nPublic + 1", async () => {
    await rejects(undefined, /protocol "groth16" and curve "bn128"/);
    await rejects({ ...verificationKey, protocol: "plonk" }, /protocol "groth16"/);
    await rejects({ ...verificationKey, curve: "bls12381" }, /curve "bn128"/);
    await rejects({ ...verificationKey, nPublic: verificationKey.nPublic + 1 }, /IC of length nPublic \+ 1/);
    await rejects({ ...verificationKey, IC: [] }, /IC of length nPublic \+ 1/);
  });

  it("rejects keys with a point off its curve, outside G2, or a coordinate >= p", async () => {
    const [x, y] = verificationKey.vk_alpha_1;
    await rejects({ ...verificationKey, vk_alpha_1: [x, `${(BigInt(y) + 1n) % P}`, "1"] }, /^vk_alpha_1 is not on the BN254 curve/);
    await rejects({ ...verificationKey, IC: [...verificationKey.IC.slice(0, -1), ["1", "3", "1"]] }, /^IC\[2\] is not on the BN254 curve/);
    const b = nonSubgroupTwistPoint;
    await rejects({ ...verificationKey, vk_delta_2: [[`${b.x.c0}`, `${b.x.c1}`], [`${b.y.c0}`, `${b.y.c1}`], ["1", "0"]] }, /^vk_delta_2 is on the twist but not in the order-r subgroup/);
    await rejects({ ...verificationKey, vk_alpha_1: [`${BigInt(x) + P}`, y, "1"] }, /^vk_alpha_1 must have coordinates in \[0, p\)/);
  });
});
