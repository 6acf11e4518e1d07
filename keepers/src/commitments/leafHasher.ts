import { VeritrainError } from "../errors.ts";
import { CHUNK_BYTES, leafCountOf } from "./chunkPacking.ts";
import { type MerkleFrontier, zeroHashes } from "./merkleFrontier.ts";
import type { PoseidonWasm } from "./poseidonWasm.ts";
import { ELEMENT_BYTES } from "./poseidonWat.ts";
import { ARITY, leavesAtDepth } from "./treeDepth.ts";

/** Chunks are unpacked 8 bytes at a time, so the last element of a buffer may read up to 6 bytes past it. */
const READ_SLACK = 8;

/**
 * Turns column bytes into leaves inside wasm memory, with one reusable input buffer of
 * `blockBytes` (a multiple of 496). Leaves are hashed two at a time, one per SIMD lane of the
 * Poseidon module; an odd last chunk fills both lanes.
 *
 * @example
 * const leaves = new LeafHasher({ poseidon, blockBytes: 1024 * 496 });
 * frontier.push(leaves.subtreeRoot(block, 5)); // or, to see every node: leaves.pushBlock(block, frontier)
 */
export class LeafHasher {
  readonly #poseidon: PoseidonWasm;
  readonly #blockBytes: number;
  readonly #input: number;
  /** One node per leaf of a block: the leaves, then each level of the subtree overwriting the one below. */
  readonly #nodes: number;

  constructor({ poseidon, blockBytes }: { poseidon: PoseidonWasm; blockBytes: number }) {
    this.#poseidon = poseidon;
    this.#blockBytes = blockBytes;
    this.#input = poseidon.allocate(blockBytes + READ_SLACK);
    // Spare slots: a level is padded to a multiple of 4 nodes with the empty-subtree hash.
    this.#nodes = poseidon.allocate((blockBytes / CHUNK_BYTES + ARITY - 1) * ELEMENT_BYTES);
  }

  /** Hashes the chunks of `block` (a short last chunk is zero-padded) and pushes each leaf, in order. */
  pushBlock(block: Uint8Array, frontier: MerkleFrontier): void {
    const leaves = this.#hashLeaves(block, this.#blockBytes);
    for (let i = 0; i < leaves; i++) frontier.push(this.#node(i));
  }

  /**
   * Root of the subtree of height `levels` whose leaves are the chunks of `block` (at most
   * 4^levels of them), padded on the right with empty leaves. Hashed level by level, two nodes
   * per permutation. Returns a wasm pointer, valid until the next call.
   */
  subtreeRoot(block: Uint8Array, levels: number): number {
    let count = this.#hashLeaves(block, Math.min(this.#blockBytes, leavesAtDepth(levels) * CHUNK_BYTES));
    const zeros = zeroHashes(this.#poseidon, levels);
    if (count === 0) return zeros + levels * ELEMENT_BYTES;
    for (let level = 0; level < levels; level++) {
      while (count % ARITY !== 0) this.#poseidon.copyElement(this.#node(count++), zeros + level * ELEMENT_BYTES);
      const parents = count / ARITY;
      // Parent j overwrites node j, whose children 4j..4j + 3 (j >= 1) were already read.
      for (let j = 0; j < parents; j += 2) {
        const second = Math.min(j + 1, parents - 1);
        this.#poseidon.hashChildren(this.#node(j), this.#node(second), this.#node(ARITY * j), this.#node(ARITY * second));
      }
      count = parents;
    }
    return this.#node(0);
  }

  /** Hashes the chunks of `block` into the node buffer and returns their number. */
  #hashLeaves(block: Uint8Array, limit: number): number {
    if (block.length > limit) {
      throw new VeritrainError(`block must be at most ${limit} bytes, got ${block.length}`, {
        code: "BLOCK_TOO_LARGE",
        details: { field: "block", value: block.length, limit },
      });
    }
    const leaves = leafCountOf(block.length);
    const memory = this.#poseidon.memory;
    memory.set(block, this.#input);
    memory.fill(0, this.#input + block.length, this.#input + leaves * CHUNK_BYTES);
    for (let i = 0; i < leaves; i += 2) {
      const second = Math.min(i + 1, leaves - 1);
      this.#poseidon.hashChunks(this.#node(i), this.#node(second), this.#input + i * CHUNK_BYTES, this.#input + second * CHUNK_BYTES);
    }
    return leaves;
  }

  #node(index: number): number {
    return this.#nodes + index * ELEMENT_BYTES;
  }
}
