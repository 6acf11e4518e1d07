import type { Hex } from "viem";
import { condemnsResult } from "../jobs/resultManifest.ts";
import { aggregateRound } from "../rounds/aggregateRound.ts";
import { encodeGlobalModel, globalModelDigest } from "../rounds/globalModel.ts";
import { slotContribution } from "../rounds/slotContribution.ts";
import { fetchUpdate } from "./roundContent.ts";
import { globalModelAt, includedUpdates, residualBefore, type RoundInputParameters } from "./roundInputs.ts";
import type { RoundJobOnChain } from "./roundJobOnChain.ts";

/** Parameters of {@link judgeSlot} and {@link judgeAggregate}: a round's inputs, threads and the caller's shutdown signal. */
export type RoundJudgementParameters = RoundInputParameters & { threads: number; signal: AbortSignal };

/** Whether what was committed for a round is wrong, and what it should have been. */
export type RoundJudgement = { wrong: boolean; correct: Hex; reason: string };

/**
 * Re-executes slot `slot` of the round from the posted global model (and the slot's committed
 * residual) and compares the digest with its commitment. An update no connected peer serves, or
 * a blob that contradicts its commitment, is wrong too: serving it through the window is the
 * provider's duty (`condemnsResult`).
 *
 * @example
 * const { wrong, correct } = await judgeSlot({ ...inputs, slot: 2, threads: 2, signal });
 */
export async function judgeSlot(parameters: RoundJudgementParameters & { slot: number }): Promise<RoundJudgement> {
  const { chain, store, job, round, slot, jobId, bounded, signal } = parameters;
  const committed = await chain.contracts.RoundJobRegistry.read.commitmentOf([jobId, round, slot]);
  const correct = await reexecuteSlot(parameters);
  try {
    await fetchUpdate({ store, signal: bounded(), commitment: committed, round, slot, size: job.model.params.length });
  } catch (error) {
    if (!condemnsResult(error, signal)) throw error;
    return { wrong: true, correct, reason: error.message };
  }
  return correct === committed
    ? { wrong: false, correct, reason: "re-execution gives the committed digest" }
    : { wrong: true, correct, reason: `re-execution gives ${correct}, slot ${slot} committed ${committed}` };
}

/**
 * The digest slot `slot`'s update of the round must have: its local steps re-executed from the
 * posted global model (and the slot's committed residual).
 *
 * @example
 * const correct = await reexecuteSlot({ ...inputs, slot: 2, threads: 2, signal });
 */
export async function reexecuteSlot(parameters: RoundJudgementParameters & { slot: number }): Promise<Hex> {
  const { job, round, slot, threads, signal } = parameters;
  const global = await globalModelAt(parameters);
  const residual = await residualBefore(parameters);
  return (await slotContribution({ job, slot, round, global: global.params, residual, threads, signal })).digest;
}

/**
 * Recomputes the round's aggregate from the included slots' committed updates (those still in
 * the job that committed in the round) and compares the global model's digest with the posted one.
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` / `RESULT_INVALID` when an included update cannot be
 *   had: the slot is the one to dispute then, not the aggregate.
 */
export async function judgeAggregate(parameters: RoundJudgementParameters & { onChain: RoundJobOnChain }): Promise<RoundJudgement> {
  const { chain, job, jobId, round, onChain, threads, signal } = parameters;
  const global = await globalModelAt(parameters);
  const updates = await includedUpdates({ ...parameters, mask: onChain.activeMask & onChain.committedMask });
  const next = await aggregateRound({ job, global, updates, threads, signal });
  const correct = globalModelDigest(encodeGlobalModel(next));
  const posted = await chain.contracts.RoundJobRegistry.read.aggregateOf([jobId, round]);
  return correct === posted
    ? { wrong: false, correct, reason: "recomputation gives the posted aggregate" }
    : { wrong: true, correct, reason: `recomputation gives ${correct}, the aggregator posted ${posted}` };
}
