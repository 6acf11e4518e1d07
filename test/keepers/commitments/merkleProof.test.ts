import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { columnRoot } from "../../../keepers/src/commitments/columnRoot.ts";
import { merkleProofs, verifyMerkleProof } from "../../../keepers/src/commitments/merkleProof.ts";
import { SeededRandom } from "./seededRandom.ts";

describe("merkleProofs / verifyMerkleProof", () => {
  const column = new SeededRandom(77n).bytes(496 * 11 + 45);

  it("proves every leaf of an 12-leaf column against its root in one pass, at depth 5, in the order asked", async () => {
    const { root } = await columnRoot({ column, depth: 5 });
    const indices = [11, 0, 5, 5, 1, 2, 3, 4, 6, 7, 8, 9, 10];
    const proofs = await merkleProofs({ column, depth: 5, indices });
    assert.deepEqual(proofs.map((proof) => proof.index), indices);
    for (const proof of proofs) {
      const index = proof.index;
      assert.equal(proof.root, root);
      assert.equal(proof.pathElements.length, 5);
      assert.ok(verifyMerkleProof(proof), `leaf ${index}`);
    }
  });

  it("fails when one bit of the chunk, of a path element, of the leaf count or of the index changes", async () => {
    const proof = (await merkleProofs({ column, depth: 5, indices: [6] }))[0]!;
    const flippedChunk = proof.chunk.map((element, i) => (i === 3 ? element ^ (1n << 100n) : element));
    assert.equal(verifyMerkleProof({ ...proof, chunk: flippedChunk }), false);
    const flippedPath = proof.pathElements.map((element, level) => (level === 2 ? element ^ 1n : element));
    assert.equal(verifyMerkleProof({ ...proof, pathElements: flippedPath }), false);
    assert.equal(verifyMerkleProof({ ...proof, leafCount: proof.leafCount + 1 }), false);
    assert.equal(verifyMerkleProof({ ...proof, index: 7, pathIndices: [1, 1, 1, 0, 0] }), false);
    assert.equal(verifyMerkleProof({ ...proof, pathIndices: [1, 1, 1, 0, 0] }), false);
  });

  it("rejects indices at or beyond the leaf count, in proving and in verifying", async () => {
    await assert.rejects(merkleProofs({ column, depth: 5, indices: [3, 12] }), /index must be below the column's leaf count 12, got 12/);
    await assert.rejects(merkleProofs({ column, depth: 5, indices: [-1] }), { code: "LEAF_INDEX_INVALID" });
    const proof = (await merkleProofs({ column, depth: 5, indices: [11] }))[0]!;
    assert.equal(verifyMerkleProof({ ...proof, leafCount: 11 }), false);
  });
});
