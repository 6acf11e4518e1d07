import { aggregateUpdates } from "./aggregateUpdates.ts";
import type { GlobalModel } from "./globalModel.ts";
import { localUpdate } from "./localUpdate.ts";
import { assertOuterMomentum, outerStep } from "./outerStep.ts";
import type { PreparedRoundJob } from "./preparedRoundJob.ts";

/** Parameters of {@link aggregateRound}. */
export type AggregateRoundParameters = {
  job: PreparedRoundJob;
  /** The global model the round started from (round = the round aggregated; not modified). */
  global: GlobalModel;
  /** The included slots' decoded updates, in ascending slot order. */
  updates: { slot: number; values: Float32Array }[];
  threads: number;
  signal?: AbortSignal;
};

/**
 * The next global model. The aggregate a is the spec's rule over the included slots (each weighted,
 * where the rule weighs, by its part's size, or by the examples each owner of a private-data job holds; FLTrust's server update is the {@link localUpdate} of
 * the root set in this round); the {@link outerStep} then moves the model.
 *
 * @throws VeritrainError `UPDATE_NOT_FINITE` when an update holds NaN or ±∞;
 *   `GLOBAL_MODEL_INVALID` when `global` has momentum and μ = 0, or lacks it after round 0 with μ ≠ 0.
 * @example
 * const next = await aggregateRound({ job, global: { round: 0, params }, updates, threads: 2 });
 */
export async function aggregateRound({ job, global, updates, threads, signal }: AggregateRoundParameters): Promise<GlobalModel> {
  const { aggregation: rule, outer } = job.config;
  assertOuterMomentum(global, outer);
  const serverUpdate = job.root === undefined ? undefined : await localUpdate({ job, set: job.root, round: global.round, global: global.params, threads, signal });
  const aggregate = aggregateUpdates({
    rule,
    updates: updates.map(({ slot, values }) => ({ slot, examples: job.config.privateData?.examples ?? job.parts[slot]!.count, values })),
    serverUpdate,
  });
  return outerStep({ global, aggregate, outer });
}
