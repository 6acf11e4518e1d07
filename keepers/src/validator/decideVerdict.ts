import type { FetchedResult } from "../jobs/resultManifest.ts";
import { initialState, type PreparedJob } from "../training/preparedJob.ts";
import { reexecuteSegment } from "../training/segment.ts";
import { makeCheckpoint } from "../training/checkpoint.ts";

/** Parameters of {@link decideVerdict}. */
export type DecideVerdictParameters = {
  job: PreparedJob;
  /** The disputed provider's published result (already checked against its trace root). */
  result: FetchedResult;
  /** The checkpoint the challenger disputes. */
  checkpointIndex: bigint;
  threads: number;
  /** Stops the re-execution within one optimizer step (`ABORTED`). */
  signal?: AbortSignal;
};

/** A validator's verdict and why. */
export type Verdict = { providerWrong: boolean; reason: string; /** No verdict: the member could not judge (it signs nothing). */ abstain?: boolean };

/**
 * Decides a dispute by re-executing the one segment it names: the provider is wrong iff its
 * checkpoint `checkpointIndex` is not what its own checkpoint `checkpointIndex − 1` produces
 * (checkpoint 0: not the model file's initial state). A challenge naming a checkpoint the job
 * does not have is decided against the challenger.
 *
 * @example
 * const { providerWrong } = await decideVerdict({ job, result, checkpointIndex: 2n, threads: 1 });
 */
export async function decideVerdict({ job, result, checkpointIndex, threads, signal }: DecideVerdictParameters): Promise<Verdict> {
  if (checkpointIndex >= BigInt(result.hashes.length)) {
    return { providerWrong: false, reason: `the job has no checkpoint ${checkpointIndex}` };
  }
  const index = Number(checkpointIndex);
  const computed = index === 0
    ? makeCheckpoint(job, 0, initialState(job)).hash
    : (await reexecuteSegment({ job, checkpoint: await result.checkpoint(index - 1), threads, signal })).hash;
  return computed === result.hashes[index]
    ? { providerWrong: false, reason: `checkpoint ${index} follows from checkpoint ${index - 1}` }
    : { providerWrong: true, reason: `checkpoint ${index} is ${result.hashes[index]}, re-execution gives ${computed}` };
}
