import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { BASE_FIELD_MODULUS } from "../../keepers/src/proofs/bn254.ts";
import { proofFromSnarkjs, proofToCalldata } from "../../keepers/src/proofs/proofEncoding.ts";
import { verifyingKeyHash } from "../../keepers/src/proofs/verifyingKeyHash.ts";
import { verifyStoredProof } from "../../app/src/datasets/verifyStoredProof.ts";
import type { ZkVectorFile } from "../keepers/proofs/zkVectors.ts";

// The storage circuit's vectors, proved with the committed key the app ships.
const vectors = JSON.parse(readFileSync(new URL("../fixtures/zk/vectors/storageProof.json", import.meta.url), "utf8")) as Omit<ZkVectorFile, "file">;
const boundKeyHash = verifyingKeyHash(vectors.verificationKey);
const [{ proof, publicSignals }] = vectors.proofs as [ZkVectorFile["proofs"][number]];
const calldata = proofToCalldata(proofFromSnarkjs(proof));
const statement = publicSignals.map(BigInt) as [bigint, bigint, bigint];

describe("verifyStoredProof (the browser's proof check)", () => {
  it("accepts a storage proof of [column root, prover, seed] with the bound key", async () => {
    assert.deepEqual(await verifyStoredProof({ proof: calldata, statement, boundKeyHash }), {
      valid: true,
      reason: "the pairing equation holds for [column root, prover, seed] with the dataset's verifying key",
    });
  });
  it("rejects it for another seed, saying the equation fails", async () => {
    const verdict = await verifyStoredProof({ proof: calldata, statement: [statement[0], statement[1], statement[2] + 1n], boundKeyHash });
    assert.equal(verdict.valid, false);
    assert.match(verdict.reason, /pairing equation fails/);
  });
  it("rejects a malformed proof as invalid, as the chain does", async () => {
    const malformed = [BASE_FIELD_MODULUS, ...calldata.slice(1)];
    const verdict = await verifyStoredProof({ proof: malformed, statement, boundKeyHash });
    assert.equal(verdict.valid, false);
    assert.match(verdict.reason, /^the proof is malformed: /);
  });
  it("refuses to judge with a key that is not the dataset's bound key", async () => {
    const verdict = await verifyStoredProof({ proof: calldata, statement, boundKeyHash: `0x${"00".repeat(32)}` });
    assert.equal(verdict.valid, false);
    assert.match(verdict.reason, /is not the dataset's bound key/);
  });
});
