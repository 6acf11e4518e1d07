import { PRNG_DOMAIN, SplitMix64 } from "./prng.ts";

/** Parameters of {@link epochPermutation}. */
export type EpochPermutationParameters = {
  /** The job seed (unsigned 64-bit). */
  seed: bigint;
  /** Zero-based epoch number. */
  epoch: number;
  /** Number of training examples n. */
  size: number;
};

/**
 * Engine version 1's order of epoch `epoch` over the training split: a Fisher–Yates shuffle of the
 * identity permutation [0, 1, …, n−1] driven by the keyed stream (seed, shuffle, epoch).
 * For i from n−1 down to 1: j = nextBelow(i + 1); swap(p[i], p[j]).
 *
 * @example
 * epochPermutation({ seed: 1n, epoch: 0, size: 5 }); // a fixed permutation of 0..4
 */
export function epochPermutation({ seed, epoch, size }: EpochPermutationParameters): Uint32Array {
  const order = new Uint32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  const rng = SplitMix64.keyed({ seed, domain: PRNG_DOMAIN.shuffle, index: BigInt(epoch) });
  for (let i = size - 1; i >= 1; i--) {
    const j = rng.nextBelow(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
