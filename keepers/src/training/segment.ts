import { VeritrainError } from "../errors.ts";
import { decodeCheckpoint } from "./checkpoint.ts";
import type { PreparedJob } from "./preparedJob.ts";
import { Trainer } from "./trainer.ts";
import { dataCursor } from "./trainingState.ts";
import { makeCheckpoint, type CheckpointRecord } from "./checkpoint.ts";

/** Parameters of {@link reexecuteSegment}. */
export type ReexecuteSegmentParameters = {
  job: PreparedJob;
  /** The canonical bytes of checkpoint i (as saved by the run being checked). */
  checkpoint: Uint8Array;
  threads: number;
  /** Stops the re-execution between two optimizer steps (`ABORTED`). */
  signal?: AbortSignal;
};

/**
 * Re-executes one segment of a job on its own: from checkpoint i's saved state to checkpoint
 * i + 1, returning checkpoint i + 1 (bytes and hash). This is the unit a validator or a
 * challenger re-runs; it needs only the job, its data and checkpoint i.
 *
 * @throws VeritrainError `CHECKPOINT_INVALID` if the bytes are malformed, for another optimizer,
 *   not at a checkpoint step of this job, or already the last checkpoint; `ABORTED` when `signal` aborts.
 * @example
 * const next = await reexecuteSegment({ job, checkpoint: readFileSync("ckpt-3.bin"), threads: 2 });
 * next.hash === claimedHashes[4];
 */
export async function reexecuteSegment({ job, checkpoint, threads, signal }: ReexecuteSegmentParameters): Promise<CheckpointRecord> {
  const decoded = decodeCheckpoint(checkpoint);
  const fail = (rule: string) => new VeritrainError(`checkpoint does not fit this job: ${rule}`, { code: "CHECKPOINT_INVALID", details: { rule } });
  if (decoded.optimizer !== job.config.optimizer.type) throw fail(`optimizer is ${decoded.optimizer}, the job uses ${job.config.optimizer.type}`);
  const index = job.checkpointSteps.indexOf(decoded.state.step);
  if (index < 0) throw fail(`step ${decoded.state.step} is not a checkpoint step`);
  if (index === job.checkpointSteps.length - 1) throw fail("it is the last checkpoint");
  const cursor = dataCursor(decoded.state.step, job.stepsPerEpoch);
  if (decoded.epoch !== cursor.epoch || decoded.batch !== cursor.batch) throw fail("its data cursor does not match its step");
  if (decoded.state.params.length !== job.model.definition.parameterCount) throw fail("parameter count differs from the model");
  const trainer = await Trainer.create({ model: job.model.definition, config: job.config, sets: job.sets, state: decoded.state, threads });
  try {
    await trainer.runSteps(job.checkpointSteps[index + 1]! - decoded.state.step, signal);
    return makeCheckpoint(job, index + 1, trainer.snapshot());
  } finally {
    await trainer.close();
  }
}
