import { randomInt } from "node:crypto";
import { parseEventLogs, zeroHash, type Hex, type TransactionReceipt } from "viem";
import { approveThenSend } from "../chain/approveThenSend.ts";
import { followEvents } from "../chain/followEvents.ts";
import type { ChallengerRoleParameters } from "../challenger/challengerRole.ts";
import { chainTime } from "../jobs/jobOnChain.ts";
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
 *   as unavailable and then published on-chain is checked from the chain.
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
    eventName: ["TrainingClosed", "AggregationReopened", "AggregatePosted", "RoundResumed"],
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
      if (event.eventName === "RoundResumed" && (await registry.read.aggregationOf([event.args.jobId])) === zeroHash) return;
      const kind = event.eventName === "AggregatePosted" || event.eventName === "RoundResumed" ? "round" : "updates";
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

/** Checks round `round` of job `jobId` while its aggregate is open to challenge; returns the slot challenged (255: the aggregate), if any. */
export async function checkRound(parameters: ChallengerRoleParameters, jobs: RoundJobs, jobId: bigint, round: number): Promise<number | undefined> {
  const { chain, segments, log } = parameters;
  const context = { jobId: jobId.toString(), round };
  const challengeable = () => roundIn(chain, jobId, round, RoundJobStatus.Aggregated);
  const onChain = await challengeable();
  if (onChain === undefined) {
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
  const { job, jobId, round, bounded } = inputs;
  const fetch = (commitment: Hex, what: string) => fetchCommitted({ chain, store: inputs.store, signal: bounded(), commitment }, what);
  const { RoundJobRegistry } = chain.contracts;
  let posted: Uint8Array;
  try {
    posted = await fetch(await RoundJobRegistry.read.aggregateOf([jobId, round]), `round ${round}'s aggregate`);
  } catch (error) {
    if (!condemnsResult(error, signal)) throw error;
    return challenged(AGGREGATE_SLOT, challenge(parameters, { jobId, round, slot: AGGREGATE_SLOT, judgement: { ...judgement, reason: error.message, unserved: true }, open }));
  }
  const previous = round === 0
    ? encodeGlobalModel({ round: 0, params: Float32Array.from(job.model.params) })
    : await fetch(await RoundJobRegistry.read.aggregateOf([jobId, round - 1]), `the global model after round ${round - 1}`);
  const updates = [];
  for (const slot of setBits(onChain.activeMask & onChain.committedMask)) {
    updates.push({ slot, bytes: await fetch(await RoundJobRegistry.read.commitmentOf([jobId, round, slot]), `round ${round} slot ${slot}'s update`) });
  }
  const receipt = await challenge(parameters, { jobId, round, slot: AGGREGATE_SLOT, judgement, open });
  if (receipt === undefined) return undefined;
  const [opened] = parseEventLogs({ abi: chain.contracts.Disputes.abi, logs: receipt.logs, eventName: "RoundDisputeOpened" });
  const { coordinate, gas } = await refuteAggregate({
    chain, disputeId: opened!.args.disputeId, program, round, previous, updates, posted, correct: judgement.correctBlob!, log, signal,
  });
  const refuted = { jobId: jobId.toString(), round, disputeId: opened!.args.disputeId.toString(), coordinate: coordinate ?? "header" };
  log.info({ ...refuted, transactions: gas.length, gas: gas.reduce((sum, g) => sum + g, 0n).toString() }, "aggregate refuted by the referee");
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
