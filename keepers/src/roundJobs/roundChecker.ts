import { randomInt } from "node:crypto";
import { isAddressEqual, parseEventLogs, zeroHash, type Hex, type TransactionReceipt } from "viem";
import { approveThenSend } from "../chain/approveThenSend.ts";
import { followEvents } from "../chain/followEvents.ts";
import type { ChallengerRoleParameters } from "../challenger/challengerRole.ts";
import { readEvents } from "../chain/readEvents.ts";
import { chainTime, DisputeStatus } from "../jobs/jobOnChain.ts";
import { roundJobCache } from "./loadRoundJob.ts";
import { condemnsResult } from "../jobs/resultManifest.ts";
import { specAggregation, type AggregationProgram } from "../rounds/aggregationProgram.ts";
import { encodeGlobalModel } from "../rounds/globalModel.ts";
import { refuteAggregate } from "./aggregateRefutation.ts";
import { fetchCommitted } from "./roundContent.ts";
import { fetchBound, includedUpdates } from "./roundInputs.ts";
import { setBits } from "../chain/setBits.ts";
import { readRoundJob, type RoundJobOnChain } from "./roundJobOnChain.ts";
import { AGGREGATE_SLOT, RoundJobStatus } from "./roundJobStatus.ts";
import { judgeAggregate, judgeSlot, reexecuteSlot, type RoundJudgement } from "./roundJudgement.ts";

/**
 * The challenger's part in distributed jobs. Follows the registry from its own cursor:
 * - `TrainingClosed` / `AggregationReopened`: the task `updates-<job>-<round>` ({@link checkUpdatesServed}) fetches
 *   every included update (a data owner's committed message) while the round awaits its aggregate and challenges the
 *   first one no peer serves (withheld, it would stall the round), or, under secure aggregation, committed by a slot
 *   outside the ledger's cleared set (it would be paid for an input no one sums);
 * - `AggregatePosted`: the task `round-<job>-<round>` ({@link checkRound}) re-executes the included
 *   slots (all, or `segments` of them drawn at random: a wrong slot among n is then caught with
 *   probability segments/n per round; a data owner's slot is only fetched) and recomputes the aggregate (under
 *   secure aggregation from the round's ledger), and challenges the first wrong one with its correct digest (a wrong
 *   aggregate of a job that commits its aggregation program: refuted to the aggregate referee at once);
 * - `RoundResumed`, on a job that commits its aggregation program: the same task again, so that an aggregate disputed
 *   as unavailable and then published on-chain is checked from the chain;
 * - `RoundDisputed` of the aggregate, on such a job: the same task, which refutes a wrong aggregate inside another
 *   party's open dispute (the referee takes anyone's proof: a dispute the aggregator opened itself, to hold the round
 *   until it expires, shields nothing).
 *
 * @example
 * await runRoundChecker({ chain, store, dataDir, segments: "all", threads: 2, log, signal });
 */
export async function runRoundChecker(parameters: ChallengerRoleParameters): Promise<void> {
  const { chain, dataDir, log, signal, health, confirmations, pollMs, attempts } = parameters;
  const registry = chain.contracts.RoundJobRegistry;
  const jobs = roundJobCache();
  await followEvents({
    chain,
    address: [registry.address],
    abi: registry.abi,
    eventName: ["TrainingClosed", "AggregationReopened", "AggregatePosted", "RoundResumed", "RoundDisputed"],
    role: "challenger-rounds",
    dataDir,
    log,
    signal,
    health,
    confirmations,
    pollMs,
    attempts,
    handle: async (event, tasks) => {
      // A round resumed after a dispute its aggregate survived is checked again where the referee decides aggregates:
      // one withheld, then published on-chain by its availability dispute, can be read, and refuted, now.
      // So is an aggregate another party disputes there: this keeper refutes it in that dispute if it is wrong.
      const refereedOnly = event.eventName === "RoundResumed" || event.eventName === "RoundDisputed";
      if (event.eventName === "RoundDisputed" && event.args.slot !== BigInt(AGGREGATE_SLOT)) return;
      if (refereedOnly && (await registry.read.aggregationOf([event.args.jobId])) === zeroHash) return;
      const kind = event.eventName === "TrainingClosed" || event.eventName === "AggregationReopened" ? "updates" : "round";
      tasks.start(`${kind}-${event.args.jobId}-${event.args.round}`);
    },
    runTask: async (task, signal) => {
      const [kind, jobId, round] = task.split("-") as [string, string, string];
      const check = kind === "round" ? checkRound : checkUpdatesServed;
      await check({ ...parameters, signal }, jobs, BigInt(jobId), Number(round));
    },
  });
}

/** The slots to re-execute: all, or `count` distinct ones drawn uniformly (ascending). */
function sample(slots: number[], count: "all" | number): number[] {
  if (count === "all" || count >= slots.length) return slots;
  const pool = [...slots];
  const drawn: number[] = [];
  while (drawn.length < count) drawn.push(pool.splice(randomInt(pool.length), 1)[0]!);
  return drawn.sort((a, b) => a - b);
}

type RoundJobs = ReturnType<typeof roundJobCache>;

/** Round `round` of job `jobId` on chain while it is in `status` and before its deadline, else undefined. */
async function roundIn(chain: ChallengerRoleParameters["chain"], jobId: bigint, round: number, status: number) {
  const job = await readRoundJob(chain, jobId);
  return job.status === status && job.round === round && (await chainTime(chain)) < job.deadline ? job : undefined;
}

/** What re-executing and fetching round `round` of job `jobId` takes: the job (loaded once per process), each fetch bounded. */
async function roundInputs({ chain, store, threads, fetchTimeoutMs, log, signal }: ChallengerRoleParameters, jobs: RoundJobs, jobId: bigint, round: number) {
  const { prepared: job } = await jobs.load({ chain, store, jobId, log, signal });
  return { chain, store, job, jobId, round, threads, signal, bounded: fetchBound(signal, fetchTimeoutMs) };
}

/**
 * While round `round` of job `jobId` awaits its aggregate: fetches each included update by its
 * commitment and challenges the first that no connected peer serves (or that contradicts its
 * commitment), with the digest re-execution gives. Returns the slot challenged, if any.
 */
export async function checkUpdatesServed(parameters: ChallengerRoleParameters, jobs: RoundJobs, jobId: bigint, round: number): Promise<number | undefined> {
  const { chain, log } = parameters;
  const context = { jobId: jobId.toString(), round };
  const awaiting = () => roundIn(chain, jobId, round, RoundJobStatus.Aggregating);
  const onChain = await awaiting();
  if (onChain === undefined) {
    log.info(context, "updates skipped: the round does not await an aggregate");
    return undefined;
  }
  const inputs = await roundInputs(parameters, jobs, jobId, round);
  for (const slot of setBits(onChain.activeMask & onChain.committedMask)) {
    // A data owner's slot is judged on what it serves alone (its update cannot be re-executed).
    const judgement = inputs.job.config.privateData === undefined ? await servedOrReexecuted({ ...inputs, slot }) : await judgeSlot({ ...inputs, slot });
    if (judgement.wrong) return challenged(slot, challenge(parameters, { jobId, round, slot, judgement, open: awaiting }));
  }
  log.info(context, "updates served: every included update fetched");
  return undefined;
}

/**
 * Slot `slot`'s committed update fetched: wrong if no peer serves it (disputed as unavailable: nothing to re-execute) or
 * if it contradicts its commitment (with the digest re-execution gives).
 */
async function servedOrReexecuted(inputs: Awaited<ReturnType<typeof roundInputs>> & { slot: number }): Promise<RoundJudgement> {
  try {
    await includedUpdates({ ...inputs, mask: 1 << inputs.slot });
    return { wrong: false, correct: await inputs.chain.contracts.RoundJobRegistry.read.commitmentOf([inputs.jobId, inputs.round, inputs.slot]), reason: "served" };
  } catch (error) {
    if (!condemnsResult(error, inputs.signal)) throw error;
    if (error.code === "RESULT_NOT_FOUND") return { wrong: true, correct: zeroHash, reason: error.message, unserved: true };
    return { wrong: true, correct: await reexecuteSlot(inputs), reason: error.message };
  }
}

/**
 * Checks round `round` of job `jobId` while its aggregate is open to challenge, or held by another party's refereed
 * dispute of it ({@link refuteInOthersDispute}); returns the slot challenged (255: the aggregate), if any.
 */
export async function checkRound(parameters: ChallengerRoleParameters, jobs: RoundJobs, jobId: bigint, round: number): Promise<number | undefined> {
  const { chain, segments, log } = parameters;
  const context = { jobId: jobId.toString(), round };
  const challengeable = () => roundIn(chain, jobId, round, RoundJobStatus.Aggregated);
  const onChain = await challengeable();
  if (onChain === undefined) {
    const held = await othersRefereedDispute(parameters, jobId, round);
    if (held !== undefined) return refuteInOthersDispute(parameters, jobs, { ...held, jobId, round });
    log.info(context, "round skipped: not open to challenge");
    return undefined;
  }
  const inputs = await roundInputs(parameters, jobs, jobId, round);
  let wrong: { slot: number; judgement: RoundJudgement } | undefined;
  for (const slot of sample(setBits(onChain.activeMask & onChain.committedMask), segments)) {
    const judgement = await judgeSlot({ ...inputs, slot });
    if (judgement.wrong) {
      wrong = { slot, judgement };
      break;
    }
  }
  if (wrong === undefined) {
    const judgement = await judgeAggregate({ ...inputs, onChain });
    if (judgement.wrong) wrong = { slot: AGGREGATE_SLOT, judgement };
  }
  if (wrong === undefined) {
    log.info({ ...context, segments }, "round verified: updates and aggregate recomputed");
    return undefined;
  }
  const committed = await chain.contracts.RoundJobRegistry.read.aggregationOf([jobId]);
  if (wrong.slot !== AGGREGATE_SLOT || committed === zeroHash) {
    return challenged(wrong.slot, challenge(parameters, { jobId, round, ...wrong, open: challengeable }));
  }
  const { program, aggregation } = specAggregation(inputs.job.spec, inputs.job.modelBytes);
  if (aggregation !== committed) {
    // The referee would recompute by the order's program, not the spec's: no evidence of this keeper's could win.
    log.warn({ ...context, committed, aggregation }, "aggregate not challenged: the order commits an aggregation program other than its spec's");
    return undefined;
  }
  return challengeAggregateByReferee(parameters, { inputs, onChain, program: program!, judgement: wrong.judgement, open: challengeable });
}

/** The round's blobs a refutation is drawn from: the posted global model, the one the round started from, the included updates. */
type RefereeBlobs = { posted: Uint8Array; previous: Uint8Array; updates: { slot: number; bytes: Uint8Array }[] };

/**
 * The round's blobs for the referee (a round-0 start is the model file's weights, encoded), or the error that the
 * posted aggregate is not served: then it cannot be read for evidence.
 */
async function refereeBlobs(
  { chain, signal }: ChallengerRoleParameters,
  { job, jobId, round, store, bounded }: Awaited<ReturnType<typeof roundInputs>>,
  onChain: RoundJobOnChain,
): Promise<RefereeBlobs | { unserved: Error }> {
  const fetch = (commitment: Hex, what: string) => fetchCommitted({ chain, store, signal: bounded(), commitment }, what);
  const { RoundJobRegistry } = chain.contracts;
  let posted: Uint8Array;
  try {
    posted = await fetch(await RoundJobRegistry.read.aggregateOf([jobId, round]), `round ${round}'s aggregate`);
  } catch (error) {
    if (!condemnsResult(error, signal)) throw error;
    return { unserved: error };
  }
  const previous = round === 0
    ? encodeGlobalModel({ round: 0, params: Float32Array.from(job.model.params) })
    : await fetch(await RoundJobRegistry.read.aggregateOf([jobId, round - 1]), `the global model after round ${round - 1}`);
  const updates = [];
  for (const slot of setBits(onChain.activeMask & onChain.committedMask)) {
    updates.push({ slot, bytes: await fetch(await RoundJobRegistry.read.commitmentOf([jobId, round, slot]), `round ${round} slot ${slot}'s update`) });
  }
  return { posted, previous, updates };
}

/**
 * A wrong aggregate of a job that commits its aggregation program: disputed (`challengeRound`, no committee drawn)
 * and proven wrong to the aggregate referee at once (`refuteAggregate`: docs/dispute-game.md §7), from the round's
 * blobs. A posted aggregate no peer serves cannot be read for evidence: it is disputed as unavailable first.
 */
async function challengeAggregateByReferee(
  parameters: ChallengerRoleParameters,
  { inputs, onChain, program, judgement, open }: {
    inputs: Awaited<ReturnType<typeof roundInputs>>;
    onChain: RoundJobOnChain;
    program: AggregationProgram;
    judgement: RoundJudgement;
    open: () => Promise<unknown>;
  },
): Promise<number | undefined> {
  const { chain, log, signal } = parameters;
  const { jobId, round } = inputs;
  const blobs = await refereeBlobs(parameters, inputs, onChain);
  if ("unserved" in blobs) {
    return challenged(AGGREGATE_SLOT, challenge(parameters, { jobId, round, slot: AGGREGATE_SLOT, judgement: { ...judgement, reason: blobs.unserved.message, unserved: true }, open }));
  }
  const receipt = await challenge(parameters, { jobId, round, slot: AGGREGATE_SLOT, judgement, open });
  if (receipt === undefined) return undefined;
  const [opened] = parseEventLogs({ abi: chain.contracts.Disputes.abi, logs: receipt.logs, eventName: "RoundDisputeOpened" });
  const disputeId = opened!.args.disputeId;
  const { coordinate, gas } = await refuteAggregate({ chain, disputeId, program, round, ...blobs, correct: judgement.correctBlob!, log, signal });
  const refuted = { jobId: jobId.toString(), round, disputeId: disputeId.toString(), coordinate: coordinate ?? "header" };
  log.info({ ...refuted, transactions: gas.length, gas: gas.reduce((sum, g) => sum + g, 0n).toString() }, "aggregate refuted by the referee");
  return AGGREGATE_SLOT;
}

/**
 * The open dispute of round `round`'s aggregate that holds the round, if another party opened it on a job that commits
 * its aggregation program, before its deadline and not of availability (the referee decides it): its id and the round.
 */
async function othersRefereedDispute({ chain }: ChallengerRoleParameters, jobId: bigint, round: number) {
  const onChain = await readRoundJob(chain, jobId);
  if (onChain.status !== RoundJobStatus.Disputed || onChain.round !== round || onChain.disputedSlot !== AGGREGATE_SLOT) return undefined;
  if ((await chain.contracts.RoundJobRegistry.read.aggregationOf([jobId])) === zeroHash) return undefined;
  const opened = (await readEvents({ chain, contract: chain.contracts.Disputes, eventName: "RoundDisputeOpened", args: { jobId } })).at(-1);
  if (opened === undefined || opened.args.round !== BigInt(round) || opened.args.slot !== BigInt(AGGREGATE_SLOT)) return undefined;
  const disputeId = opened.args.disputeId;
  const dispute = await chain.contracts.Disputes.read.getDispute([disputeId]);
  const others = dispute.status === DisputeStatus.Open && dispute.claimedHash !== zeroHash && !isAddressEqual(dispute.challenger, chain.account.address);
  return others && (await chainTime(chain)) < dispute.verdictDeadline ? { disputeId, onChain } : undefined;
}

/**
 * Round `round`'s aggregate, held by another party's refereed dispute `disputeId` (the aggregator's own, say, opened to
 * keep anyone else from disputing it until it expires upheld): recomputed, and if wrong proven so to the referee in
 * that dispute (this keeper gets the slash's beneficiary share; the challenger its bond). Returns 255 if refuted.
 */
async function refuteInOthersDispute(
  parameters: ChallengerRoleParameters,
  jobs: RoundJobs,
  { disputeId, onChain, jobId, round }: { disputeId: bigint; onChain: RoundJobOnChain; jobId: bigint; round: number },
): Promise<number | undefined> {
  const { chain, log, signal } = parameters;
  const context = { jobId: jobId.toString(), round, disputeId: disputeId.toString() };
  const inputs = await roundInputs(parameters, jobs, jobId, round);
  const judgement = await judgeAggregate({ ...inputs, onChain });
  if (!judgement.wrong || judgement.correctBlob === undefined) {
    log.info({ ...context, reason: judgement.reason }, "aggregate not refuted in another party's dispute: it is the right one");
    return undefined;
  }
  const { program, aggregation } = specAggregation(inputs.job.spec, inputs.job.modelBytes);
  if (aggregation !== (await chain.contracts.RoundJobRegistry.read.aggregationOf([jobId]))) {
    log.warn({ ...context, aggregation }, "aggregate not refuted: the order commits an aggregation program other than its spec's");
    return undefined;
  }
  const blobs = await refereeBlobs(parameters, inputs, onChain);
  if ("unserved" in blobs) {
    log.warn({ ...context, reason: blobs.unserved.message }, "aggregate not refuted: no peer serves it, and another party's dispute holds the round");
    return undefined;
  }
  log.warn({ ...context, reason: judgement.reason }, "wrong aggregate found in another party's dispute");
  const { coordinate, gas } = await refuteAggregate({ chain, disputeId, program: program!, round, ...blobs, correct: judgement.correctBlob, log, signal });
  log.info({ ...context, coordinate: coordinate ?? "header", transactions: gas.length, gas: gas.reduce((sum, g) => sum + g, 0n).toString() }, "aggregate refuted by the referee");
  return AGGREGATE_SLOT;
}

/** `slot` once `receipt` says it was challenged, else undefined. */
async function challenged(slot: number, receipt: Promise<TransactionReceipt | undefined>): Promise<number | undefined> {
  return (await receipt) === undefined ? undefined : slot;
}

/**
 * Challenges `slot` (255: the aggregate) of the round, if `open` still finds the round challengeable; returns the
 * challenge's receipt. A slot's blob that no peer serves is disputed as unavailable (`challengeUpdate`: its provider publishes it
 * on-chain or loses, no committee); anything else before a committee, with the correct digest (`challengeRound`).
 */
async function challenge(
  { chain, log }: ChallengerRoleParameters,
  { jobId, round, slot, judgement, open }: { jobId: bigint; round: number; slot: number; judgement: RoundJudgement; open: () => Promise<unknown> },
): Promise<TransactionReceipt | undefined> {
  const context = { jobId: jobId.toString(), round, slot };
  log.warn({ ...context, reason: judgement.reason }, "wrong contribution found");
  if ((await open()) === undefined) {
    log.info(context, "challenge skipped: the round is no longer open to challenge");
    return undefined;
  }
  const { Disputes } = chain.contracts;
  const bond = await Disputes.read.challengeBond();
  const send = { chain, action: "challenging", spender: Disputes.address, tokens: { amount: bond, label: "challenge bond" } };
  let receipt: TransactionReceipt;
  if (judgement.unserved === true) {
    const args = [jobId, round, slot] as const;
    receipt = await approveThenSend({
      ...send,
      simulate: () => Disputes.simulate.challengeUpdate(args, { account: chain.account }),
      estimateGas: () => Disputes.estimateGas.challengeUpdate(args, { account: chain.account }),
      write: () => Disputes.write.challengeUpdate(args),
    });
  } else {
    const args = [jobId, round, slot, judgement.correct] as const;
    receipt = await approveThenSend({
      ...send,
      simulate: () => Disputes.simulate.challengeRound(args, { account: chain.account }),
      estimateGas: () => Disputes.estimateGas.challengeRound(args, { account: chain.account }),
      write: () => Disputes.write.challengeRound(args),
    });
  }
  log.info({ ...context, bond: bond.toString(), availability: judgement.unserved === true }, "round challenged");
  return receipt;
}
