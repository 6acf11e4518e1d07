import { VeritrainError } from "../errors.ts";
import { CHUNK_BYTES, leafCountOf } from "./chunkPacking.ts";
import type { MerkleFrontier } from "./merkleFrontier.ts";
import type { PoseidonWasm } from "./poseidonWasm.ts";
import { ELEMENT_BYTES } from "./poseidonWat.ts";

/** Chunks are unpacked 8 bytes at a time, so the last element of a buffer may read up to 6 bytes past it. */
const READ_SLACK = 8;

/**
 * Turns column bytes into leaves inside wasm memory and feeds them to a frontier, with one
 * reusable input buffer of `blockBytes` (a multiple of 496).
 *
 * @example
 * const leaves = new LeafHasher({ poseidon, blockBytes: 2048 * 496 });
 * leaves.pushBlock(block, frontier);
 */
export class LeafHasher {
  readonly #poseidon: PoseidonWasm;
  readonly #blockBytes: number;
  readonly #input: number;
  readonly #leaves: number;

  constructor({ poseidon, blockBytes }: { poseidon: PoseidonWasm; blockBytes: number }) {
    this.#poseidon = poseidon;
    this.#blockBytes = blockBytes;
    this.#input = poseidon.allocate(blockBytes + READ_SLACK);
    this.#leaves = poseidon.allocate(2 * ELEMENT_BYTES);
  }

  /**
   * Hashes the chunks of `block` (at most blockBytes; a short last chunk is zero-padded) two at a
   * time, one per SIMD lane, and pushes each leaf in order; an odd last chunk fills both lanes.
   */
  pushBlock(block: Uint8Array, frontier: MerkleFrontier): void {
    if (block.length > this.#blockBytes) {
      throw new VeritrainError(`block must be at most ${this.#blockBytes} bytes, got ${block.length}`, {
        code: "BLOCK_TOO_LARGE",
        details: { field: "block", value: block.length, limit: this.#blockBytes },
      });
    }
    const leaves = leafCountOf(block.length);
    const memory = this.#poseidon.memory;
    memory.set(block, this.#input);
    memory.fill(0, this.#input + block.length, this.#input + leaves * CHUNK_BYTES);
    const second = this.#leaves + ELEMENT_BYTES;
    for (let i = 0; i < leaves; i += 2) {
      const chunk = this.#input + i * CHUNK_BYTES;
      if (i + 1 < leaves) {
        this.#poseidon.hashChunks(this.#leaves, second, chunk, chunk + CHUNK_BYTES);
        frontier.push(this.#leaves);
        frontier.push(second);
      } else {
        this.#poseidon.hashChunks(this.#leaves, this.#leaves, chunk, chunk);
        frontier.push(this.#leaves);
      }
    }
  }
}
