import { VeritrainError } from "../errors.ts";
import { roundHalfEven } from "../rounds/updateCompression.ts";
import { PRNG_DOMAIN } from "../training/prng.ts";
import { reduceRational, type Rational } from "./decimalRational.ts";
import { discreteGaussianNoise, type DiscreteGaussianNoise } from "./discreteGaussianNoise.ts";
import { SplitMix64Words } from "../training/splitMix64Words.ts";

/** k of DP-SGD's grid Δ = 2^−k: per-example gradients are rounded to it, the noise lives on it. */
export const DP_FRACTION_BITS = 20;

/** A private job's DP-SGD, parsed from its spec's `privacy` (docs/training.md §6a). */
export type PrivacyConfig = {
  /** C, the per-example L2 bound, the spec's exact decimal string. */
  clipNorm: string;
  /** σ derived from the target by the RDP accountant (a dyadic rational, exact in binary64). */
  noiseMultiplier: number;
  /** The ε the run spends at `delta` (≤ the spec's target), and the RDP order attaining it. */
  epsilon: number;
  order: number;
  delta: number;
  /** q = batchSize / training examples, the Poisson sampling rate. */
  sampleRate: number;
};

/** Parameters of {@link poissonBatch}. */
export type PoissonBatchParameters = {
  /** The participant's noise seed: the sample is as secret as the noise. */
  seed: bigint;
  /** The optimizer step (0-based): the stream's index. */
  step: number;
  /** N, the training examples. */
  examples: number;
  /** B, the expected batch size: each example is in the batch with probability B/N. */
  batchSize: number;
};

/**
 * Step `step`'s Poisson sample: example i (in index order 0 … N−1) is in it iff `nextBelow(N) < B`,
 * drawn from the stream SplitMix64(seed, poissonSample, step), so each with probability exactly B/N,
 * independently. Returns the sampled indices in increasing order.
 *
 * @example
 * const batch = poissonBatch({ seed: 7n, step: 0, examples: 55000, batchSize: 256 });
 */
export function poissonBatch({ seed, step, examples, batchSize }: PoissonBatchParameters): number[] {
  const source = SplitMix64Words.keyed({ seed, domain: PRNG_DOMAIN.poissonSample, index: BigInt(step) });
  const batch: number[] = [];
  for (let i = 0; i < examples; i++) if (source.nextBelow(examples) < batchSize) batch.push(i);
  return batch;
}

/**
 * The exact rational value of a finite binary64 number (σ is dyadic).
 *
 * @example
 * binary64Rational(0.75); // { numerator: 3n, denominator: 4n }
 */
export function binary64Rational(x: number): Rational {
  let denominator = 1n;
  let value = x;
  while (!Number.isInteger(value)) {
    value *= 2;
    denominator *= 2n;
  }
  return reduceRational(BigInt(value), denominator);
}

/** Parameters of the {@link PrivateGradient} constructor. */
export type PrivateGradientParameters = {
  config: PrivacyConfig;
  /** d, the model's parameter count. */
  size: number;
  /** B: the per-example gradients the runner computes are ∇loss / B, and so is the result. */
  batchSize: number;
};

/**
 * One DP-SGD step's gradient (docs/training.md §6a): each example's gradient x = B·g (g its slot,
 * ∇loss/B) is clipped to L2 norm C′ = C·(1 − 2^−30) − √d·Δ/2 (binary64: n = √(Σ x²), the factor
 * min(1, C′/(n + 10⁻⁶))), rounded to the grid Δ = 2^−20 coordinate by coordinate (ties to even), and
 * summed exactly (integers below 2^53, so in any order); then the discrete Gaussian noise
 * N_ℤ(0, (σC/Δ)²)·Δ of the step is added (exact) and the result divided by B and rounded once to
 * binary32. The rounding moves an example's contribution by at most √d·Δ/2, so each example moves
 * the sum by at most C: the sensitivity the accountant assumes.
 */
export class PrivateGradient {
  private readonly sum: Float64Array;
  private readonly noise: Float64Array;
  private readonly sampler: DiscreteGaussianNoise;
  private readonly bound: number;
  private readonly batchSize: number;
  private readonly scale = 2 ** DP_FRACTION_BITS;

  constructor({ config, size, batchSize }: PrivateGradientParameters) {
    this.sum = new Float64Array(size);
    this.noise = new Float64Array(size);
    this.batchSize = batchSize;
    this.sampler = discreteGaussianNoise({ noiseMultiplier: binary64Rational(config.noiseMultiplier), clipNorm: config.clipNorm, fractionBits: DP_FRACTION_BITS });
    this.bound = Number(config.clipNorm) * (1 - 2 ** -30) - Math.sqrt(size) / this.scale / 2;
    if (!(this.bound > 0)) {
      throw new VeritrainError(`privacy.clipNorm ${config.clipNorm} is too small for a model of ${size} parameters on the grid 2^-${DP_FRACTION_BITS}: raise it above ${Math.sqrt(size) / this.scale}`, {
        code: "JOB_SPEC_INVALID", details: { field: "privacy.clipNorm", value: config.clipNorm },
      });
    }
  }

  /** Starts a step's sum. */
  reset(): void {
    this.sum.fill(0);
  }

  /** The step's grid sum so far: Σ of the examples' clipped coordinates, integers in units of Δ (a view, not a copy). */
  get gridSum(): Float64Array {
    return this.sum;
  }

  /** Sets the step's grid sum to `sum` (integers in units of Δ): a replay of a step from its recorded sum (noiseOpening). */
  load(sum: Float64Array): void {
    if (sum.length !== this.sum.length) throw new VeritrainError(`a grid sum has ${sum.length} coordinates, the model ${this.sum.length}`, { code: "INVALID_ARGUMENT" });
    this.sum.set(sum);
  }

  /** Adds one example's gradient slot (∇loss/B), clipped and on the grid. */
  add(slot: Float32Array): void {
    const { sum, batchSize: B } = this;
    let squares = 0;
    for (let i = 0; i < sum.length; i++) {
      const x = slot[i]! * B;
      squares += x * x;
    }
    const factor = Math.min(1, this.bound / (Math.sqrt(squares) + 1e-6)) * B * this.scale;
    for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + roundHalfEven(slot[i]! * factor);
  }

  /** The noise of stream (seed, dpNoise, step) in grid units: z, integers drawn from N_ℤ(0, (σC/Δ)²) (a new array). */
  noiseGrid({ seed, step }: { seed: bigint; step: number }): Float64Array {
    return this.sampler.fill({ seed, step, out: new Float64Array(this.noise.length) }).map((value) => value * this.scale);
  }

  /** Writes fround((Σ·Δ + z·Δ) / B) into `out`: Σ the grid sum, z the noise of stream (seed, dpNoise, step). */
  finish({ seed, step, out }: { seed: bigint; step: number; out: Float32Array }): void {
    const { sum, noise, batchSize: B } = this;
    this.sampler.fill({ seed, step, out: noise });
    for (let i = 0; i < sum.length; i++) out[i] = (sum[i]! / this.scale + noise[i]!) / B;
  }
}
