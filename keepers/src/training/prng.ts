/**
 * SplitMix64 (Steele, Lea & Flood 2014), the engine's only source of randomness. Integer
 * arithmetic on 64-bit BigInts, so identical everywhere. Streams are keyed: a stream is fully
 * determined by (seed, domain, index), which lets any segment of a job recreate the stream it
 * needs (e.g. the shuffle of epoch 5) without replaying earlier ones.
 */

const MASK_64 = (1n << 64n) - 1n;
const GOLDEN_GAMMA = 0x9e3779b97f4a7c15n;

/** The SplitMix64 output function ("mix64"/fmix variant 13 of Stafford). */
export function mix64(z: bigint): bigint {
  let x = z & MASK_64;
  x = ((x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  x = ((x ^ (x >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  return x ^ (x >> 31n);
}

/** Stream domains: what a keyed stream is used for. */
export const PRNG_DOMAIN = {
  /** Engine version 1's Fisher–Yates shuffle of the training split; index = epoch. */
  shuffle: 1n,
  /** Weight initialisation of model files; index = parameter tensor index. */
  init: 2n,
  /** Engine version 2's random-access data order, the training VM's (keepers/src/trainingVm/randomAccessOrder.ts); index = epoch. */
  order: 3n,
  /**
   * DP-SGD's discrete Gaussian noise (keepers/src/privacy/discreteGaussianNoise.ts,
   * docs/dp-noise.md); seed = the participant's committed noise seed, index = optimizer step.
   */
  dpNoise: 4n,
  /** DP-SGD's Poisson sampling (keepers/src/privacy/dpSgd.ts); seed = the noise seed, index = optimizer step. */
  poissonSample: 5n,
  /** qLoRA adapters' A matrices (keepers/src/training/qloraModel.ts); seed = the job seed, index = adapter index. */
  loraInit: 6n,
  /**
   * Dropout's masks (keepers/src/training/dropout.ts, docs/training.md §4); seed = the job seed, index =
   * optimizer step, read at random positions with {@link keyedStateAt}.
   */
  dropout: 7n,
} as const;

/** Parameters of {@link SplitMix64.keyed}. */
export type KeyedStreamParameters = {
  /** The job seed, an unsigned 64-bit integer. */
  seed: bigint;
  /** One of {@link PRNG_DOMAIN}. */
  domain: bigint;
  /** Position within the domain (epoch, tensor index, …), unsigned 64-bit. */
  index: bigint;
};

/**
 * The state of the stream (seed, domain, index) after `draws` outputs: mix64(mix64(seed ⊕ domain) + index)
 * + draws·γ (mod 2^64). A generator started at it gives the stream's output number `draws` (0-based)
 * next, since each output only adds γ to the state: any position of a stream in one step.
 *
 * @example
 * new SplitMix64(keyedStateAt({ seed: 1n, domain: PRNG_DOMAIN.dropout, index: 0n }, 5n)).nextUint64(); // the 6th output
 */
export function keyedStateAt({ seed, domain, index }: KeyedStreamParameters, draws: bigint): bigint {
  return (mix64(mix64((seed & MASK_64) ^ domain) + (index & MASK_64)) + draws * GOLDEN_GAMMA) & MASK_64;
}

/** A SplitMix64 generator: state += γ; output = mix64(state). */
export class SplitMix64 {
  private state: bigint;

  constructor(state: bigint) {
    this.state = state & MASK_64;
  }

  /**
   * The stream for (seed, domain, index): initial state = mix64(mix64(seed ⊕ domain) + index).
   *
   * @example
   * const rng = SplitMix64.keyed({ seed: 42n, domain: PRNG_DOMAIN.shuffle, index: 0n });
   */
  static keyed(key: KeyedStreamParameters): SplitMix64 {
    return new SplitMix64(keyedStateAt(key, 0n));
  }

  /** Next 64-bit output. */
  nextUint64(): bigint {
    this.state = (this.state + GOLDEN_GAMMA) & MASK_64;
    return mix64(this.state);
  }

  /** Next 32-bit output: the high 32 bits of {@link nextUint64}. */
  nextUint32(): number {
    return Number(this.nextUint64() >> 32n);
  }

  /**
   * Uniform integer in [0, n) for 1 ≤ n ≤ 2^32 by rejection: draw u = nextUint32() until
   * u < 2^32 − (2^32 mod n), return u mod n. Unbiased.
   */
  nextBelow(n: number): number {
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const u = this.nextUint32();
      if (u < limit) return u % n;
    }
  }

  /**
   * Uniform binary64 in [0, 1) with 53 random bits: (nextUint64() >> 11) · 2^-53.
   */
  nextUnit(): number {
    return Number(this.nextUint64() >> 11n) / 9007199254740992;
  }
}
