import { aggregateUpdates } from "./aggregateUpdates.ts";
import { localUpdate } from "./localUpdate.ts";
import type { PreparedRoundJob } from "./preparedRoundJob.ts";

/** Parameters of {@link aggregateRound}. */
export type AggregateRoundParameters = {
  job: PreparedRoundJob;
  round: number;
  /** The global parameters the round started from (not modified). */
  global: Float32Array;
  /** The included slots' decoded updates, in ascending slot order. */
  updates: { slot: number; values: Float32Array }[];
  threads: number;
  signal?: AbortSignal;
};

/**
 * The next global model: global_i + aggregate_i in binary32, the aggregate by the spec's rule
 * over the included slots (each weighted, where the rule weighs, by its part's size). FLTrust's
 * server update is the {@link localUpdate} of the root set in this round.
 *
 * @throws VeritrainError `UPDATE_NOT_FINITE` when an update holds NaN or ±∞.
 * @example
 * const next = await aggregateRound({ job, round: 0, global, updates, threads: 2 });
 */
export async function aggregateRound({ job, round, global, updates, threads, signal }: AggregateRoundParameters): Promise<Float32Array> {
  const rule = job.config.aggregation;
  const serverUpdate = job.root === undefined ? undefined : await localUpdate({ job, set: job.root, round, global, threads, signal });
  const aggregate = aggregateUpdates({
    rule,
    updates: updates.map(({ slot, values }) => ({ slot, examples: job.parts[slot]!.count, values })),
    serverUpdate,
  });
  const next = new Float32Array(global.length);
  for (let i = 0; i < global.length; i++) next[i] = Math.fround(global[i]! + aggregate[i]!);
  return next;
}
