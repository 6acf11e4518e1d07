import { mix64, type KeyedStreamParameters } from "./prng.ts";

/**
 * What the exact samplers draw from: 32-bit chunks and unbiased integers below n ≤ 2^32, with the
 * semantics of {@link SplitMix64} in keepers/src/training/prng.ts (which satisfies this type too).
 */
export type ChunkSource = {
  /** The next 32-bit chunk, an integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32 by rejection of chunks ≥ 2^32 − (2^32 mod n). */
  nextBelow(n: number): number;
};

const TWO_32 = 4294967296;

/**
 * The high word of the 64-bit product of the unsigned 32-bit a and b = b1·2^16 + b0 (Hacker's
 * Delight's mulhu from 16-bit halves): every partial product and sum is below 2^32, so exact.
 */
function multiplyHigh(a: number, b0: number, b1: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const low = a0 * b0;
  const cross = a1 * b0 + (low >>> 16);
  const cross2 = a0 * b1 + (cross & 0xffff);
  return a1 * b1 + (cross >>> 16) + (cross2 >>> 16);
}

/**
 * SplitMix64 (docs/training.md §2) on two 32-bit words instead of a BigInt: the same outputs as
 * {@link SplitMix64} of keepers/src/training/prng.ts, about 25 times faster, for the samplers that
 * draw a chunk per Bernoulli trial. Only the 32-bit interface ({@link ChunkSource}) is offered.
 */
export class SplitMix64Words implements ChunkSource {
  /** The state's high and low words as int32. */
  #hi: number;
  #lo: number;

  /** A generator whose state is the unsigned 64-bit `state`. */
  constructor(state: bigint) {
    const word = BigInt.asUintN(64, state);
    this.#hi = Number(BigInt.asIntN(32, word >> 32n));
    this.#lo = Number(BigInt.asIntN(32, word));
  }

  /**
   * The stream for (seed, domain, index), initial state mix64(mix64(seed ⊕ domain) + index), as
   * {@link SplitMix64.keyed}.
   *
   * @example
   * const source = SplitMix64Words.keyed({ seed: 7n, domain: PRNG_DOMAIN.dpNoise, index: 0n });
   */
  static keyed({ seed, domain, index }: KeyedStreamParameters): SplitMix64Words {
    return new SplitMix64Words(mix64(mix64(BigInt.asUintN(64, seed) ^ domain) + BigInt.asUintN(64, index)));
  }

  /**
   * The high 32 bits of the next 64-bit output. state += 0x9e3779b97f4a7c15 with the carry out of
   * the low word; each 64-bit multiplication by a mix64 constant m is lo·m_lo's high word plus the
   * cross products hi·m_lo + lo·m_hi mod 2^32 (Math.imul), and the final shift only needs the high word.
   */
  nextUint32(): number {
    const lo = (this.#lo + 0x7f4a7c15) | 0;
    const hi = (this.#hi + 0x9e3779b9 + ((lo >>> 0) < 0x7f4a7c15 ? 1 : 0)) | 0;
    this.#lo = lo;
    this.#hi = hi;
    let xLo = lo ^ ((lo >>> 30) | (hi << 2));
    let xHi = hi ^ (hi >>> 30);
    const yHi = (multiplyHigh(xLo, 0xe5b9, 0x1ce4) + Math.imul(xHi, 0x1ce4e5b9) + Math.imul(xLo, 0xbf58476d)) | 0;
    const yLo = Math.imul(xLo, 0x1ce4e5b9);
    xLo = yLo ^ ((yLo >>> 27) | (yHi << 5));
    xHi = yHi ^ (yHi >>> 27);
    const zHi = (multiplyHigh(xLo, 0x11eb, 0x1331) + Math.imul(xHi, 0x133111eb) + Math.imul(xLo, 0x94d049bb)) | 0;
    return (zHi ^ (zHi >>> 31)) >>> 0;
  }

  /** Uniform integer in [0, n), 1 ≤ n ≤ 2^32, exactly as {@link SplitMix64.nextBelow}. */
  nextBelow(n: number): number {
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const u = this.nextUint32();
      if (u < limit) return u % n;
    }
  }
}
