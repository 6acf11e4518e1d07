import { bernoulliRational } from "./bernoulliRational.ts";
import type { ChunkSource } from "../training/splitMix64Words.ts";

const TWO_16 = 65536;
const TWO_32 = 4294967296;

/**
 * ⌊2^32 · numerator/denominator⌋ for 0 ≤ numerator < denominator ≤ 2^32, in two base-2^16 steps.
 * Each Math.floor(x / y) is exact: x < 2^48 and x + y < 2^53, so the rounded quotient of a
 * non-integer x/y = q + r/y stays below q + 1 (its gap 1/y exceeds half an ulp of q + 1).
 */
function leadingDigit(numerator: number, denominator: number): number {
  const high = Math.floor((numerator * TWO_16) / denominator);
  const remainder = numerator * TWO_16 - high * denominator;
  return high * TWO_16 + Math.floor((remainder * TWO_16) / denominator);
}

/**
 * Bernoulli(exp(−γ)) for a rational γ = numerator/denominator in [0, 1] (Canonne, Kamath & Steinke
 * 2020, Algorithm 1 for γ ≤ 1; `sample_bernoulli_exp1` of their discretegauss.py): k = 1; while
 * Bernoulli(γ/k) gives 1, k = k + 1; the result is 1 iff the final k is odd. Each Bernoulli(γ/k)
 * is {@link bernoulliRational}'s, computed here from D = ⌊2^32·γ⌋: the trial's first digit is
 * ⌊D/k⌋, and only on a tie (probability 2^−32) does BigInt arithmetic continue the comparison.
 *
 * Requirements: 0 ≤ numerator ≤ denominator, denominator > 0; as numbers, denominator ≤ 2^32.
 *
 * @example
 * bernoulliExpUnit(source, 1, 2); // true with probability exp(−1/2)
 */
export function bernoulliExpUnit(source: ChunkSource, numerator: number | bigint, denominator: number | bigint): boolean {
  if (numerator === 0 || numerator === 0n) return true;
  const digit =
    typeof numerator === "number" && typeof denominator === "number"
      ? numerator === denominator ? TWO_32 : leadingDigit(numerator, denominator)
      : Number((BigInt(numerator) << 32n) / BigInt(denominator));
  // γ = 1: Bernoulli(γ/1) is Bernoulli(1), which draws nothing.
  let k = digit === TWO_32 ? 2 : 1;
  for (;; k++) {
    const chunk = source.nextUint32();
    // Exact: digit ≤ 2^32 and k < 2^52 (one chunk is drawn per k).
    const trialDigit = Math.floor(digit / k);
    const success = chunk === trialDigit ? continueTie(source, chunk, k, numerator, denominator) : chunk < trialDigit;
    if (!success) return k % 2 === 1;
  }
}

/** Bernoulli(frac(2^32·γ/k)) after a chunk equal to the first digit of γ/k. */
function continueTie(source: ChunkSource, chunk: number, k: number, numerator: number | bigint, denominator: number | bigint): boolean {
  const scaledDenominator = BigInt(denominator) * BigInt(k);
  return bernoulliRational(source, (BigInt(numerator) << 32n) - BigInt(chunk) * scaledDenominator, scaledDenominator);
}

/**
 * Bernoulli(exp(−γ)) for any rational γ = numerator/denominator ≥ 0 (Algorithm 1;
 * `sample_bernoulli_exp`): while γ > 1, draw Bernoulli(exp(−1)) and return 0 on a 0, else
 * γ = γ − 1; then {@link bernoulliExpUnit}(γ), γ now in [0, 1].
 *
 * Requirements: numerator ≥ 0, denominator > 0.
 *
 * @example
 * bernoulliExp(source, 5n, 2n); // true with probability exp(−5/2)
 */
export function bernoulliExp(source: ChunkSource, numerator: bigint, denominator: bigint): boolean {
  let remaining = numerator;
  while (remaining > denominator) {
    if (!bernoulliExpUnit(source, 1, 1)) return false;
    remaining -= denominator;
  }
  return bernoulliExpUnit(source, remaining, denominator);
}
