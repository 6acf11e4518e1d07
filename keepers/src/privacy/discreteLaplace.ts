import { VeritrainError } from "../errors.ts";
import { bernoulliExpUnit } from "./bernoulliExp.ts";
import type { ChunkSource } from "../training/splitMix64Words.ts";

/**
 * v·t + u < 2^53 while v < 2^21 and t ≤ 2^32. Reaching it needs 2^21 successive
 * Bernoulli(exp(−1)) successes (probability e^−2^21).
 */
const MAX_GEOMETRIC = 2097152;

/**
 * The discrete Laplace distribution with integer scale t, Pr[x] ∝ exp(−|x|/t) on ℤ (Canonne, Kamath &
 * Steinke 2020, Algorithm 2; `sample_dlaplace` with `sample_geometric_exp_fast` of their
 * discretegauss.py, for γ = 1/t):
 *
 *   loop: negative = Bernoulli(1/2), i.e. the first chunk < 2^31
 *         repeat u = nextBelow(t) until Bernoulli(exp(−u/t)) gives 1
 *         v = 0; while Bernoulli(exp(−1)) gives 1: v = v + 1
 *         magnitude = v·t + u
 *         if negative and magnitude = 0: start again
 *         return negative ? −magnitude : magnitude
 *
 * Requirements: scale an integer in [1, 2^32] (the range of `nextBelow`; unchecked: internal primitive).
 * @throws VeritrainError `PRIVACY_NOISE_RANGE` if v reaches 2^21, where v·t + u could leave the safe
 *   integers (probability e^−2^21; a broken chunk source, not bad luck).
 * @example
 * sampleDiscreteLaplace(SplitMix64Words.keyed({ seed: 1n, domain: PRNG_DOMAIN.dpNoise, index: 0n }), 3);
 */
export function sampleDiscreteLaplace(source: ChunkSource, scale: number): number {
  for (;;) {
    const negative = source.nextUint32() < 2147483648;
    let u: number;
    do u = source.nextBelow(scale);
    while (!bernoulliExpUnit(source, u, scale));
    let v = 0;
    while (bernoulliExpUnit(source, 1, 1)) {
      if (++v === MAX_GEOMETRIC) {
        throw new VeritrainError(`discrete Laplace geometric count reached ${MAX_GEOMETRIC}, beyond exact number arithmetic: the chunk source is not random`, {
          code: "PRIVACY_NOISE_RANGE",
          details: { scale, count: v },
        });
      }
    }
    const magnitude = v * scale + u;
    if (!(negative && magnitude === 0)) return negative ? -magnitude : magnitude;
  }
}
