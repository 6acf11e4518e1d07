import { existsSync } from "node:fs";
import { zeroHash } from "viem";
import { committeeSeats } from "../chain/committeeSeats.ts";
import { followEvents } from "../chain/followEvents.ts";
import { readEvents } from "../chain/readEvents.ts";
import type { ComputeRoleParameters } from "../compute/computeRole.ts";
import { quoteRoundSlot } from "../compute/costModel.ts";
import { fetchSpecBlock, parseSpecJson } from "../jobs/jobSpecBlock.ts";
import { chainTime } from "../jobs/jobOnChain.ts";
import { aggregateRound } from "../rounds/aggregateRound.ts";
import { specAggregation } from "../rounds/aggregationProgram.ts";
import { validateRoundJobSpec } from "../rounds/roundJobSpec.ts";
import { slotContribution, type SlotContribution } from "../rounds/slotContribution.ts";
import { contributionDigest, encodeUpdate } from "../rounds/updateEncoding.ts";
import { roundJobCache } from "./loadRoundJob.ts";
import { publishContribution, publishGlobalModel } from "./roundContent.ts";
import { fetchBound, globalModelAt, includedUpdates, residualBefore } from "./roundInputs.ts";
import { activeSlotOf, readRoundJob } from "./roundJobOnChain.ts";
import { RoundJobStatus } from "./roundJobStatus.ts";
import { firstNonFinite, type GlobalModel } from "../rounds/globalModel.ts";
import { outerStep } from "../rounds/outerStep.ts";
import { commitOwner, ownerRoundFile } from "./ownerCommitments.ts";
import { ownedExamples, ownerMismatch, secureGlobalModel, secureRoundConfig } from "./privateRound.ts";
import { closed, recoverWithdrawn, removeWithdrawnInput, secureSlotRound } from "./secureRound.ts";
import { SecAggStage } from "./secAggLedgerOnChain.ts";
import { quantise } from "../privacy/secAgg/quantisation.ts";
import { fetchSpecAndModel } from "../jobs/loadJob.ts";
import { localUpdate } from "../rounds/localUpdate.ts";
import { importOnnxModel } from "../training/onnxImport.ts";

/** How often a secure round's stages and unmask shares are looked for when the role sets no poll interval (ms). */
const DEFAULT_POLL_MS = 1_000;

/** Tasks of the round provider's loop run at once: a slot's training, the aggregator's wait for unmask shares and a recovery. */
const ROUND_TASKS_AT_ONCE = 3;

/** Parameters of {@link runRoundProvider}: the compute role's. */
export type RoundProviderParameters = ComputeRoleParameters;

/**
 * A compute provider's part in distributed jobs (RoundJobRegistry, docs/distributed-training.md).
 * Follows the registry from its own persisted cursor ({@link followEvents}):
 * - `RoundJobPosted`: bids its per-round price for one slot when the limit covers it;
 * - `RoundStarted`: if it holds an active slot, the task `slot-<job>-<round>` trains it from the
 *   round's global model, publishes the update and commits its digest ({@link contributeToRound});
 * - `TrainingClosed` / `AggregateVoided` / `AggregationReopened`: the aggregator duty, task `aggregate-<job>-<round>`
 *   ({@link aggregateIfDue}): any provider may post; the first valid post wins, the others find
 *   the round aggregated and stop (the challenger checks what was posted);
 * - `SlotDropped`: under secure aggregation, the task `recover-<job>-<round>-<slot>` ({@link recoverIfDue}) posts
 *   this slot's recovery answers for a neighbour whose masked input was withdrawn, or removes its own withdrawn input;
 * - an unmask post on SecureAggregationLedger (`SecAggPosted`, stage Unmask: a slot answers for a withdrawn neighbour
 *   only after its own unmask post, which may come after the drop): the task `unmasked-<job>-<round>-<poster>`
 *   ({@link recoverIfDue}) posts the recovery answers due if the poster is this provider's slot.
 *
 * @example
 * await runRoundProvider({ chain, store, dataDir, costModel, threads: 2, log, signal });
 */
export async function runRoundProvider(parameters: RoundProviderParameters): Promise<void> {
  const { chain, dataDir, log, signal, health, confirmations, pollMs, attempts } = parameters;
  const { RoundJobRegistry: registry, SecureAggregationLedger: ledger } = chain.contracts;
  const jobs = roundJobCache();
  await followEvents({
    chain,
    address: [registry.address, ledger.address],
    abi: [...registry.abi, ...ledger.abi],
    eventName: ["RoundJobPosted", "RoundStarted", "TrainingClosed", "AggregateVoided", "AggregationReopened", "SlotDropped", "SecAggPosted"],
    role: "compute-rounds",
    dataDir,
    log,
    signal,
    health,
    confirmations,
    pollMs,
    attempts,
    // The aggregator's duty waits until every needed secret can be rebuilt, which may take the recovery answers of
    // this same loop (and a dispute): it must not hold the queue, nor a round's training behind it.
    taskConcurrency: ROUND_TASKS_AT_ONCE,
    handle: async (event, tasks) => {
      if (event.eventName === "RoundJobPosted") await considerRoundBid(parameters, event.args.jobId);
      else if (event.eventName === "RoundStarted") tasks.start(`slot-${event.args.jobId}-${event.args.round}`);
      else if (event.eventName === "SlotDropped") tasks.start(`recover-${event.args.jobId}-${event.args.round}-${event.args.slot}`);
      else if (event.eventName === "SecAggPosted") {
        if (event.args.stage === SecAggStage.Unmask) tasks.start(`unmasked-${event.args.jobId}-${event.args.round}-${event.args.slot}`);
      }
      else tasks.start(`aggregate-${event.args.jobId}-${event.args.round}`);
    },
    runTask: async (task, signal) => {
      const [kind, jobId, round, slot] = task.split("-") as [string, string, string, string | undefined];
      if (kind === "recover" || kind === "unmasked") return recoverIfDue({ ...parameters, signal }, jobs, BigInt(jobId), Number(round), kind === "recover" ? { dropped: Number(slot) } : { unmaskedBy: Number(slot) });
      const duty = kind === "slot" ? contributeToRound : aggregateIfDue;
      await duty({ ...parameters, signal }, jobs, BigInt(jobId), Number(round));
    },
  });
}

/** Bids on round job `jobId` while it is open, this provider holds no slot and the limit covers its price; returns the price bid. */
export async function considerRoundBid({ chain, store, costModel, privateData, log, signal }: RoundProviderParameters, jobId: bigint): Promise<bigint | undefined> {
  const context = { jobId: jobId.toString() };
  const job = await readRoundJob(chain, jobId);
  if (job.status !== RoundJobStatus.Bidding || (await chainTime(chain)) >= job.deadline) {
    log.info({ ...context, status: job.status }, "round bid skipped: bidding closed");
    return undefined;
  }
  const slots = await chain.contracts.RoundJobRegistry.read.slotsOf([jobId]);
  if (slots.some((slot) => slot.provider.toLowerCase() === chain.account.address.toLowerCase())) {
    log.info(context, "round bid skipped: holding a slot already");
    return undefined;
  }
  const block = await fetchSpecBlock({ store, specDigest: job.specDigest, signal: fetchBound(signal)() });
  const { spec, config } = validateRoundJobSpec(parseSpecJson(block.bytes, block.cid));
  const notOwner = ownerMismatch(config, privateData);
  if (notOwner !== undefined) {
    log.info(context, `round bid skipped: ${notOwner}`);
    return undefined;
  }
  // The referee would judge its aggregates by the order's program: an honest aggregator must compute the same one.
  const committed = await chain.contracts.RoundJobRegistry.read.aggregationOf([jobId]);
  if (committed !== zeroHash) {
    const { modelBytes } = await fetchSpecAndModel({ store, jobId, specDigest: job.specDigest, decode: () => spec, bounded: fetchBound(signal) });
    if (specAggregation(spec, modelBytes).aggregation !== committed) {
      log.info({ ...context, committed }, "round bid skipped: the order commits an aggregation program other than its spec's");
      return undefined;
    }
  }
  const quote = quoteRoundSlot(spec, costModel);
  const quoted = { ...context, pricePerRound: quote.price.toString(), images: quote.images };
  if (quote.price > job.priceLimit) {
    log.info({ ...quoted, priceLimit: job.priceLimit.toString() }, "round bid skipped: limit below cost");
    return undefined;
  }
  // A slot's update is judged by a committee (and so is the aggregate when the order commits no program): with fewer
  // active validators than seats, a challenger could leave such a dispute without one, and the job would fail with the
  // round's work unpaid (docs/architecture.md, "No committee").
  const { seats, active } = await committeeSeats(chain);
  if (active < seats) {
    log.warn({ ...quoted, activeValidators: active, seats }, `round bid skipped: a slot's update is judged by a committee, and ${active} validators are active for ${seats} seats`);
    return undefined;
  }
  const { available } = await chain.contracts.StakeManager.read.stakeOf([chain.account.address]);
  if (available < job.minStake) {
    log.warn({ ...quoted, available: available.toString(), minStake: job.minStake.toString() }, "round bid skipped: not enough available stake");
    return undefined;
  }
  await chain.send(() => chain.contracts.RoundJobRegistry.write.bid([jobId, quote.price]));
  log.info(quoted, "round bid placed");
  return quote.price;
}

type RoundJobs = ReturnType<typeof roundJobCache>;

/**
 * Trains this provider's slot of round `round` and commits it, if the round is training and the slot has not committed.
 * As a data owner of a private-data job it trains on its own examples with DP-SGD, and under secure aggregation takes
 * part in the round's stages (`secureSlotRound`), its keys posted before the job's dataset is even loaded. With
 * `dishonestAggregate` (devnet demo) it also watches the round and posts its aggregate the moment training closes.
 */
export async function contributeToRound(parameters: RoundProviderParameters, jobs: RoundJobs, jobId: bigint, round: number): Promise<void> {
  const { dishonestAggregate } = parameters;
  // The devnet's dishonest aggregator (a data owner itself, or not) watches the round beside its own slot's work,
  // more often than its event loop, so that its aggregate comes first, the moment training closes.
  const dishonest = dishonestAggregate === true ? aggregateWhenTrainingCloses(parameters, jobs, jobId, round) : undefined;
  await Promise.all([dishonest, contributeSlot(parameters, jobs, jobId, round)]);
}

/** The devnet's dishonest aggregator: loads the job, then aggregates round `round` as soon as its training closed. */
async function aggregateWhenTrainingCloses(parameters: RoundProviderParameters, jobs: RoundJobs, jobId: bigint, round: number): Promise<void> {
  const { chain, store, log, signal } = parameters;
  await jobs.load({ chain, store, jobId, log, signal });
  await closed({ chain, jobId, round, pollMs: 200, signal }, "inputs");
  await aggregateIfDue(parameters, jobs, jobId, round);
}

/** This provider's slot of round `round`, if it holds one that is due (or a secure round to resume): see {@link contributeToRound}. */
async function contributeSlot(parameters: RoundProviderParameters, jobs: RoundJobs, jobId: bigint, round: number): Promise<void> {
  const { chain, store, dataDir, threads, poisonSlot, withholdSlot, spoilSlot, falseNoiseSlot, privateData, fetchTimeoutMs, pollMs, log, signal } = parameters;
  const context = { jobId: jobId.toString(), round };
  const slot = await activeSlotOf(chain, jobId);
  if (slot === undefined) {
    log.info(context, "round skipped: this provider holds no slot of the job");
    return;
  }
  const due = async () => {
    const job = await readRoundJob(chain, jobId);
    return job.status === RoundJobStatus.Training && job.round === round && !((job.committedMask >> slot) & 1) && (await chainTime(chain)) < job.deadline;
  };
  // A data owner's keeper restarted in a secure round goes on from its saved state, its masked input committed or not.
  const stateFile = ownerRoundFile(dataDir, jobId, round, "secagg");
  const resuming = existsSync(stateFile) && (await readRoundJob(chain, jobId)).round === round;
  if (!resuming && !(await due())) {
    log.info({ ...context, slot }, "round skipped: the slot is not training in it, or committed already");
    return;
  }
  const bounded = fetchBound(signal, fetchTimeoutMs);
  // The spec and model alone first (no dataset): a secure round's keys are due within its first quarter.
  const { spec, modelBytes } = await fetchSpecAndModel({
    store, jobId, specDigest: (await readRoundJob(chain, jobId)).specDigest, bounded, decode: (bytes, cid) => validateRoundJobSpec(parseSpecJson(bytes, cid)).spec,
  });
  const { config } = validateRoundJobSpec(spec);
  const notOwner = ownerMismatch(config, privateData);
  if (notOwner !== undefined) {
    log.warn({ ...context, slot }, `round skipped: ${notOwner}`);
    return;
  }
  const load = async () => (await jobs.load({ chain, store, jobId, log, signal })).prepared;
  const set = privateData === undefined || config.privateData === undefined ? undefined : ownedExamples(privateData);
  // A data owner commits to its examples and to the round's noise seed before it trains.
  const committed = set === undefined ? undefined : (await commitOwner({ chain, jobId, round }, { slot, set, dataDir })).seed;
  const owned = set === undefined ? undefined : { set, noiseSeed: slot === falseNoiseSlot ? committed! ^ 1n : committed };
  if (owned !== undefined && config.privateData?.secureAggregation !== undefined) {
    const secAgg = await secureRoundConfig({ chain, jobId, round, slots: config.slots, vectorLength: importOnnxModel(modelBytes).definition.parameterCount });
    const quantisation = config.privateData.secureAggregation;
    // Trains while the keys and shares stages run; the masking stage awaits it.
    const train = (signal: AbortSignal) => load().then(async (job) => {
      const global = await globalModelAt({ chain, store, job, jobId, round, bounded });
      return quantise(await localUpdate({ job, set: owned.set, round, global: global.params, threads, signal, noiseSeed: owned.noiseSeed }), quantisation);
    });
    const withholdInput = slot === withholdSlot;
    const spoilEnvelopes = slot === spoilSlot;
    const { complainedOf, out } = await secureSlotRound({ chain, store, jobId, round, slot, config: secAgg, train, stateFile, bounded, pollMs: pollMs ?? DEFAULT_POLL_MS, signal, withholdInput, spoilEnvelopes });
    const done = { ...context, slot, resumed: resuming, complainedOf, withheld: withholdInput, spoiled: spoilEnvelopes };
    if (out !== undefined) log.warn(done, `secure round left: ${out}`);
    else log.info(done, "secure round done: keys, shares, complaints, masked input and unmask shares posted");
    return;
  }
  const job = await load();
  const inputs = { chain, store, job, jobId, round, bounded };
  const global = await globalModelAt(inputs);
  const residual = await residualBefore({ ...inputs, slot });
  let contribution = await slotContribution({ job, slot, round, global: global.params, residual, threads, signal, ...(owned === undefined ? {} : { owned }) });
  if (slot === poisonSlot) contribution = poisoned(contribution, round, slot);
  const withheld = slot === withholdSlot;
  if (!withheld) await publishContribution(store, contribution);
  if (!(await due())) {
    log.warn({ ...context, slot }, "update not committed: the round closed meanwhile");
    return;
  }
  await chain.send(() => chain.contracts.RoundJobRegistry.write.commitUpdate([jobId, round, contribution.digest]));
  log.info({ ...context, slot, digest: contribution.digest, bytes: contribution.updateBytes.length, poisoned: slot === poisonSlot, withheld }, "update committed");
}

/**
 * After slot `dropped` of round `round` was dropped, or slot `unmaskedBy` posted its unmask shares, if this provider
 * took part in the round's secure aggregation (its state of the round is on disk): if `dropped` is its own slot,
 * removes its masked input from its store (`removeWithdrawnInput`); if it still holds its slot (and posted the unmask
 * shares, for the second trigger), posts its recovery answers for every withdrawn neighbour (`recoverWithdrawn`).
 */
export async function recoverIfDue(parameters: RoundProviderParameters, jobs: RoundJobs, jobId: bigint, round: number, trigger: { dropped: number } | { unmaskedBy: number }): Promise<void> {
  const { chain, store, dataDir, log, signal } = parameters;
  const context = { jobId: jobId.toString(), round };
  const stateFile = ownerRoundFile(dataDir, jobId, round, "secagg");
  if (!existsSync(stateFile)) {
    log.info(context, "recovery skipped: no slot of this provider took part in the round's secure aggregation");
    return;
  }
  const [holds, own] = await chain.contracts.RoundJobRegistry.read.slotOf([jobId, chain.account.address]);
  if (holds && "dropped" in trigger && own === trigger.dropped) {
    const removed = await removeWithdrawnInput(store, stateFile);
    log.warn({ ...context, slot: own, removed }, removed ? "this slot was dropped: its masked input is withdrawn and removed from the store" : "this slot was dropped before it committed a masked input: nothing to remove");
    return;
  }
  const slot = await activeSlotOf(chain, jobId);
  if (slot === undefined || ("unmaskedBy" in trigger && trigger.unmaskedBy !== slot)) {
    log.info(context, slot === undefined ? "recovery skipped: this provider's slot is no longer active" : "recovery skipped: another slot's unmask post");
    return;
  }
  const { prepared: job } = await jobs.load({ chain, store, jobId, log, signal });
  const config = await secureRoundConfig({ chain, jobId, round, slots: job.config.slots, vectorLength: job.model.params.length });
  const owners = await recoverWithdrawn({ chain, jobId, round, config, slot, stateFile });
  log.info({ ...context, slot, recoveredFor: owners }, owners.length === 0 ? "recovery: no neighbour out of the sum left to answer for" : "recovery shares posted");
}

/** The devnet's poisoned update: the honest one sign-flipped and scaled ×10, dense. */
function poisoned(honest: SlotContribution, round: number, slot: number): SlotContribution {
  const values = honest.transmitted.map((v) => -10 * v);
  const updateBytes = encodeUpdate({ round, slot, size: values.length, payload: { encoding: "denseF32", values } });
  return { ...honest, updateBytes, residualBytes: undefined, digest: contributionDigest(updateBytes), transmitted: values };
}

/**
 * Posts round `round`'s aggregate if the round awaits one: every included update fetched and aggregated by the spec's
 * rule, or under secure aggregation the survivors' mean computed from the round's ledger (`secureGlobalModel`).
 */
export async function aggregateIfDue(parameters: RoundProviderParameters, jobs: RoundJobs, jobId: bigint, round: number): Promise<void> {
  const { chain, store, threads, fetchTimeoutMs, pollMs, dishonestAggregate, log, signal } = parameters;
  const context = { jobId: jobId.toString(), round };
  const due = async () => {
    const job = await readRoundJob(chain, jobId);
    return job.status === RoundJobStatus.Aggregating && job.round === round && (await chainTime(chain)) < job.deadline ? job : undefined;
  };
  const open = await due();
  if (open === undefined) {
    log.info(context, "aggregation skipped: the round does not await an aggregate");
    return;
  }
  const { prepared: job } = await jobs.load({ chain, store, jobId, log, signal });
  const bounded = fetchBound(signal, fetchTimeoutMs);
  const inputs = { chain, store, job, jobId, round, bounded };
  let next: GlobalModel;
  let slots: number[];
  const dishonest = dishonestAggregate === true && (await readEvents({ chain, contract: chain.contracts.RoundJobRegistry, eventName: "AggregateVoided", args: { jobId } })).length === 0;
  if (dishonest) {
    // The devnet's dishonest aggregator: no sum, every parameter moved by 2^-10, posted before any unmask share.
    const global = await globalModelAt(inputs);
    next = outerStep({ global, aggregate: new Float32Array(global.params.length).fill(2 ** -10), outer: job.config.outer });
    slots = [];
  } else if (job.config.privateData?.secureAggregation !== undefined) {
    // Waits for t unmask shares of each secret: the survivors post them once training closed.
    const secure = await secureGlobalModel({ ...inputs, pollMs: pollMs ?? DEFAULT_POLL_MS, signal });
    next = secure.model;
    slots = secure.survivors;
  } else {
    const updates = await includedUpdates({ ...inputs, mask: open.activeMask & open.committedMask });
    next = await aggregateRound({ job, global: await globalModelAt(inputs), updates, threads, signal });
    slots = updates.map((u) => u.slot);
  }
  const notFinite = firstNonFinite(next);
  if (notFinite !== undefined) {
    // The right model overflowed: a global model holding it is invalid (no keeper accepts it, the referee refutes it).
    log.warn({ ...context, ...notFinite }, "aggregate not posted: the round's global model is not finite, so no aggregate of it is valid");
    return;
  }
  const digest = await publishGlobalModel(store, next);
  if ((await due()) === undefined) {
    log.info(context, "aggregate not posted: another keeper posted first, or the round moved on");
    return;
  }
  await chain.send(() => chain.contracts.RoundJobRegistry.write.postAggregate([jobId, round, digest]));
  log.info({ ...context, digest, slots, dishonest }, "aggregate posted");
}
