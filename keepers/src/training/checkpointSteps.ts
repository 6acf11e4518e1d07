/** Parameters of {@link checkpointSteps}. */
export type CheckpointStepsParameters = {
  /** Images in the job's train split. */
  trainCount: number;
  batchSize: number;
  epochs: number;
  checkpointInterval: number;
};

/**
 * The steps a job checkpoints at: 0, C, 2C, … and finally the last step (whole batches per epoch
 * times epochs). Checkpoint i of a result (the i-th leaf of its trace, what a dispute names) is
 * the state after step `checkpointSteps(…)[i]`.
 *
 * @example
 * checkpointSteps({ trainCount: 400, batchSize: 20, epochs: 1, checkpointInterval: 5 }); // [0, 5, 10, 15, 20]
 */
export function checkpointSteps({ trainCount, batchSize, epochs, checkpointInterval }: CheckpointStepsParameters): { steps: number[]; stepsPerEpoch: number; totalSteps: number } {
  const stepsPerEpoch = Math.floor(trainCount / batchSize);
  const totalSteps = stepsPerEpoch * epochs;
  const steps: number[] = [];
  for (let step = 0; step < totalSteps; step += checkpointInterval) steps.push(step);
  steps.push(totalSteps);
  return { steps, stepsPerEpoch, totalSteps };
}
