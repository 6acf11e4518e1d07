/**
 * Deterministic pseudo-random bytes and field elements for tests and benchmarks (splitmix64),
 * so every run and every machine sees the same inputs.
 *
 * @example
 * const bytes = seededBytes({ seed: 1n, length: 1000 });
 */
export class SeededRandom {
  #state: bigint;

  constructor(seed: bigint) {
    this.#state = BigInt.asUintN(64, seed);
  }

  /** The next 64 pseudo-random bits. */
  next64(): bigint {
    this.#state = BigInt.asUintN(64, this.#state + 0x9e3779b97f4a7c15n);
    let z = this.#state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  }

  /** A uniform-ish integer below 2^bits. */
  bits(bits: number): bigint {
    let value = 0n;
    for (let have = 0; have < bits; have += 64) value = (value << 64n) | this.next64();
    return BigInt.asUintN(bits, value);
  }

  /** `length` pseudo-random bytes (8 per 64-bit draw, little-endian). */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(Math.ceil(length / 8) * 8);
    const view = new DataView(out.buffer);
    for (let i = 0; i < out.length; i += 8) view.setBigUint64(i, this.next64(), true);
    return out.subarray(0, length);
  }
}
