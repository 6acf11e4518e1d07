import { VeritrainError } from "../errors.ts";
import { CHUNK_BYTES, leafCountOf } from "./chunkPacking.ts";
import type { MerkleFrontier } from "./merkleFrontier.ts";
import type { PoseidonWasm } from "./poseidonWasm.ts";
import { ELEMENT_BYTES } from "./poseidonWat.ts";

/** unpack31 reads 8 bytes at a time, so the last element of a buffer may read up to 6 bytes past it. */
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
  readonly #leaf: number;

  constructor({ poseidon, blockBytes }: { poseidon: PoseidonWasm; blockBytes: number }) {
    this.#poseidon = poseidon;
    this.#blockBytes = blockBytes;
    this.#input = poseidon.allocate(blockBytes + READ_SLACK);
    this.#leaf = poseidon.allocate(ELEMENT_BYTES);
  }

  /** Hashes the chunks of `block` (at most blockBytes; a short last chunk is zero-padded) and pushes each leaf. */
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
    for (let i = 0; i < leaves; i++) {
      this.#poseidon.hashChunk(this.#leaf, this.#input + i * CHUNK_BYTES);
      frontier.push(this.#leaf);
    }
  }
}
