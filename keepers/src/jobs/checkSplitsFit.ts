import { VeritrainError } from "../errors.ts";
import type { JobSpec, SplitRange } from "../training/jobSpec.ts";

/**
 * Throws `JOB_DATASET_MISMATCH` if a split of `spec` reaches past the images the dataset has in
 * its source (`sizes.train`, `sizes.test`): the spec rules only bound splits by MNIST's full files.
 *
 * @example
 * checkSplitsFit(spec, { train: 500, test: 500 });
 */
export function checkSplitsFit(spec: JobSpec, sizes: Readonly<Record<SplitRange["source"], number>>): void {
  for (const [name, range] of Object.entries(spec.dataset.splits) as [string, SplitRange][]) {
    const size = sizes[range.source];
    if (range.end > size) {
      throw new VeritrainError(`job spec split ${name} ends at ${range.source} image ${range.end}, the dataset has ${size}`, {
        code: "JOB_DATASET_MISMATCH",
        details: { split: name, source: range.source, end: range.end, size },
      });
    }
  }
}
