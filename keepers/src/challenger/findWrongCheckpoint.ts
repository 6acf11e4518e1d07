import { randomInt } from "node:crypto";
import type { Hex } from "viem";
import type { FetchedResult } from "../jobs/resultManifest.ts";
import { initialState, type PreparedJob } from "../training/preparedJob.ts";
import { reexecuteSegment } from "../training/segment.ts";
import { makeCheckpoint } from "../training/checkpoint.ts";
import { trainJob } from "../training/trainJob.ts";

/** Parameters of {@link findWrongCheckpoint}. */
export type FindWrongCheckpointParameters = {
  job: PreparedJob;
  result: FetchedResult;
  /**
   * "all": re-run the whole job and compare every checkpoint hash. A number s: check checkpoint 0
   * and s segments drawn at random (unpredictably to the provider), each re-executed from the
   * provider's own checkpoint.
   */
  segments: "all" | number;
  threads: number;
  /** Stops the re-execution within one optimizer step (`ABORTED`): a shutdown does not wait for a whole job. */
  signal?: AbortSignal;
};

/** A checkpoint the provider got wrong: its index and the hash it should have. */
export type WrongCheckpoint = { index: number; hash: Hex };

/**
 * Looks for a checkpoint of a submitted result that its previous checkpoint does not produce:
 * the claim a dispute makes, and exactly what validators re-check (segment index−1 → index
 * from the provider's checkpoint index−1; checkpoint 0 against the model file). Returns the
 * lowest such index found, or undefined when every checked checkpoint matches.
 *
 * @example
 * const wrong = await findWrongCheckpoint({ job, result, segments: 3, threads: 2 });
 * if (wrong) await disputes.write.challenge([jobId, BigInt(wrong.index), wrong.hash]);
 */
export async function findWrongCheckpoint({ job, result, segments, threads, signal }: FindWrongCheckpointParameters): Promise<WrongCheckpoint | undefined> {
  if (segments === "all") {
    const { hashes } = await trainJob({ job, threads, signal });
    const index = hashes.findIndex((hash, i) => hash !== result.hashes[i]);
    return index < 0 ? undefined : { index, hash: hashes[index]! };
  }
  const initial = makeCheckpoint(job, 0, initialState(job)).hash;
  if (initial !== result.hashes[0]) return { index: 0, hash: initial };
  const segmentCount = result.hashes.length - 1;
  const drawn = new Set<number>();
  while (drawn.size < Math.min(segments, segmentCount)) drawn.add(randomInt(segmentCount));
  for (const start of [...drawn].sort((a, b) => a - b)) {
    const next = await reexecuteSegment({ job, checkpoint: await result.checkpoint(start), threads, signal });
    if (next.hash !== result.hashes[start + 1]) return { index: start + 1, hash: next.hash };
  }
  return undefined;
}
