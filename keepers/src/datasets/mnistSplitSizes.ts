import { VeritrainError } from "../errors.ts";
import type { Manifest } from "./manifest.ts";

/**
 * Images in an MNIST dataset's train and test splits, from its manifest: what a job spec's
 * splits must fit (`checkSplitsFit`) and what `defaultJobSpec` sizes a job by.
 *
 * @throws VeritrainError `DATASET_NOT_MNIST` when a split is missing.
 * @example
 * const sizes = mnistSplitSizes(manifest); // { train: 500, test: 500 }
 */
export function mnistSplitSizes(manifest: Pick<Manifest, "splits">): { train: number; test: number } {
  const size = (name: string) => {
    const split = manifest.splits.find((s) => s.name === name);
    if (split === undefined) throw new VeritrainError(`the dataset has no ${name} split: not an MNIST dataset`, { code: "DATASET_NOT_MNIST", details: { split: name } });
    return split.recordCount;
  };
  return { train: size("train"), test: size("test") };
}
