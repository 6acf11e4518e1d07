/**
 * A seeded PRNG for reproducible tests (mulberry32): the same seed gives the same shards and
 * the same lost-shard choices on every run.
 *
 * @example
 * const random = seededRandom(42);
 * random.int(10); // 0..9, the same on every run
 */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    /** An integer in 0..bound−1. */
    int: (bound: number): number => Math.floor(next() * bound),
    /** `length` random bytes. */
    bytes(length: number): Uint8Array {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
      return out;
    },
    /** `count` distinct indices out of 0..n−1 (partial Fisher–Yates). */
    pick(n: number, count: number): number[] {
      const pool = Array.from({ length: n }, (_, i) => i);
      for (let i = 0; i < count; i++) {
        const j = i + Math.floor(next() * (n - i));
        [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      }
      return pool.slice(0, count);
    },
  };
}
