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
    assert.equal(fieldToBytes32Hex(commitment.merkleRoot), "0x0d1c930bcc8efd08d9064525170c06605992425352c21c09290b54e38fd1eacc");
    assert.equal(fieldToBytes32Hex(commitment.root), "0x23e7ae3f8b8ecf6ad2b0013c81befaef0903337b27341ac5aedfb29bb050c6d4");
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
    assert.equal(fieldToBytes32Hex(commitment.merkleRoot), "0x0eb729c67ceab8447f2677f44c070db0578b5e12c31f2b271e6daf65bd3de54b");
    assert.equal(fieldToBytes32Hex(commitment.root), "0x0b7621b4912fff29e7deac84c1e52de868489c0397bd522ea4c0c65fb5e98595");
  });

  it("empty column: leafCount 0, root Poseidon2(zero[D], 0)", async () => {
    const commitment = await columnRoot({ column: new Uint8Array(0), depth: 4 });
    assert.equal(commitment.leafCount, 0);
    let zero = 0n;
    for (let level = 0; level < 4; level++) zero = referencePoseidon([zero, zero, zero, zero]);
    assert.equal(commitment.merkleRoot, zero);
    assert.equal(commitment.root, referencePoseidon([zero, 0n]));
    assert.equal(fieldToBytes32Hex(commitment.root), "0x1b2cfd06028d8b3eed78080b6159fcbfe90953bdf91a7c0fc3c40b83e3a279f7");
    const atDefaultDepth = await columnRoot({ column: new Uint8Array(0) });
    assert.equal(fieldToBytes32Hex(atDefaultDepth.root), "0x04efa3b8d4088ef690eabd83985d2ba2058131beaad21c82f1b4df6a697ebc04");
  });

  it("matches the circomlibjs reference for 1, 496, 497 bytes and full trees, at depths 1..5", async () => {
    const random = new SeededRandom(5n);
    const cases = [
      { bytes: 1, depth: 1 },
      { bytes: 496, depth: 1 },
      { bytes: 497, depth: 1 },
      { bytes: 496 * 4, depth: 1 },
      { bytes: 497, depth: 3 },
      { bytes: 496 * 64, depth: 3 },
      { bytes: 496 * 21 + 100, depth: 5 },
    ];
    for (const { bytes, depth } of cases) {
      const column = random.bytes(bytes);
      const commitment = await columnRoot({ column, depth });
      assert.equal(commitment.root, referenceColumnRoot({ column, depth }).root, `${bytes} bytes, depth ${depth}`);
    }
  });

  it("matches the circomlibjs reference across a segment boundary: 4^5 + 1 leaves, depth 7", async () => {
    const column = new SeededRandom(12n).bytes(496 * 1024 + 200);
    const commitment = await columnRoot({ column, depth: 7 });
    assert.equal(commitment.leafCount, 1025);
    assert.equal(commitment.root, referenceColumnRoot({ column, depth: 7 }).root);
  });

  it("gives the same root for a buffer, a stream of odd-sized pieces, 1 thread and 2 threads", async () => {
    // 4^5 leaves per worker segment: 2 whole segments and a partial one exercise the thread path.
    const column = new SeededRandom(9n).bytes(496 * 1024 * 2 + 1234);
    const single = await columnRoot({ column, depth: 8 });
    const streamed = await columnRoot({ column: inPieces(column), depth: 8 });
    const threaded = await columnRoot({ column: inPieces(column), depth: 8, threads: 2 });
    assert.equal(streamed.root, single.root);
    assert.equal(threaded.root, single.root);
    assert.equal(threaded.leafCount, 1024 * 2 + 3);
  });

  it("rejects a depth out of [1, 16], bad thread counts and a column too large for its depth", async () => {
    await assert.rejects(columnRoot({ column: new Uint8Array(1), depth: 0 }), /depth must be an integer in \[1, 16\], got 0/);
    await assert.rejects(columnRoot({ column: new Uint8Array(1), depth: 17 }), { code: "TREE_DEPTH_INVALID" });
    await assert.rejects(columnRoot({ column: new Uint8Array(1), depth: 2.5 }), { code: "TREE_DEPTH_INVALID" });
    await assert.rejects(columnRoot({ column: new Uint8Array(1), threads: 0 }), /threads must be a positive integer, got 0/);
    await assert.rejects(
      columnRoot({ column: new Uint8Array(496 * 16 + 1), depth: 2 }),
      /column must have at most 4\^2 leaves for depth 2, got 17/,
    );
    await assert.doesNotReject(columnRoot({ column: new Uint8Array(496 * 16), depth: 2 }));
  });
});
