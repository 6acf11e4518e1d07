import type { ImageSet } from "../training/mnist.ts";
import { optimizerStateVectors } from "../training/optimizer.ts";
import { Trainer } from "../training/trainer.ts";
import type { PreparedRoundJob } from "./preparedRoundJob.ts";

/** Parameters of {@link localUpdate}. */
export type LocalUpdateParameters = {
  job: PreparedRoundJob;
  /** The examples to train on: a slot's part, or FLTrust's root set. */
  set: ImageSet;
  round: number;
  /** The global model's parameters at the start of the round (not modified). */
  global: Float32Array;
  /** Compute threads; never changes a bit. */
  threads: number;
  /** Stops between two optimizer steps (`ABORTED`). */
  signal?: AbortSignal;
  /** With DP-SGD in the job's step config (a data owner's private update, docs/training.md §6a): the owner's noise seed. */
  noiseSeed?: bigint;
  /** With DP-SGD: each step's grid sum, as the Trainer reports it (`onGridSum`). */
  onGridSum?: (step: number, sum: Float64Array) => void;
};

/**
 * One round of local training: the engine's Trainer on `set` from {step r·L, the global
 * parameters, zeroed optimizer state} runs L steps (Adam's bias correction counting from the
 * zeroed state: t = 1 … L); the update is u_i = fround(local_i − global_i).
 * A pure function of (spec, set, round, global): anyone can re-execute it.
 *
 * @example
 * const u = await localUpdate({ job, set: job.parts[2]!, round: 0, global, threads: 2 });
 */
export async function localUpdate({ job, set, round, global, threads, signal, noiseSeed, onGridSum }: LocalUpdateParameters): Promise<Float32Array> {
  const { step, localSteps } = job.config;
  const size = global.length;
  const trainer = await Trainer.create({
    model: job.model.definition,
    config: step,
    sets: { ...job.sets, train: set },
    state: {
      step: round * localSteps,
      params: global,
      optimizerState: Array.from({ length: optimizerStateVectors(step.optimizer) }, () => new Float32Array(size)),
    },
    threads,
    optimizerStart: round * localSteps,
    noiseSeed,
    onGridSum,
  });
  try {
    await trainer.runSteps(localSteps, signal);
    const local = trainer.snapshot().params;
    const update = new Float32Array(size);
    for (let i = 0; i < size; i++) update[i] = Math.fround(local[i]! - global[i]!);
    return update;
  } finally {
    await trainer.close();
  }
}
