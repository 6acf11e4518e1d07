import { hexToBytes, keccak256, stringToHex, zeroHash, type Hex } from "viem";
import { VeritrainError } from "../errors.ts";
import { ledgerSets } from "../privacy/secAgg/roundLedger.ts";
import { secureGlobalModel, secureRoundConfig } from "./privateRound.ts";
import { fetchMaskedInputs } from "./secAggLedgerOnChain.ts";
import { checkedSecAggLedger } from "./secureRound.ts";
import { condemnsResult } from "../jobs/resultManifest.ts";
import { aggregateRound } from "../rounds/aggregateRound.ts";
import { encodeGlobalModel, globalModelDigest } from "../rounds/globalModel.ts";
import { slotContribution } from "../rounds/slotContribution.ts";
import { fetchCommitted, fetchUpdate } from "./roundContent.ts";
import { globalModelAt, includedUpdates, residualBefore, type RoundInputParameters } from "./roundInputs.ts";
import { checkNoiseOpening, type OpeningKeyHolder } from "./noiseOpening.ts";
import type { RoundJobOnChain } from "./roundJobOnChain.ts";

/**
 * Parameters of {@link judgeSlot} and {@link judgeAggregate}: a round's inputs, threads and the caller's shutdown signal;
 * for a committee member, its opening key and how long it waits for a data owner's noise-seed opening
 * (`checkNoiseOpening`). Without it (a challenger's check) no opening is asked.
 */
export type RoundJudgementParameters = RoundInputParameters & {
  threads: number;
  signal: AbortSignal;
  opening?: { holder: OpeningKeyHolder; disputeId: bigint; waitMs: number; pollMs: number };
};

/**
 * Whether what was committed for a round is wrong, and what it should have been (for an aggregate, also the right
 * global-model blob, `correctBlob`); `unserved` when it is wrong because no peer serves a slot's committed blob (an
 * availability dispute's matter, `challengeUpdate`, not a committee's, which claims no digest); `abstain` when a
 * committee member cannot judge it (its opening key registered at or after its committee's draw).
 */
export type RoundJudgement = { wrong: boolean; correct: Hex; reason: string; unserved?: boolean; abstain?: boolean; correctBlob?: Uint8Array };

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
  if (parameters.job.config.privateData !== undefined) return judgeOwnedSlot(parameters);
  const { chain, store, job, round, slot, jobId, bounded, signal } = parameters;
  const committed = await chain.contracts.RoundJobRegistry.read.commitmentOf([jobId, round, slot]);
  const correct = await reexecuteSlot(parameters);
  try {
    await fetchUpdate({ chain, store, signal: bounded(), commitment: committed, round, slot, size: job.model.params.length, compressed: job.config.compression !== undefined });
  } catch (error) {
    if (!condemnsResult(error, signal)) throw error;
    return { wrong: true, correct, reason: error.message, unserved: error.code === "RESULT_NOT_FOUND" };
  }
  return correct === committed
    ? { wrong: false, correct, reason: "re-execution gives the committed digest" }
    : { wrong: true, correct, reason: `re-execution gives ${correct}, slot ${slot} committed ${committed}` };
}

/**
 * A committee's verdict on a round's subject, from a validator's judgement of it (none, `abstain`, if it could not
 * judge). A blob no peer served the validator
 * (`unserved`) does not make its committer wrong before a committee: whether it is served is decided on-chain
 * (`challengeUpdate`: its committer publishes it, or is dropped past the deadline), and a challenger keeper disputes it
 * only there. Otherwise a challenger that kept the validators from its peers through their fetch bound (an eclipse, a
 * flood) would have an honest slot dropped and slashed by a committee dispute — and, under secure aggregation, its
 * mask key recovered after its self mask was unmasked, exposing its update (docs/secure-aggregation.md §9).
 *
 * @example
 * const { providerWrong, reason } = committeeVerdict(await judgeSlot({ ...inputs, slot: 2 }));
 */
export function committeeVerdict(judgement: RoundJudgement): { providerWrong: boolean; reason: string; abstain?: boolean } {
  if (judgement.abstain === true) return { providerWrong: false, abstain: true, reason: judgement.reason };
  if (judgement.unserved === true) return { providerWrong: false, reason: `${judgement.reason}; whether it is served is decided on-chain (challengeUpdate), not by a committee` };
  return { providerWrong: judgement.wrong, reason: judgement.reason };
}

/**
 * What a challenge of a data owner's slot claims in place of a recomputed digest: none can be recomputed without
 * the owner's examples, so such a slot is challenged only for not serving its committed message.
 */
export const UNSERVED_CLAIM: Hex = keccak256(stringToHex("veritrain/rounds/private-update-not-served"));

/**
 * A data owner's slot (a private-data job): its update cannot be re-executed, the examples are the owner's
 * (docs/distributed-training.md, "Private-data jobs"). It is wrong only if its committed message, the masked input under secure
 * aggregation or the update blob otherwise, is not served or is not one for this round, slot and model, if it
 * committed it without first committing to its data and the round's noise seed (`commitOwner`), or, under
 * secure aggregation, if it committed an input without clearing the ledger's complaints stage (outside C: no valid keys
 * and shares, no complaints post, a false complaint, or a neighbour's true complaint against it), so no one masked towards it.
 * Before a committee member (`opening`), a DP-SGD owner whose update is in the clear is wrong too unless its noise-seed
 * opening to the member checks (`checkNoiseOpening`; the member abstains if its key came at or after the draw).
 */
async function judgeOwnedSlot({ chain, store, job, round, slot, jobId, bounded, opening, signal }: RoundJudgementParameters & { slot: number }): Promise<RoundJudgement> {
  const committed = await chain.contracts.RoundJobRegistry.read.commitmentOf([jobId, round, slot]);
  const size = job.model.params.length;
  const [, noiseSeedCommitment] = await chain.contracts.SecureAggregationLedger.read.ownerCommitmentOf([jobId, round, slot]);
  if (noiseSeedCommitment === zeroHash) {
    return { wrong: true, correct: UNSERVED_CLAIM, reason: `slot ${slot} committed its update without first committing to its data and the round's noise seed` };
  }
  const secure = job.config.privateData?.secureAggregation !== undefined;
  if (secure) {
    const config = await secureRoundConfig({ chain, jobId, round, slots: job.config.slots, vectorLength: size });
    const checked = await checkedSecAggLedger({ chain, jobId, round, config });
    if (!ledgerSets(config, checked.ledger).cleared.has(slot)) {
      return { wrong: true, correct: UNSERVED_CLAIM, reason: `slot ${slot} committed a masked input without clearing the round's complaints stage (valid keys, shares and complaints, none true against it): it is out of the sum` };
    }
  }
  try {
    if (!secure) await fetchUpdate({ chain, store, signal: bounded(), commitment: committed, round, slot, size, compressed: job.config.compression !== undefined });
    else await fetchMaskedInput({ chain, store, bounded, committed, slot, size });
  } catch (error) {
    if (!condemnsResult(error, signal)) throw error;
    return { wrong: true, correct: UNSERVED_CLAIM, reason: error.message, unserved: error.code === "RESULT_NOT_FOUND" };
  }
  if (opening !== undefined && job.config.step.privacy !== undefined && !secure) {
    const finding = await checkNoiseOpening({ chain, store, job, jobId, round, bounded, slot, committed, ...opening, signal });
    if (finding !== undefined) return { wrong: "wrong" in finding, abstain: "abstain" in finding, correct: UNSERVED_CLAIM, reason: finding.reason };
    return { wrong: false, correct: committed, reason: "a data owner's update cannot be re-executed; its committed message is served and well formed, and its noise-seed opening checks" };
  }
  return { wrong: false, correct: committed, reason: "a data owner's update cannot be re-executed; its committed message is served and well formed" };
}

/** Slot `slot`'s masked input, fetched by its commitment and checked to be its own, of the model's length. */
async function fetchMaskedInput(parameters: Pick<RoundJudgementParameters, "chain" | "store" | "bounded"> & { committed: Hex; slot: number; size: number }) {
  const { bounded, committed, slot, size } = parameters;
  let message;
  try {
    [message] = await fetchMaskedInputs(parameters, new Map([[slot, hexToBytes(committed)]]), bounded);
  } catch (cause) {
    if (cause instanceof VeritrainError && cause.code === "RESULT_NOT_FOUND") throw cause;
    throw new VeritrainError(`slot ${slot}'s committed masked input is not one: ${(cause as Error).message}`, { code: "RESULT_INVALID", details: { slot }, cause });
  }
  if (message!.from !== slot || message!.words.length !== size) {
    throw new VeritrainError(`slot ${slot}'s committed masked input is from ${message!.from} with ${message!.words.length} words, the model has ${size}`, { code: "RESULT_INVALID", details: { slot } });
  }
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
 * the job that committed in the round), or under secure aggregation from the round's ledger
 * (`secureGlobalModel`), and compares the global model's digest with the posted one; a right one must also be served
 * (or on-chain), or the next round's slots could not start from it: unserved, it is wrong too (`unserved`).
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` / `RESULT_INVALID` when an included update cannot be
 *   had: the slot is the one to dispute then, not the aggregate.
 */
export async function judgeAggregate(parameters: RoundJudgementParameters & { onChain: RoundJobOnChain }): Promise<RoundJudgement> {
  const { chain, store, job, jobId, round, onChain, bounded, threads, signal } = parameters;
  const next = job.config.privateData?.secureAggregation !== undefined
    ? (await secureGlobalModel({ ...parameters, pollMs: 1_000 })).model
    : await aggregateRound({ job, global: await globalModelAt(parameters), updates: await includedUpdates({ ...parameters, mask: onChain.activeMask & onChain.committedMask }), threads, signal });
  const correctBlob = encodeGlobalModel(next);
  const correct = globalModelDigest(correctBlob);
  const posted = await chain.contracts.RoundJobRegistry.read.aggregateOf([jobId, round]);
  if (correct !== posted) return { wrong: true, correct, correctBlob, reason: `recomputation gives ${correct}, the aggregator posted ${posted}` };
  try {
    await fetchCommitted({ chain, store, signal: bounded(), commitment: posted }, `round ${round}'s aggregate`);
  } catch (error) {
    if (!condemnsResult(error, signal)) throw error;
    return { wrong: true, correct, reason: error.message, unserved: error.code === "RESULT_NOT_FOUND" };
  }
  return { wrong: false, correct, reason: "recomputation gives the posted aggregate, and it is served" };
}
