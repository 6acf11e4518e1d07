import { VeritrainError } from "../errors.ts";
import { PRNG_DOMAIN } from "../training/prng.ts";
import { decimalRational, type Rational } from "./decimalRational.ts";
import { discreteGaussianSampler } from "./discreteGaussian.ts";
import { SplitMix64Words } from "../training/splitMix64Words.ts";

/** The largest k of the fixed-point step Δ = 2^−k. */
const MAX_FRACTION_BITS = 62;
const MAX_SEED = (1n << 64n) - 1n;

/** Parameters of {@link discreteGaussianNoise}: the job spec's DP-SGD noise fields. */
export type DiscreteGaussianNoiseParameters = {
  /** σ, the noise multiplier, as a job-spec decimal string, e.g. "1.1", or an exact rational. > 0. */
  noiseMultiplier: string | Rational;
  /** C, the per-example clipping norm, as a job-spec decimal string, e.g. "1", or an exact rational. > 0. */
  clipNorm: string | Rational;
  /** k of the fixed-point step Δ = 2^−k of the noise, an integer in [0, 62]. */
  fractionBits: number;
};

/** Parameters of {@link DiscreteGaussianNoise.fill}. */
export type FillNoiseParameters = {
  /** The participant's committed noise seed, an unsigned 64-bit integer. */
  seed: bigint;
  /** The optimizer step (0-based), a safe integer ≥ 0: the stream's index. */
  step: number;
  /** The vector to fill, one coordinate per model parameter in the engine's parameter order. */
  out: Float64Array;
};

/** What {@link discreteGaussianNoise} returns. */
export type DiscreteGaussianNoise = {
  /** (σ·C/Δ)², the variance of the integer samples, in lowest terms. */
  readonly sigmaSquared: Rational;
  /** k, with Δ = 2^−k. */
  readonly fractionBits: number;
  /**
   * Fills `out[i] = z_i · Δ`, i = 0, 1, …, in index order, with z_i ~ N_ℤ(0, (σ·C/Δ)²) drawn from
   * the one stream SplitMix64(seed, PRNG_DOMAIN.dpNoise, step). Exact: z_i is an integer below 2^53
   * in magnitude and Δ a power of two.
   *
   * @throws VeritrainError `PRIVACY_SPEC_INVALID` for a bad seed, step or `out`.
   */
  fill(parameters: FillNoiseParameters): Float64Array;
};

function refuse(field: string, value: unknown, rule: string, advice: string): never {
  throw new VeritrainError(`${field} ${rule}, got ${String(value)}: ${advice}`, {
    code: "PRIVACY_SPEC_INVALID",
    details: { field, value, rule },
  });
}

function positiveDecimal(text: string | Rational, field: string): Rational {
  const value = typeof text === "object" && text !== null && typeof text.numerator === "bigint" ? text : decimalRational(text, field);
  if (value.numerator === 0n) refuse(field, text, "must be > 0", "DP-SGD needs a positive noise multiplier and clipping norm");
  return value;
}

/**
 * DP-SGD's Gaussian noise, exactly (docs/dp-noise.md §3): each coordinate is z·Δ with z drawn from
 * the discrete Gaussian N_ℤ(0, (σ·C/Δ)²) of {@link discreteGaussianSampler}, where σ and C are the
 * exact rational values of the spec's decimal strings (or the rationals given) and Δ = 2^−k. The stream of step s is keyed
 * by (seed, dpNoise, s), so any step's noise is recreated alone.
 *
 * @throws VeritrainError `PRIVACY_SPEC_INVALID` for a non-decimal or zero σ or C, a k outside
 *   [0, 62], or (σ·C/Δ)² above 2^62.
 * @example
 * const noise = discreteGaussianNoise({ noiseMultiplier: "1.1", clipNorm: "1", fractionBits: 20 });
 * const z = noise.fill({ seed: 7n, step: 0, out: new Float64Array(61706) });
 */
export function discreteGaussianNoise({ noiseMultiplier, clipNorm, fractionBits }: DiscreteGaussianNoiseParameters): DiscreteGaussianNoise {
  const sigma = positiveDecimal(noiseMultiplier, "noiseMultiplier");
  const clip = positiveDecimal(clipNorm, "clipNorm");
  if (!Number.isInteger(fractionBits) || fractionBits < 0 || fractionBits > MAX_FRACTION_BITS) {
    refuse("fractionBits", fractionBits, `must be an integer in [0, ${MAX_FRACTION_BITS}]`, "choose the fixed-point step Δ = 2^−fractionBits, e.g. 20");
  }
  const scaleNumerator = (sigma.numerator * clip.numerator) << BigInt(fractionBits);
  const scaleDenominator = sigma.denominator * clip.denominator;
  const sampler = discreteGaussianSampler({ numerator: scaleNumerator * scaleNumerator, denominator: scaleDenominator * scaleDenominator });
  // Δ = 2^−k is a binary64 exactly, and so is z·Δ for |z| < 2^53.
  const delta = 1 / Number(1n << BigInt(fractionBits));
  return Object.freeze({
    sigmaSquared: sampler.sigmaSquared,
    fractionBits,
    fill({ seed, step, out }: FillNoiseParameters): Float64Array {
      if (typeof seed !== "bigint" || seed < 0n || seed > MAX_SEED) refuse("seed", seed, "must be a BigInt in [0, 2^64)", "use the noise seed the participant committed to");
      if (!Number.isSafeInteger(step) || step < 0) refuse("step", step, "must be a safe integer ≥ 0", "pass the 0-based optimizer step");
      if (!(out instanceof Float64Array)) refuse("out", out, "must be a Float64Array", "allocate one coordinate per model parameter");
      const source = SplitMix64Words.keyed({ seed, domain: PRNG_DOMAIN.dpNoise, index: BigInt(step) });
      for (let i = 0; i < out.length; i++) out[i] = sampler.sample(source) * delta;
      return out;
    },
  });
}
