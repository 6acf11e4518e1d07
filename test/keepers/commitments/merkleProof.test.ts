import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { columnRoot } from "../../../keepers/src/commitments/columnRoot.ts";
import { merkleProofs, verifyMerkleProof } from "../../../keepers/src/commitments/merkleProof.ts";
import { SeededRandom } from "./seededRandom.ts";

describe("merkleProofs / verifyMerkleProof", () => {
  // 22 leaves: the last node of every level is partial, so paths cross the zero padding.
  const column = new SeededRandom(77n).bytes(496 * 21 + 45);

  it("proves every leaf of a 22-leaf column against its root in one pass, at depth 4, in the order asked", async () => {
    const { root } = await columnRoot({ column, depth: 4 });
    const indices = [21, 0, 5, 5, ...Array.from({ length: 21 }, (_, i) => i)];
    const proofs = await merkleProofs({ column, depth: 4, indices });
    assert.deepEqual(proofs.map((proof) => proof.index), indices);
    for (const proof of proofs) {
      const index = proof.index;
      assert.equal(proof.root, root);
      assert.equal(proof.pathElements.length, 4);
      assert.ok(proof.pathElements.every((siblings) => siblings.length === 3));
      assert.deepEqual(proof.pathIndices, [index % 4, Math.floor(index / 4) % 4, Math.floor(index / 16) % 4, 0]);
      assert.ok(verifyMerkleProof(proof), `leaf ${index}`);
    }
  });

  it("fails when one bit of the chunk, of a path element, of the leaf count or of the index changes", async () => {
    const proof = (await merkleProofs({ column, depth: 4, indices: [6] }))[0]!;
    const flippedChunk = proof.chunk.map((element, i) => (i === 3 ? element ^ (1n << 100n) : element));
    assert.equal(verifyMerkleProof({ ...proof, chunk: flippedChunk }), false);
    for (let level = 0; level < 4; level++) {
      for (let k = 0; k < 3; k++) {
        const flippedPath = proof.pathElements.map((siblings, l) => siblings.map((sibling, j) => (l === level && j === k ? sibling ^ 1n : sibling)));
        assert.equal(verifyMerkleProof({ ...proof, pathElements: flippedPath }), false, `level ${level}, sibling ${k}`);
      }
    }
    const swapped = proof.pathElements.map((siblings, l) => (l === 0 ? [siblings[1]!, siblings[0]!, siblings[2]!] : siblings));
    assert.equal(verifyMerkleProof({ ...proof, pathElements: swapped }), false);
    assert.equal(verifyMerkleProof({ ...proof, pathElements: proof.pathElements.map((siblings) => siblings.slice(1)) }), false);
    assert.equal(verifyMerkleProof({ ...proof, leafCount: proof.leafCount + 1 }), false);
    assert.equal(verifyMerkleProof({ ...proof, index: 7, pathIndices: [3, 1, 0, 0] }), false);
    assert.equal(verifyMerkleProof({ ...proof, pathIndices: [3, 1, 0, 0] }), false);
  });

  it("rejects indices at or beyond the leaf count, in proving and in verifying", async () => {
    await assert.rejects(merkleProofs({ column, depth: 4, indices: [3, 22] }), /index must be below the column's leaf count 22, got 22/);
    await assert.rejects(merkleProofs({ column, depth: 4, indices: [-1] }), { code: "LEAF_INDEX_INVALID" });
    const proof = (await merkleProofs({ column, depth: 4, indices: [21] }))[0]!;
    assert.equal(verifyMerkleProof({ ...proof, leafCount: 21 }), false);
  });
});
