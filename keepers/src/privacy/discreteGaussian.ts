import { VeritrainError } from "../errors.ts";
import { bernoulliExp } from "./bernoulliExp.ts";
import { reduceRational, type Rational } from "./decimalRational.ts";
import { sampleDiscreteLaplace } from "./discreteLaplace.ts";
import type { ChunkSource } from "../training/splitMix64Words.ts";

/** σ² ≤ 2^62 keeps the Laplace scale t = ⌊σ⌋ + 1 ≤ 2^31 + 1 within `nextBelow`'s 2^32. */
const MAX_SIGMA_SQUARED = 1n << 62n;

/** An exact sampler of N_ℤ(0, σ²), made by {@link discreteGaussianSampler}. */
export type DiscreteGaussianSampler = {
  /** σ² in lowest terms. */
  readonly sigmaSquared: Rational;
  /** The Laplace scale t = ⌊√σ²⌋ + 1 of the proposals. */
  readonly laplaceScale: number;
  /** One sample: an integer x with Pr[x] ∝ exp(−x²/(2σ²)), drawn from `source`. */
  sample(source: ChunkSource): number;
};

/** ⌊√n⌋ for n ≥ 0 by Newton's iteration on integers. */
function floorSqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((n.toString(2).length >> 1) + 1);
  for (;;) {
    const next = (x + n / x) >> 1n;
    if (next >= x) return x;
    x = next;
  }
}

function refuse(rule: string, value: unknown, advice: string): never {
  throw new VeritrainError(`sigmaSquared ${rule}, got ${String(value)}: ${advice}`, {
    code: "PRIVACY_SPEC_INVALID",
    details: { field: "sigmaSquared", value, rule },
  });
}

/**
 * The exact discrete Gaussian N_ℤ(0, σ²) for a rational σ² (Canonne, Kamath & Steinke 2020,
 * Algorithm 3; `sample_dgauss` of their discretegauss.py): with t = ⌊√σ²⌋ + 1,
 *
 *   loop: x = discrete Laplace(t)
 *         if Bernoulli(exp(−(|x| − σ²/t)² / (2σ²))) gives 1: return x
 *
 * The bias (|x| − σ²/t)²/(2σ²) is the exact rational A²/(2·n·d·t²) with σ² = n/d and
 * A = |x|·d·t − n, in BigInt. No floating point anywhere: the output is a function of σ² and
 * the chunks only (docs/dp-noise.md §2).
 *
 * @throws VeritrainError `PRIVACY_SPEC_INVALID` unless σ² is a rational of BigInts with
 *   0 < σ² ≤ 2^62.
 * @example
 * const sampler = discreteGaussianSampler({ numerator: 1n, denominator: 1n });
 * sampler.sample(SplitMix64Words.keyed({ seed: 1n, domain: PRNG_DOMAIN.dpNoise, index: 0n }));
 */
export function discreteGaussianSampler(sigmaSquared: Rational): DiscreteGaussianSampler {
  const { numerator, denominator } = sigmaSquared ?? {};
  if (typeof numerator !== "bigint" || typeof denominator !== "bigint" || denominator <= 0n) {
    refuse("must be { numerator, denominator } of BigInts with denominator > 0", JSON.stringify(sigmaSquared, (_, v) => (typeof v === "bigint" ? `${v}n` : v)), "pass σ² as an exact fraction");
  }
  if (numerator <= 0n) refuse("must be > 0", `${numerator}/${denominator}`, "a discrete Gaussian needs a positive variance");
  if (numerator > MAX_SIGMA_SQUARED * denominator) refuse("must be at most 2^62", `${numerator}/${denominator}`, "use a coarser fixed-point step");
  const reduced = reduceRational(numerator, denominator);
  const n = reduced.numerator;
  const d = reduced.denominator;
  const t = floorSqrt(n / d) + 1n;
  const laplaceScale = Number(t);
  const dt = d * t;
  const biasDenominator = 2n * n * d * t * t;
  return Object.freeze({
    sigmaSquared: Object.freeze(reduced),
    laplaceScale,
    sample(source: ChunkSource): number {
      for (;;) {
        const x = sampleDiscreteLaplace(source, laplaceScale);
        const a = BigInt(x < 0 ? -x : x) * dt - n;
        if (bernoulliExp(source, a * a, biasDenominator)) return x;
      }
    },
  });
}
