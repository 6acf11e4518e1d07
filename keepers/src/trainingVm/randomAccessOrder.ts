import { mix64, PRNG_DOMAIN } from "../training/prng.ts";

const MASK_64 = (1n << 64n) - 1n;
const ROUNDS = 4n;

/** Parameters of {@link randomAccessOrder}. */
export type RandomAccessOrderParameters = {
  /** The job seed (unsigned 64-bit). */
  seed: bigint;
  epoch: number;
  /** Training examples n. */
  size: number;
};

/**
 * Engine version 2's data order, the training VM's (docs/training-vm.md §3): epoch `epoch` visits training example
 * `order(p)` at position p, where `order` is a keyed permutation of [0, n) that can be evaluated at one
 * position in O(1), as the one-step contract must. A balanced Feistel network of 4 rounds over
 * h-bit halves (2h ≥ bits of n − 1), walked along its cycle until the value falls in [0, n):
 * key = mix64(mix64(seed ⊕ 3) + epoch); round r: (L, R) ← (R, L ⊕ (mix64(key + r·2³² + R) mod 2^h)).
 *
 * @example
 * const order = randomAccessOrder({ seed: 1n, epoch: 0, size: 55000 });
 * order(0); // the first example of epoch 0
 */
export function randomAccessOrder({ seed, epoch, size }: RandomAccessOrderParameters): (position: number) => number {
  const key = mix64(mix64((seed & MASK_64) ^ PRNG_DOMAIN.order) + BigInt(epoch));
  const bits = size <= 1 ? 0 : (size - 1).toString(2).length;
  const half = BigInt(Math.max(1, (bits + 1) >> 1));
  const mask = (1n << half) - 1n;
  const limit = BigInt(size);
  return (position) => {
    if (!Number.isInteger(position) || position < 0 || position >= size) throw new RangeError(`position ${position} is outside [0, ${size})`);
    let x = BigInt(position);
    do {
      let left = x >> half;
      let right = x & mask;
      for (let r = 0n; r < ROUNDS; r++) [left, right] = [right, left ^ (mix64((key + (r << 32n) + right) & MASK_64) & mask)];
      x = (left << half) | right;
    } while (x >= limit);
    return Number(x);
  };
}
