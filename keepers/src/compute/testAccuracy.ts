import type { PreparedJob } from "../training/preparedJob.ts";
import { Trainer } from "../training/trainer.ts";
import type { TrainingState } from "../training/trainingState.ts";

/** Parameters of {@link testAccuracyBps}. */
export type TestAccuracyParameters = { job: PreparedJob; state: TrainingState; threads: number };

/**
 * The metric a result claims: accuracy of `state`'s weights on the job's test split, in basis
 * points, rounded down (⌊correct · 10,000 / count⌋).
 *
 * @example
 * const metric = await testAccuracyBps({ job, state: run.finalState, threads: 2 }); // 9908
 */
export async function testAccuracyBps({ job, state, threads }: TestAccuracyParameters): Promise<number> {
  const trainer = await Trainer.create({ model: job.model.definition, config: job.config, sets: job.sets, state, threads });
  try {
    const { accuracy, examples } = await trainer.evaluate("test");
    const correct = Math.round(accuracy * examples);
    return Math.floor((correct * 10_000) / examples);
  } finally {
    await trainer.close();
  }
}
