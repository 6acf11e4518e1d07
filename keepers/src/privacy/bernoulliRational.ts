import type { ChunkSource } from "../training/splitMix64Words.ts";

/**
 * Bernoulli(p) for a rational p = numerator/denominator in [0, 1], exactly (docs/dp-noise.md §2.2):
 * the outcome is U < p for the uniform real U = 0.c₁c₂c₃… whose base-2^32 digits are the source's
 * chunks, drawn one at a time while the outcome is undecided. With p's digits d₁d₂…: c_i < d_i
 * gives 1, c_i > d_i gives 0, c_i = d_i continues with the next digit, and p's expansion ending
 * (remainder 0) gives 0. p = 0 and p = 1 draw nothing. The outcome and the chunks drawn depend on
 * the value p only, never on how the fraction is written.
 *
 * Requirements: 0 ≤ numerator ≤ denominator, denominator > 0 (unchecked: internal primitive).
 *
 * @example
 * bernoulliRational(source, 1n, 3n); // true with probability exactly 1/3
 */
export function bernoulliRational(source: ChunkSource, numerator: bigint, denominator: bigint): boolean {
  if (numerator === 0n) return false;
  if (numerator === denominator) return true;
  let remainder = numerator;
  for (;;) {
    const scaled = remainder << 32n;
    const digit = scaled / denominator;
    const chunk = BigInt(source.nextUint32());
    if (chunk !== digit) return chunk < digit;
    remainder = scaled - digit * denominator;
    if (remainder === 0n) return false;
  }
}
