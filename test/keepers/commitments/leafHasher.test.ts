import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHUNK_BYTES } from "../../../keepers/src/commitments/chunkPacking.ts";
import { LeafHasher } from "../../../keepers/src/commitments/leafHasher.ts";
import { MerkleFrontier } from "../../../keepers/src/commitments/merkleFrontier.ts";
import { PoseidonWasm } from "../../../keepers/src/commitments/poseidonWasm.ts";
import { referenceColumnRoot } from "./referenceCommitment.ts";
import { SeededRandom } from "./seededRandom.ts";

describe("LeafHasher", () => {
  const poseidon = PoseidonWasm.create();
  const leaves = new LeafHasher({ poseidon, blockBytes: 64 * CHUNK_BYTES });
  const column = new SeededRandom(31n).bytes(21 * CHUNK_BYTES);

  it("subtreeRoot equals circomlibjs for 0 to 21 leaves (partial counts pad a lane and a level), height 3", () => {
    for (let count = 0; count <= 21; count++) {
      // The last chunk is short, so it is zero-padded as in a real column.
      const block = column.subarray(0, Math.max(0, count * CHUNK_BYTES - 5));
      const expected = referenceColumnRoot({ column: block, depth: 3 }).merkleRoot;
      assert.equal(poseidon.readElement(leaves.subtreeRoot(block, 3)), expected, `${count} leaves`);
    }
  });

  it("pushBlock feeds the same leaves to a frontier as subtreeRoot hashes", () => {
    const block = column.subarray(0, 19 * CHUNK_BYTES);
    const frontier = new MerkleFrontier({ poseidon, depth: 3 });
    leaves.pushBlock(block, frontier);
    assert.equal(frontier.count, 19);
    assert.equal(poseidon.readElement(frontier.finish()), poseidon.readElement(leaves.subtreeRoot(block, 3)));
  });

  it("rejects a block with more chunks than the subtree or the buffer holds", () => {
    assert.throws(() => leaves.subtreeRoot(column.subarray(0, 16 * CHUNK_BYTES + 1), 2), /block must be at most 7936 bytes, got 7937/);
    assert.throws(() => leaves.pushBlock(new Uint8Array(64 * CHUNK_BYTES + 1), new MerkleFrontier({ poseidon, depth: 5 })), {
      code: "BLOCK_TOO_LARGE",
    });
  });
});
