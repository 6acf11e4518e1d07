import { gfMultiply } from "../../../keepers/src/erasure/galoisField.ts";

/**
 * The byte-at-a-time definition of matrix × shards in GF(2^8), independent of the SIMD kernel:
 * output r, byte b = XOR over j of coefficients[r][j] · inputs[j][b].
 *
 * @example
 * referenceMultiply(parityMatrix({ dataCount: 4, parityCount: 2 }), dataShards); // the 2 parity shards
 */
export function referenceMultiply(coefficients: Uint8Array, inputs: readonly Uint8Array[]): Uint8Array[] {
  const cols = inputs.length;
  const rows = coefficients.length / cols;
  const length = inputs[0]!.length;
  return Array.from({ length: rows }, (_, r) => {
    const out = new Uint8Array(length);
    for (let j = 0; j < cols; j++) {
      const c = coefficients[r * cols + j]!;
      const input = inputs[j]!;
      for (let b = 0; b < length; b++) out[b]! ^= gfMultiply(c, input[b]!);
    }
    return out;
  });
}
