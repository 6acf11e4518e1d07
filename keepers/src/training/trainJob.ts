import type { Hex } from "viem";
import { makeCheckpoint, type CheckpointRecord } from "./checkpoint.ts";
import { CheckpointTree } from "./checkpointTree.ts";
import { initialState, type PreparedJob } from "./preparedJob.ts";
import { Trainer, type Metrics } from "./trainer.ts";
import type { TrainingState } from "./trainingState.ts";


/** Parameters of {@link trainJob}. */
export type TrainJobParameters = {
  job: PreparedJob;
  threads: number;
  /** Called for every checkpoint, including checkpoint 0 (the initial state). */
  onCheckpoint?: (checkpoint: CheckpointRecord) => void | Promise<void>;
  /** Called after the last step of each epoch with that epoch's training metrics. */
  onEpochEnd?: (epoch: number, train: Metrics, trainer: Trainer) => void | Promise<void>;
  /** Called after every few steps with the number of steps done. */
  onProgress?: (step: number) => void;
  /** Stops the run between two optimizer steps (`ABORTED`). */
  signal?: AbortSignal;
  /** A private job's noise seed (docs/training.md §6a); required when the spec has `privacy`. */
  noiseSeed?: bigint;
};

/** What a whole run commits to. */
export type TrainJobResult = { hashes: Hex[]; tree: CheckpointTree; finalState: TrainingState };

const PROGRESS_STEPS = 20;

/**
 * Runs a job from its initial weights to the end, hashing every checkpoint.
 *
 * @throws VeritrainError `ABORTED` when `signal` aborts (within one optimizer step).
 *
 * @example
 * const { tree } = await trainJob({ job, threads: 2 });
 * tree.root; // the commitment a compute provider posts
 */
export async function trainJob({ job, threads, onCheckpoint, onEpochEnd, onProgress, signal, noiseSeed }: TrainJobParameters): Promise<TrainJobResult> {
  const trainer = await Trainer.create({ model: job.model.definition, config: job.config, sets: job.sets, state: initialState(job), threads, noiseSeed });
  try {
    const hashes: Hex[] = [];
    const first = makeCheckpoint(job, 0, trainer.snapshot());
    hashes.push(first.hash);
    await onCheckpoint?.(first);
    let epochLoss = 0;
    let epochCorrect = 0;
    let epochExamples = 0;
    while (trainer.currentStep < job.totalSteps) {
      const step = trainer.currentStep;
      const nextCheckpoint = job.checkpointSteps[hashes.length]!;
      const nextEpochEnd = (Math.floor(step / job.stepsPerEpoch) + 1) * job.stepsPerEpoch;
      const until = Math.min(nextCheckpoint, nextEpochEnd, step + PROGRESS_STEPS);
      const metrics = await trainer.runSteps(until - step, signal);
      epochLoss += metrics.loss * metrics.examples;
      epochCorrect += metrics.accuracy * metrics.examples;
      epochExamples += metrics.examples;
      onProgress?.(until);
      if (until === nextCheckpoint) {
        const checkpoint = makeCheckpoint(job, hashes.length, trainer.snapshot());
        hashes.push(checkpoint.hash);
        await onCheckpoint?.(checkpoint);
      }
      if (until === nextEpochEnd) {
        const train = { loss: epochLoss / epochExamples, accuracy: epochCorrect / epochExamples, examples: epochExamples };
        await onEpochEnd?.(until / job.stepsPerEpoch - 1, train, trainer);
        epochLoss = 0;
        epochCorrect = 0;
        epochExamples = 0;
      }
    }
    return { hashes, tree: new CheckpointTree(hashes), finalState: trainer.snapshot() };
  } finally {
    await trainer.close();
  }
}
