import { VeritrainError } from "../errors.ts";
import type { SplitRange } from "../training/jobSpec.ts";

/**
 * Throws `JOB_DATASET_MISMATCH` if a spec's range (its splits, a round job's root set) reaches
 * past the images the dataset has in its source (`sizes.train`, `sizes.test`): the spec rules
 * only bound ranges by MNIST's full files.
 *
 * @example
 * checkSplitsFit(spec.dataset.splits, { train: 500, test: 500 });
 */
export function checkSplitsFit(ranges: Readonly<Record<string, SplitRange | undefined>>, sizes: Readonly<Record<SplitRange["source"], number>>): void {
  for (const [name, range] of Object.entries(ranges)) {
    if (range === undefined) continue;
    const size = sizes[range.source];
    if (range.end > size) {
      throw new VeritrainError(`job spec split ${name} ends at ${range.source} image ${range.end}, the dataset has ${size}`, {
        code: "JOB_DATASET_MISMATCH",
        details: { split: name, source: range.source, end: range.end, size },
      });
    }
  }
}
