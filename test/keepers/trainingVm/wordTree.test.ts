import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bytesToHex, concat, keccak256, type Hex } from "viem";
import { PRNG_DOMAIN, SplitMix64 } from "../../../keepers/src/training/prng.ts";
import { treeDepth, WordTree, wordTreeRoot } from "../../../keepers/src/trainingVm/wordTree.ts";

/** The definition of docs/training-vm.md §2, written out with viem's keccak256: every leaf, every level. */
function referenceRoot(bytes: Uint8Array, depth: number): Hex {
  let level: Hex[] = Array.from({ length: 2 ** depth }, (_, j) => {
    const word = new Uint8Array(32);
    if (j * 32 < bytes.length) word.set(bytes.subarray(j * 32, (j + 1) * 32));
    return bytesToHex(word);
  });
  while (level.length > 1) level = Array.from({ length: level.length / 2 }, (_, j) => keccak256(concat([level[2 * j]!, level[2 * j + 1]!])));
  return level[0]!;
}

/** `length` seeded bytes, the last `zeros` of them zero (a checkpoint's or scratch's trailing zero words). */
function seededBytes(seed: number, length: number, zeros: number): Uint8Array {
  const rng = SplitMix64.keyed({ seed: BigInt(seed), domain: PRNG_DOMAIN.init, index: 0n });
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length - zeros; i++) bytes[i] = Number(rng.nextUint64() & 0xffn) | 1;
  return bytes;
}

describe("word trees", () => {
  it("WordTree and the streaming wordTreeRoot both give the definition's root, for every length around word and power-of-two edges", () => {
    const lengths = [0, 1, 31, 32, 33, 63, 64, 65, 95, 96, 97, 127, 128, 129, 255, 256, 257, 1000, 2047, 2048, 2049];
    for (const [i, length] of lengths.entries()) {
      for (const zeros of [0, Math.min(length, 40)]) {
        const bytes = seededBytes(i + 1, length, zeros);
        for (const depth of [treeDepth(length), treeDepth(length) + 2]) {
          const expected = referenceRoot(bytes, depth);
          assert.equal(new WordTree(bytes, depth).root, expected, `WordTree, ${length} bytes (${zeros} trailing zeros), depth ${depth}`);
          assert.equal(wordTreeRoot(bytes, depth), expected, `wordTreeRoot, ${length} bytes (${zeros} trailing zeros), depth ${depth}`);
        }
      }
    }
  });

  it("a word changed anywhere changes the streaming root as it changes the tree's", () => {
    const bytes = seededBytes(9, 32 * 37, 0);
    const depth = treeDepth(bytes.length);
    const tree = new WordTree(bytes, depth);
    const before = wordTreeRoot(bytes, depth);
    for (const j of [0, 1, 18, 35, 36]) {
      bytes[j * 32 + 5]! ^= 0x80;
      tree.update(bytes, [j]);
      assert.notEqual(wordTreeRoot(bytes, depth), before);
      assert.equal(wordTreeRoot(bytes, depth), tree.root, `word ${j}`);
      bytes[j * 32 + 5]! ^= 0x80;
      tree.update(bytes, [j]);
    }
    assert.equal(tree.root, before);
  });

  it("refuses bytes that do not fit the depth", () => {
    assert.throws(() => wordTreeRoot(new Uint8Array(32 * 4 + 1), 2), /129 bytes do not fit a depth-2 word tree/);
    assert.throws(() => new WordTree(new Uint8Array(32 * 4 + 1), 2), /129 bytes do not fit a depth-2 word tree/);
  });
});
