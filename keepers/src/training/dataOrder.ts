import { randomAccessOrder } from "../trainingVm/randomAccessOrder.ts";
import type { EngineVersion } from "./jobSpec.ts";
import { epochPermutation } from "./shuffle.ts";

/** Parameters of {@link dataOrder}. */
export type DataOrderParameters = {
  engineVersion: EngineVersion;
  /** The job seed (unsigned 64-bit). */
  seed: bigint;
  /** Zero-based epoch number. */
  epoch: number;
  /** Training examples n. */
  size: number;
};

/**
 * The training example each position of an epoch reads (docs/training.md §3): engine version 1 shuffles the
 * split with Fisher–Yates ({@link epochPermutation}), version 2 evaluates the training VM's random-access
 * order at the position ({@link randomAccessOrder}). Batch b of the epoch is positions b·B … b·B + B − 1.
 *
 * @example
 * const order = dataOrder({ engineVersion: "veritrain-train/2", seed: 7n, epoch: 0, size: 256 });
 * order(0); // the first example of epoch 0
 */
export function dataOrder({ engineVersion, seed, epoch, size }: DataOrderParameters): (position: number) => number {
  if (engineVersion === "veritrain-train/2") return randomAccessOrder({ seed, epoch, size });
  const permutation = epochPermutation({ seed, epoch, size });
  return (position) => permutation[position]!;
}
