import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { columnRoot } from "../../../keepers/src/commitments/columnRoot.ts";
import { fieldToBytes32Hex } from "../../../keepers/src/commitments/field.ts";
import { referenceColumnRoot, referencePoseidon } from "./referenceCommitment.ts";
import { SeededRandom } from "./seededRandom.ts";

/** Yields `bytes` in pieces of awkward sizes (7, 500, 1…), as a file stream might. */
async function* inPieces(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  const sizes = [7, 500, 1, 4096, 333];
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

describe("columnRoot", () => {
  it("test vector: 1500 seeded bytes (seed 2026), depth 4", async () => {
    const column = new SeededRandom(2026n).bytes(1500);
    const commitment = await columnRoot({ column, depth: 4 });
    assert.equal(commitment.leafCount, 4);
    assert.equal(fieldToBytes32Hex(commitment.merkleRoot), "0x03fcd20ed47bfc961b53fe7f3ddfa26666bed63f3fbe2c4137d906bca4fdaba6");
    assert.equal(fieldToBytes32Hex(commitment.root), "0x25e60cd1af2556303875c4c5991f56ba76d11a3f961e1c9c08afd3cc732b1bac");
    const reference = referenceColumnRoot({ column, depth: 4 });
    assert.deepEqual(reference.leaves.map(fieldToBytes32Hex), [
      "0x1381e2d5d874add5d2631c18fd4ff38785179e6429c75fd5007f7991e30fcfb3",
      "0x2aced2154b14e6d73e6aeb8cb35d6dec1f94f8f1aaac1f42be4dfe362bc472b3",
      "0x037aa2e9a4ae37980a6e096f555833d6763e8132291cc249601a9b4d1d64d4cb",
      "0x17488ca5fc8962449e48f3a32e6a157938fada56c7771722ceb479a86f3f19ad",
    ]);
    assert.equal(reference.root, commitment.root);
  });

  it('test vector: the 9 ASCII bytes "veritrain", depth 4', async () => {
    const commitment = await columnRoot({ column: new TextEncoder().encode("veritrain"), depth: 4 });
    assert.equal(commitment.leafCount, 1);
    assert.equal(fieldToBytes32Hex(commitment.merkleRoot), "0x1fa4bae1bfb3ba49c8dd1c9d0cd83cfea436736e986a8f62543139cee247a0ec");
    assert.equal(fieldToBytes32Hex(commitment.root), "0x27e63fa105fcdca80d57c8890ea9a8026d44711adaa46393e34f0410fdfc414a");
  });

  it("empty column: leafCount 0, root Poseidon2(zero[D], 0)", async () => {
    const commitment = await columnRoot({ column: new Uint8Array(0), depth: 4 });
    assert.equal(commitment.leafCount, 0);
    let zero = 0n;
    for (let level = 0; level < 4; level++) zero = referencePoseidon([zero, zero]);
    assert.equal(commitment.merkleRoot, zero);
    assert.equal(commitment.root, referencePoseidon([zero, 0n]));
    assert.equal(fieldToBytes32Hex(commitment.root), "0x2340d2779268f67685c64f462e121edb6f561acf8c5a519a816f0fbfff807ba6");
    const atDefaultDepth = await columnRoot({ column: new Uint8Array(0) });
    assert.equal(fieldToBytes32Hex(atDefaultDepth.root), "0x13aaaee1da247bc604326fddf53fb4644399c71ba08411e50d3d38b8ad31faf6");
  });

  it("matches the circomlibjs reference for 1, 496, 497 bytes and a full tree, at depths 1..6", async () => {
    const random = new SeededRandom(5n);
    const cases = [
      { bytes: 1, depth: 1 },
      { bytes: 496, depth: 1 },
      { bytes: 497, depth: 1 },
      { bytes: 497, depth: 3 },
      { bytes: 496 * 8, depth: 3 },
      { bytes: 496 * 21 + 100, depth: 6 },
    ];
    for (const { bytes, depth } of cases) {
      const column = random.bytes(bytes);
      const commitment = await columnRoot({ column, depth });
      assert.equal(commitment.root, referenceColumnRoot({ column, depth }).root, `${bytes} bytes, depth ${depth}`);
    }
  });

  it("matches the circomlibjs reference across a segment boundary: 2^11 + 1 leaves, depth 12", async () => {
    const column = new SeededRandom(12n).bytes(496 * 2048 + 200);
    const commitment = await columnRoot({ column, depth: 12 });
    assert.equal(commitment.leafCount, 2049);
    assert.equal(commitment.root, referenceColumnRoot({ column, depth: 12 }).root);
  });

  it("gives the same root for a buffer, a stream of odd-sized pieces, 1 thread and 2 threads", async () => {
    // 2^11 leaves per worker segment: 2 whole segments and a partial one exercise the thread path.
    const column = new SeededRandom(9n).bytes(496 * 2048 * 2 + 1234);
    const single = await columnRoot({ column, depth: 14 });
    const streamed = await columnRoot({ column: inPieces(column), depth: 14 });
    const threaded = await columnRoot({ column: inPieces(column), depth: 14, threads: 2 });
    assert.equal(streamed.root, single.root);
    assert.equal(threaded.root, single.root);
    assert.equal(threaded.leafCount, 2048 * 2 + 3);
  });

  it("rejects a depth out of [1, 32], bad thread counts and a column too large for its depth", async () => {
    await assert.rejects(columnRoot({ column: new Uint8Array(1), depth: 0 }), /depth must be an integer in \[1, 32\], got 0/);
    await assert.rejects(columnRoot({ column: new Uint8Array(1), depth: 33 }), { code: "TREE_DEPTH_INVALID" });
    await assert.rejects(columnRoot({ column: new Uint8Array(1), depth: 2.5 }), { code: "TREE_DEPTH_INVALID" });
    await assert.rejects(columnRoot({ column: new Uint8Array(1), threads: 0 }), /threads must be a positive integer, got 0/);
    await assert.rejects(
      columnRoot({ column: new Uint8Array(496 * 4 + 1), depth: 2 }),
      /column must have at most 2\^2 leaves for depth 2, got 5/,
    );
    await assert.doesNotReject(columnRoot({ column: new Uint8Array(496 * 4), depth: 2 }));
  });
});
