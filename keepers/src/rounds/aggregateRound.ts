import { VeritrainError } from "../errors.ts";
import { aggregateUpdates } from "./aggregateUpdates.ts";
import type { GlobalModel } from "./globalModel.ts";
import { localUpdate } from "./localUpdate.ts";
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
 * where the rule weighs, by its part's size; FLTrust's server update is the {@link localUpdate} of
 * the root set in this round). The outer step (Nesterov momentum, η and μ from the spec) then
 * moves the model, in binary64 with one binary32 rounding per result:
 * m′_i = fround(μ·m_i + a_i), G′_i = fround(G_i + η·(a_i + μ·m′_i)); with μ = 0 no momentum is
 * kept and G′_i = fround(G_i + η·a_i).
 *
 * @throws VeritrainError `UPDATE_NOT_FINITE` when an update holds NaN or ±∞;
 *   `GLOBAL_MODEL_INVALID` when `global` has momentum and μ = 0, or lacks it after round 0 with μ ≠ 0.
 * @example
 * const next = await aggregateRound({ job, global: { round: 0, params }, updates, threads: 2 });
 */
export async function aggregateRound({ job, global, updates, threads, signal }: AggregateRoundParameters): Promise<GlobalModel> {
  const { aggregation: rule, outer } = job.config;
  const { round, params } = global;
  const kept = outer.momentum !== 0;
  if (global.momentum !== undefined ? !kept : kept && round > 0) {
    throw new VeritrainError(`global model of round ${round} ${kept ? "lacks" : "carries"} the outer momentum the spec ${kept ? "keeps" : "does not keep"}`, {
      code: "GLOBAL_MODEL_INVALID",
      details: { rule: "momentum", round },
    });
  }
  const serverUpdate = job.root === undefined ? undefined : await localUpdate({ job, set: job.root, round, global: params, threads, signal });
  const aggregate = aggregateUpdates({
    rule,
    updates: updates.map(({ slot, values }) => ({ slot, examples: job.parts[slot]!.count, values })),
    serverUpdate,
  });
  const { learningRate: eta, momentum: mu } = outer;
  const next = new Float32Array(params.length);
  if (!kept) {
    for (let i = 0; i < params.length; i++) next[i] = Math.fround(params[i]! + eta * aggregate[i]!);
    return { round: round + 1, params: next };
  }
  const momentum = new Float32Array(params.length);
  for (let i = 0; i < params.length; i++) {
    momentum[i] = Math.fround(mu * (global.momentum?.[i] ?? 0) + aggregate[i]!);
    next[i] = Math.fround(params[i]! + eta * (aggregate[i]! + mu * momentum[i]!));
  }
  return { round: round + 1, params: next, momentum };
}
