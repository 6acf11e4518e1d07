import { VeritrainError } from "../errors.ts";
import type { GlobalModel } from "./globalModel.ts";

/** Parameters of {@link outerStep}. */
export type OuterStepParameters = {
  /** The global model the round started from (round = the round aggregated; not modified). */
  global: GlobalModel;
  /** The round's aggregate a, one value per parameter. */
  aggregate: Float32Array;
  /** η and μ as binary32 values; μ = 0 keeps no momentum. */
  outer: { learningRate: number; momentum: number };
};

/**
 * The next global model from a round's aggregate (docs/distributed-training.md, "Aggregation"): Nesterov momentum
 * (DiLoCo's outer step), in binary64 with one binary32 rounding per result: m′_i = fround(μ·m_i + a_i),
 * G′_i = fround(G_i + η·(a_i + μ·m′_i)); with μ = 0 no momentum is kept and G′_i = fround(G_i + η·a_i).
 *
 * @throws VeritrainError `GLOBAL_MODEL_INVALID` when `global` has momentum and μ = 0, or lacks it after round 0 with μ ≠ 0.
 * @example
 * const next = outerStep({ global: { round: 0, params }, aggregate, outer: { learningRate: 1, momentum: 0 } });
 */
export function outerStep({ global, aggregate, outer }: OuterStepParameters): GlobalModel {
  assertOuterMomentum(global, outer);
  const { round, params } = global;
  const { learningRate: eta, momentum: mu } = outer;
  const kept = mu !== 0;
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

/**
 * Refuses a global model whose outer momentum contradicts the spec: carried with μ = 0, or missing after round 0
 * with μ ≠ 0. {@link outerStep} checks it; a caller about to do work for the step checks it first.
 *
 * @throws VeritrainError `GLOBAL_MODEL_INVALID`.
 * @example
 * assertOuterMomentum({ round: 0, params }, { learningRate: 1, momentum: 0 }); // passes
 */
export function assertOuterMomentum(global: GlobalModel, outer: OuterStepParameters["outer"]): void {
  const kept = outer.momentum !== 0;
  if (global.momentum !== undefined ? kept : !kept || global.round === 0) return;
  throw new VeritrainError(`global model of round ${global.round} ${kept ? "lacks" : "carries"} the outer momentum the spec ${kept ? "keeps" : "does not keep"}`, {
    code: "GLOBAL_MODEL_INVALID",
    details: { rule: "momentum", round: global.round },
  });
}
