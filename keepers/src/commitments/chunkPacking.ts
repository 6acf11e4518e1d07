import { VeritrainError } from "../errors.ts";
import { PoseidonWasm } from "./poseidonWasm.ts";

/** Bytes per field element: 31 bytes (248 bits) always fit below the 254-bit BN254 modulus. */
export const ELEMENT_DATA_BYTES = 31;
/** Field elements per leaf: the widest circomlib Poseidon (16 inputs, t = 17). */
export const ELEMENTS_PER_LEAF = 16;
/** Column bytes per leaf: 16 × 31 = 496. */
export const CHUNK_BYTES = ELEMENT_DATA_BYTES * ELEMENTS_PER_LEAF;

/**
 * Number of leaves of a column of `byteLength` bytes: ceil(byteLength / 496), 0 for an empty column.
 *
 * @example
 * leafCountOf(497); // 2
 */
export function leafCountOf(byteLength: number): number {
  return Math.ceil(byteLength / CHUNK_BYTES);
}

/**
 * Packs one chunk (at most 496 bytes; shorter chunks are zero-padded on the right) into the 16
 * field elements of its leaf: element i is bytes [31i, 31i + 31) read as a little-endian integer.
 *
 * @example
 * packChunk(new Uint8Array([1, 2])); // [513n, 0n, …, 0n] (0x0201)
 */
export function packChunk(chunk: Uint8Array): bigint[] {
  if (chunk.length > CHUNK_BYTES) {
    throw new VeritrainError(`chunk must be at most ${CHUNK_BYTES} bytes, got ${chunk.length}`, {
      code: "CHUNK_TOO_LARGE",
      details: { field: "chunk", value: chunk.length, limit: CHUNK_BYTES },
    });
  }
  return Array.from({ length: ELEMENTS_PER_LEAF }, (_, i) => {
    let element = 0n;
    const start = i * ELEMENT_DATA_BYTES;
    for (let b = Math.min(start + ELEMENT_DATA_BYTES, chunk.length) - 1; b >= start; b--) {
      element = (element << 8n) | BigInt(chunk[b] ?? 0);
    }
    return element;
  });
}

/**
 * All leaves of an in-memory column: Poseidon16 of each packed chunk. Meant for small columns,
 * tests and provers of one chunk; {@link columnRoot} streams large columns without materialising leaves.
 *
 * @example
 * columnLeaves(new Uint8Array(497)).length; // 2
 */
export function columnLeaves(column: Uint8Array): bigint[] {
  const poseidon = PoseidonWasm.shared();
  return Array.from({ length: leafCountOf(column.length) }, (_, i) =>
    poseidon.hash(packChunk(column.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES))),
  );
}
