import type { StepConfig } from "../training/jobSpec.ts";
import type { SplitName } from "../training/microBatchRunner.ts";
import type { ImageSet } from "../training/mnist.ts";
import type { ImportedModel } from "../training/onnxImport.ts";
import { optimizerStateVectors } from "../training/optimizer.ts";
import { Trainer } from "../training/trainer.ts";

/** Parameters of {@link testAccuracyBps}: a prepared job (single-provider, or a round job's `step` config) and weights. */
export type TestAccuracyParameters = {
  job: { model: ImportedModel; sets: Record<SplitName, ImageSet>; config: StepConfig };
  params: Float32Array;
  threads: number;
};

/**
 * The metric a result claims: accuracy of `params` on the job's test split, in basis points,
 * rounded down (⌊correct · 10,000 / count⌋).
 *
 * @example
 * const metric = await testAccuracyBps({ job, params: run.finalState.params, threads: 2 }); // 9908
 */
export async function testAccuracyBps({ job, params, threads }: TestAccuracyParameters): Promise<number> {
  const optimizerState = Array.from({ length: optimizerStateVectors(job.config.optimizer) }, () => new Float32Array(params.length));
  const trainer = await Trainer.create({ model: job.model.definition, config: job.config, sets: job.sets, state: { step: 0, params, optimizerState }, threads });
  try {
    const { accuracy, examples } = await trainer.evaluate("test");
    const correct = Math.round(accuracy * examples);
    return Math.floor((correct * 10_000) / examples);
  } finally {
    await trainer.close();
  }
}
