import { VeritrainError } from "../errors.ts";

/**
 * Arithmetic in GF(2^8) with the field polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11D) and the
 * primitive element 2 — the field of ISA-L, Backblaze and klauspost/reedsolomon.
 *
 * Addition is XOR; multiplication goes through log/exp tables.
 *
 * @example
 * gfMultiply(0x53, 0xca); // 0x8f
 * gfMultiply(7, gfInverse(7)); // 1
 */

/** The reduction polynomial, bit i = coefficient of x^i. */
export const FIELD_POLYNOMIAL = 0x11d;

/** EXP[i] = 2^i; 510 entries so that EXP[LOG[a] + LOG[b]] needs no modulo. */
const EXP = new Uint8Array(510);
/** LOG[a] = i such that 2^i = a, for a != 0 (LOG[0] is unused). */
const LOG = new Uint8Array(256);

let element = 1;
for (let i = 0; i < 255; i++) {
  EXP[i] = element;
  EXP[i + 255] = element;
  LOG[element] = i;
  element <<= 1;
  if (element & 0x100) element ^= FIELD_POLYNOMIAL;
}

/** The product of two field elements (bytes 0..255). */
export function gfMultiply(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[LOG[a]! + LOG[b]!]!;
}

/** The multiplicative inverse of a non-zero field element. */
export function gfInverse(a: number): number {
  if (a === 0) {
    throw new VeritrainError("gfInverse argument must be non-zero: 0 has no inverse in GF(2^8)", {
      code: "ERASURE_FIELD_ZERO_INVERSE",
      details: { field: "a", value: a },
    });
  }
  return EXP[255 - LOG[a]!]!;
}
