import { existsSync, mkdirSync } from "node:fs";
import { VeritrainError } from "../errors.ts";
import { dishonestCheckpoint, firstWrongCheckpoint, type Dishonesty } from "./dishonesty.ts";
import { throwIfAborted } from "../runtime/throwIfAborted.ts";
import { writeFileAtomic } from "../runtime/writeFileAtomic.ts";
import { decodeCheckpoint, makeCheckpoint } from "../training/checkpoint.ts";
import { checkpointFilePath, readCheckpointFile } from "../training/checkpointFile.ts";
import { initialState, type PreparedJob } from "../training/preparedJob.ts";
import { reexecuteSegment } from "../training/segment.ts";
import type { TrainingState } from "../training/trainingState.ts";

/** Parameters of {@link runTraining}. */
export type RunTrainingParameters = {
  job: PreparedJob;
  /** Where `checkpoint-<i>.bin` files are kept; what is there already is resumed from. */
  directory: string;
  threads: number;
  /** Fault injection for the devnet's dishonest provider: from its first wrong checkpoint on, every checkpoint is wrong. */
  dishonesty?: Dishonesty;
  signal?: AbortSignal;
  /** Told after each checkpoint is on disk. */
  onCheckpoint?: (index: number, count: number) => void;
};

/** A finished run: its checkpoints on disk and the trained state. */
export type TrainingRun = {
  /** Checkpoint the run started from (0 for a fresh run). */
  resumedFrom: number;
  count: number;
  finalState: TrainingState;
  readCheckpoint(index: number): Uint8Array;
};

/**
 * Trains a job checkpoint by checkpoint, each written atomically (temporary file, then rename)
 * before the next segment starts. A run killed at any point restarts from its last checkpoint on
 * disk; since a segment re-executed from a checkpoint is bit-identical to the uninterrupted run
 * (docs/training.md §12), so are the resumed run's checkpoints and weights.
 *
 * @throws VeritrainError `CHECKPOINT_INVALID` if a file on disk is not this job's checkpoint; `INVALID_ARGUMENT` for a
 *   `dishonesty` outside the job;
 *   `ABORTED` when `signal` aborts (checked between optimizer steps: within one step).
 * @example
 * const run = await runTraining({ job, directory: "data/compute/job-1", threads: 2 });
 * run.finalState.params;
 */
export async function runTraining({ job, directory, threads, dishonesty, signal, onCheckpoint }: RunTrainingParameters): Promise<TrainingRun> {
  const count = job.checkpointSteps.length;
  const wrong = dishonesty === undefined ? undefined : firstWrongCheckpoint(job, dishonesty);
  mkdirSync(directory, { recursive: true });
  const path = (index: number) => checkpointFilePath(directory, index);
  let last = 0;
  while (last + 1 < count && existsSync(path(last + 1))) last++;
  let bytes: Uint8Array;
  if (existsSync(path(last))) {
    bytes = readCheckpointFile(path(last));
    const { state } = decodeCheckpoint(bytes);
    if (state.step !== job.checkpointSteps[last]) {
      throw new VeritrainError(`${path(last)} is at step ${state.step}, checkpoint ${last} of this job is at step ${job.checkpointSteps[last]}`, {
        code: "CHECKPOINT_INVALID",
        details: { path: path(last), step: state.step },
      });
    }
  } else {
    bytes = makeCheckpoint(job, 0, initialState(job)).bytes;
    writeFileAtomic(path(0), bytes);
    onCheckpoint?.(0, count);
  }
  const resumedFrom = last;
  for (let index = last + 1; index < count; index++) {
    throwIfAborted(signal, "training");
    const previous = bytes;
    bytes = (await reexecuteSegment({ job, checkpoint: previous, threads, signal })).bytes;
    if (index === wrong) bytes = await dishonestCheckpoint({ job, dishonesty: dishonesty!, index, previous, honest: bytes, threads });
    writeFileAtomic(path(index), bytes);
    onCheckpoint?.(index, count);
  }
  return { resumedFrom, count, finalState: decodeCheckpoint(bytes).state, readCheckpoint: (index) => readCheckpointFile(path(index)) };
}
