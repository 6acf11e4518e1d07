import { createKeccak } from "hash-wasm";
import { bytesToHex, type Hex } from "viem";

/** Bytes per leaf: one EVM word. */
export const WORD = 32;

/**
 * The smallest depth ≥ 1 whose tree holds `bytes` bytes of words: how a program fixes each memory's depth
 * (docs/training-vm.md §2), and engine version 2 its checkpoint hash's.
 *
 * @example
 * treeDepth(740508); // 15: a LeNet-5 checkpoint with Adam is 23,141 words
 */
export function treeDepth(bytes: number): number {
  const leaves = Math.max(2, Math.ceil(bytes / WORD));
  return (leaves - 1).toString(2).length;
}

/** zeroNodes[h]: the root of a height-h tree of zero words (zeroNodes[0] is the zero word). */
const zeroNodes: Uint8Array[] = [new Uint8Array(WORD)];
function zeroNode(height: number): Uint8Array {
  while (zeroNodes.length <= height) {
    const below = zeroNodes[zeroNodes.length - 1]!;
    zeroNodes.push(hashPair(below, below));
  }
  return zeroNodes[height]!;
}

/**
 * keccak256 in WebAssembly (hash-wasm): a node costs ~1.7 µs instead of @noble/hashes' ~13 µs, and a tree has as
 * many nodes as words (a 10M-parameter checkpoint with Adam: 3.6M; docs/benchmarks.md, `bench:memory`).
 */
const keccak = await createKeccak(256);
function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  keccak.init();
  keccak.update(left);
  keccak.update(right);
  return keccak.digest("binary");
}

/** The root of the all-zero tree of a depth, e.g. a step's scratch memory at a step boundary. */
export function emptyRoot(depth: number): Hex {
  return bytesToHex(zeroNode(depth));
}

/**
 * The root of {@link WordTree}`(bytes, depth)` without the tree: the words are read in order and each finished
 * subtree is folded into its left sibling, so it keeps one pending node per height (O(depth) memory, not a node per
 * word). How a checkpoint of any size is hashed (docs/training.md §8).
 *
 * @throws RangeError if `bytes` do not fit a depth-`depth` tree.
 * @example
 * wordTreeRoot(bytes, treeDepth(bytes.length)) === new WordTree(bytes, treeDepth(bytes.length)).root; // true
 */
export function wordTreeRoot(bytes: Uint8Array, depth: number): Hex {
  if (Math.ceil(bytes.length / WORD) > 2 ** depth) throw new RangeError(`${bytes.length} bytes do not fit a depth-${depth} word tree`);
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  const leaves = Math.ceil(end / WORD);
  const word = (j: number): Uint8Array => {
    if ((j + 1) * WORD <= bytes.length) return bytes.subarray(j * WORD, (j + 1) * WORD);
    const padded = new Uint8Array(WORD);
    if (j * WORD < bytes.length) padded.set(bytes.subarray(j * WORD));
    return padded;
  };
  /** pending[h]: a finished node at height h whose right sibling has not been read yet. */
  const pending: (Uint8Array | undefined)[] = [];
  for (let j = 0; j < leaves; j += 2) {
    let node = hashPair(word(j), word(j + 1));
    let h = 1;
    for (let left = pending[h]; left !== undefined; left = pending[h]) {
      node = hashPair(left, node);
      pending[h++] = undefined;
    }
    pending[h] = node;
  }
  // The words past the last one read are zero: fold what is pending with zero-tree nodes, from the bottom up.
  let carry: Uint8Array | undefined;
  for (let h = 1; h < depth; h++) {
    const left = pending[h];
    if (left !== undefined) carry = hashPair(left, carry ?? zeroNode(h));
    else if (carry !== undefined) carry = hashPair(carry, zeroNode(h));
  }
  return bytesToHex(pending[depth] ?? carry ?? zeroNode(depth));
}

/** The membership proof of one leaf: the leaf word and its siblings from the leaf up. */
export type WordProof = { index: number; word: Hex; siblings: Hex[] };

/**
 * A binary Merkle tree of fixed depth over a byte string read as 32-byte words (docs/training-vm.md §2):
 * the leaves are the words themselves, zero-padded to 2^depth; a node is keccak256(left ‖ right).
 * The depth is fixed by the program, so a leaf can never pass for a node.
 *
 * @example
 * const tree = new WordTree(bytes, 12);
 * tree.root; tree.proof(5);
 */
export class WordTree {
  readonly depth: number;
  /** levels[h][j]: node j at height h; nodes past a level's end are zero-tree nodes. */
  private readonly levels: Uint8Array[][];

  constructor(bytes: Uint8Array, depth: number) {
    if (Math.ceil(bytes.length / WORD) > 2 ** depth) throw new RangeError(`${bytes.length} bytes do not fit a depth-${depth} word tree`);
    // Trailing zero words are the zero tree's nodes already: a step's scratch is mostly zero early in the step.
    let end = bytes.length;
    while (end > 0 && bytes[end - 1] === 0) end--;
    const leaves = Math.ceil(end / WORD);
    this.depth = depth;
    const words: Uint8Array[] = [];
    for (let j = 0; j < leaves; j++) {
      const word = new Uint8Array(WORD);
      word.set(bytes.subarray(j * WORD, Math.min(bytes.length, (j + 1) * WORD)));
      words.push(word);
    }
    this.levels = [words];
    for (let h = 1; h <= depth; h++) {
      const below = this.levels[h - 1]!;
      const level: Uint8Array[] = [];
      for (let j = 0; 2 * j < below.length; j++) level.push(hashPair(below[2 * j]!, below[2 * j + 1] ?? zeroNode(h - 1)));
      this.levels.push(level);
    }
  }

  /** Re-reads the words `leaves` from `bytes` (the same byte string, changed there) and rehashes their paths. */
  update(bytes: Uint8Array, leaves: Iterable<number>): void {
    let changed = new Set<number>();
    const words = this.levels[0]!;
    for (const j of leaves) {
      const word = new Uint8Array(WORD);
      word.set(bytes.subarray(j * WORD, Math.min(bytes.length, (j + 1) * WORD)));
      while (words.length < j) words.push(zeroNode(0));
      words[j] = word;
      changed.add(j >> 1);
    }
    for (let h = 1; h <= this.depth; h++) {
      const below = this.levels[h - 1]!;
      const level = this.levels[h]!;
      const parents = new Set<number>();
      for (const j of changed) {
        while (level.length < j) level.push(zeroNode(h));
        level[j] = hashPair(below[2 * j] ?? zeroNode(h - 1), below[2 * j + 1] ?? zeroNode(h - 1));
        parents.add(j >> 1);
      }
      changed = parents;
    }
  }

  /** An independent copy: the nodes are never changed in place ({@link WordTree.update} replaces them), so they are shared. */
  clone(): WordTree {
    const copy = Object.create(WordTree.prototype) as WordTree;
    Object.assign(copy, { depth: this.depth, levels: this.levels.map((level) => level.slice()) });
    return copy;
  }

  get root(): Hex {
    return bytesToHex(this.levels[this.depth]![0] ?? zeroNode(this.depth));
  }

  /** The proof of leaf `index`. */
  proof(index: number): WordProof {
    if (!Number.isInteger(index) || index < 0 || index >= 2 ** this.depth) throw new RangeError(`leaf ${index} is outside a depth-${this.depth} tree`);
    const siblings: Hex[] = [];
    for (let h = 0, j = index; h < this.depth; h++, j >>= 1) siblings.push(bytesToHex(this.levels[h]![j ^ 1] ?? zeroNode(h)));
    return { index, word: bytesToHex(this.levels[0]![index] ?? zeroNode(0)), siblings };
  }
}

/**
 * The root a proof's path gives when its leaf holds `word`: how the one-step contract checks a read (the
 * leaf's current word) and computes a write (the new word, same siblings).
 */
export function rootFrom(index: number, word: Uint8Array, siblings: readonly Uint8Array[]): Hex {
  let node = word;
  for (let h = 0, j = index; h < siblings.length; h++, j >>= 1) node = j & 1 ? hashPair(siblings[h]!, node) : hashPair(node, siblings[h]!);
  return bytesToHex(node);
}
