import { join } from "node:path";
import type { Logger } from "pino";
import { isAddressEqual, zeroAddress, zeroHash } from "viem";
import { committeeSeats } from "../chain/committeeSeats.ts";
import { followEvents } from "../chain/followEvents.ts";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import type { HeliaContentStore } from "../content/heliaContentStore.ts";
import { chainTime, DisputeRegistry, JobStatus, readJob } from "../jobs/jobOnChain.ts";
import { fetchDatasetManifest, reachableShards } from "../jobs/fetchDatasetManifest.ts";
import { decodeJobSpec, fetchJobSpec } from "../jobs/jobSpecBlock.ts";
import { fetchSpecAndModel, loadJob } from "../jobs/loadJob.ts";
import { specProgram } from "../jobs/specProgram.ts";
import { publishResult } from "../jobs/resultManifest.ts";
import type { RoleHealth } from "../runtime/roleHealth.ts";
import { programOf, stepTraceParameters } from "../trainingVm/jobProgram.ts";
import { segmentFault, type Dishonesty } from "./dishonesty.ts";
import { quoteJob, type CostModel } from "./costModel.ts";
import { runRoundProvider } from "../roundJobs/roundProvider.ts";
import { answerUpdateDispute } from "../roundJobs/updatePublication.ts";
import { loadRoundJob } from "../roundJobs/loadRoundJob.ts";
import { openNoiseSeed } from "../roundJobs/noiseOpening.ts";
import { ownedExamples } from "../roundJobs/privateRound.ts";
import { fetchBound } from "../roundJobs/roundInputs.ts";
import { AGGREGATE_SLOT } from "../roundJobs/roundJobStatus.ts";
import { runTraining } from "./runTraining.ts";
import { runGamePlayer } from "../games/runGamePlayer.ts";
import { publishResultOnChain } from "../jobs/resultPublication.ts";
import { traceOpening } from "../games/traceOpening.ts";
import { TraceWorker } from "../games/traceWorker.ts";
import { checkpointHash } from "../training/checkpoint.ts";
import type { SplitRange } from "../training/jobSpec.ts";
import { checkpointFilePath, readCheckpointFile } from "../training/checkpointFile.ts";
import { testAccuracyBps } from "./testAccuracy.ts";

/** Parameters of {@link runComputeRole}. */
export type ComputeRoleParameters = {
  chain: ProtocolConnection;
  /** A listening store: fetches specs, models and datasets, and serves the published results. */
  store: HeliaContentStore;
  /** Where the cursor and each job's checkpoints are kept. */
  dataDir: string;
  costModel: CostModel;
  /** Training threads (never changes a result). */
  threads: number;
  /** Devnet fault demo: every job's run wrong at this level of a dispute game, and its games played from it. */
  dishonesty?: Dishonesty;
  /** Devnet fault demo: holding this slot of a distributed job, commit its updates sign-flipped and scaled ×10 (see runRoundProvider). */
  poisonSlot?: number;
  /** Devnet fault demo: holding this slot of a distributed job, commit its updates without ever publishing them (see runRoundProvider). */
  withholdSlot?: number;
  /** Devnet fault demo: holding this slot of a private-data job under secure aggregation, seal garbage for most of its neighbours (`spoiledShares`). */
  spoilSlot?: number;
  /**
   * Devnet fault demo: holding this slot of a private-data job with DP-SGD, train with a noise seed other than the one
   * it committed to (a committee that has it open its seed finds its update is not the committed noise's).
   */
  falseNoiseSlot?: number;
  /** The examples this keeper holds as a data owner: it takes slots of private-data jobs whose owners hold as many. */
  privateData?: SplitRange;
  /** Devnet fault demo: until one of the job's aggregates is voided, its aggregates posted at once, from no updates: every parameter moved by 2^−10 (see aggregateIfDue). */
  dishonestAggregate?: boolean;
  /** Bound of each fetch of a distributed job's round blobs (global models, updates, residuals; ms): one not served within it counts as withheld. @default 30,000 */
  fetchTimeoutMs?: number;
  log: Logger;
  signal: AbortSignal;
  /** Served at `/healthz`: the loop's cursor, dead letters and the training task. */
  health?: RoleHealth;
  confirmations?: number;
  pollMs?: number;
  attempts?: number;
};

/** Tasks of the compute role are `job-<jobId>`: train and submit that job. */
const TASK_PREFIX = "job-";

/**
 * The compute provider: single-provider jobs here, the slots and aggregates of distributed jobs
 * beside them ({@link runRoundProvider}, its own loop and cursor), and its side of the dispute games
 * over its jobs ({@link runGamePlayer}: it forces every committee dispute of a job whose program it
 * replays into a game, and plays it from its own checkpoints on disk; it answers a dispute of its result as
 * published by publishing the trace and the last checkpoint on-chain, and one of a round update it committed by
 * publishing the update). Follows JobRegistry from a
 * persisted cursor ({@link followEvents}):
 * - `JobPosted`: fetches the spec, prices it with the cost model and bids that price when it
 *   covers the cost and beats the leading bid, and any training-VM program the job commits is
 *   its spec's, or, for a job without one, at least as many validators are active as a committee
 *   has seats (skips otherwise, saying why).
 * - `AuctionSettled` to this provider: starts the task `job-<id>` ({@link executeJob}): fetch
 *   spec, model and dataset, train (resuming from its last checkpoint on disk), publish
 *   checkpoints and the result manifest, submit the result. It runs beside the event loop,
 *   one job at a time, so the provider goes on bidding while it trains; a restart resumes it.
 * Every action re-reads the job first, so a restart repeats nothing already done on-chain.
 *
 * @example
 * await runComputeRole({ chain, store, dataDir, costModel, threads: 2, log, signal });
 */
export async function runComputeRole(parameters: ComputeRoleParameters): Promise<void> {
  const { chain, dataDir, log, signal, health, confirmations, pollMs, attempts } = parameters;
  const registry = chain.contracts.JobRegistry;
  const jobs = followEvents({
    chain,
    address: [registry.address],
    abi: registry.abi,
    eventName: ["JobPosted", "AuctionSettled"],
    role: "compute",
    dataDir,
    log,
    signal,
    health,
    confirmations,
    pollMs,
    attempts,
    handle: async (event, tasks) => {
      if (event.eventName === "JobPosted") await considerBid(parameters, event.args.jobId);
      else if (event.eventName === "AuctionSettled" && isAddressEqual(event.args.provider, chain.account.address)) tasks.start(`${TASK_PREFIX}${event.args.jobId}`);
    },
    runTask: (task, signal) => executeJob({ ...parameters, signal }, BigInt(task.slice(TASK_PREFIX.length))),
  });
  // The round loop and the game player keep their own cursors, tasks and dead letters; /healthz reports them
  // under `loops.rounds` and `loops.games`.
  const games = runGamePlayer({
    ...parameters,
    health: health?.loop("games"),
    side: "provider",
    traceOf: async (dispute, signal) => {
      const { prepared } = await loadJob({ chain, store: parameters.store, jobId: dispute.jobId, log, signal });
      const index = Number(dispute.checkpointIndex) - 1;
      const fault = segmentFault(prepared, parameters.dishonesty, index + 1);
      const checkpoint = readCheckpointFile(checkpointFilePath(jobDirectory(dataDir, dispute.jobId), index));
      return TraceWorker.start(stepTraceParameters({ job: prepared, step: prepared.checkpointSteps[index]!, checkpoint, fault }));
    },
    forceWith: async (dispute, signal) => {
      const { onChain, prepared } = await loadJob({ chain, store: parameters.store, jobId: dispute.jobId, log, signal });
      const program = onChain.program === zeroHash ? undefined : programOf(prepared);
      if (program?.hash !== onChain.program) return undefined;
      const directory = jobDirectory(dataDir, dispute.jobId);
      const hashes = prepared.checkpointSteps.map((_, index) => checkpointHash({ bytes: readCheckpointFile(checkpointFilePath(directory, index)), engineVersion: prepared.config.engineVersion }));
      return traceOpening(hashes, Number(dispute.checkpointIndex), program);
    },
    // The result as published, or a round slot's update, disputed: answered on-chain from the checkpoints on disk or
    // the update in the store, no committee drawn.
    publishFor: async (disputeId, dispute, signal) => {
      if (dispute.registry === DisputeRegistry.RoundJobs) {
        await answerUpdateDispute({ chain, store: parameters.store, disputeId, jobId: dispute.jobId, roundSlot: dispute.checkpointIndex, log, signal });
        return;
      }
      const { onChain, prepared } = await loadJob({ chain, store: parameters.store, jobId: dispute.jobId, log, signal });
      const program = programOf(prepared);
      if (program?.hash !== onChain.program) {
        // Never bid on (considerBid): the chain checks the program's preimage, which this keeper does not have.
        log.warn({ disputeId: disputeId.toString(), jobId: dispute.jobId.toString() }, "dispute unanswered: the job commits a program other than its spec's");
        return;
      }
      const directory = jobDirectory(dataDir, dispute.jobId);
      const checkpoints = prepared.checkpointSteps.map((_, index) => readCheckpointFile(checkpointFilePath(directory, index)));
      const hashes = checkpoints.map((bytes) => checkpointHash({ bytes, engineVersion: prepared.config.engineVersion }));
      await publishResultOnChain({ chain, disputeId, hashes, lastCheckpoint: checkpoints.at(-1)!, program, log, signal });
    },
    // A data owner's slot disputed before a committee: its noise seed opened to the committee (never to that of a
    // dispute of an aggregate it posted, which has no use for it).
    openFor: async (disputeId, dispute, signal) => {
      const { privateData } = parameters;
      if (privateData === undefined || (dispute.checkpointIndex & 255n) === BigInt(AGGREGATE_SLOT)) return;
      const { prepared: job } = await loadRoundJob({ chain, store: parameters.store, jobId: dispute.jobId, log, signal });
      if (job.config.privateData === undefined || job.config.step.privacy === undefined) return;
      await openNoiseSeed({
        chain, store: parameters.store, dataDir, disputeId, jobId: dispute.jobId, roundSlot: dispute.checkpointIndex, job, set: ownedExamples(privateData),
        threads: parameters.threads, bounded: fetchBound(signal, parameters.fetchTimeoutMs), pollMs: pollMs ?? 1_000, openMismatched: parameters.falseNoiseSlot !== undefined, log, signal,
      });
    },
  });
  await Promise.all([jobs, runRoundProvider({ ...parameters, health: health?.loop("rounds") }), games]);
}

/** Where job `jobId`'s checkpoints are kept (`checkpoint-<i>.bin`). */
const jobDirectory = (dataDir: string, jobId: bigint) => join(dataDir, "compute", `job-${jobId}`);

/** Bids on job `jobId` if it is open and worth it, and any training-VM program it commits is its spec's; returns the price bid, if any. */
export async function considerBid({ chain, store, costModel, log, signal }: ComputeRoleParameters, jobId: bigint): Promise<bigint | undefined> {
  const me = chain.account.address;
  const context = { jobId: jobId.toString() };
  const job = await readJob(chain, jobId);
  if (job.status !== JobStatus.Bidding || (await chainTime(chain)) >= job.deadline) {
    log.info({ ...context, status: job.status }, "bid skipped: bidding closed");
    return undefined;
  }
  if (isAddressEqual(job.provider, me)) {
    log.info(context, "bid skipped: leading already");
    return undefined;
  }
  const spec = await fetchJobSpec({ store, specDigest: job.specDigest, signal: AbortSignal.any([signal, AbortSignal.timeout(30_000)]) });
  const quote = quoteJob(spec, costModel);
  const quoted = { ...context, price: quote.price.toString(), cpuSeconds: quote.cpuSeconds, images: quote.images };
  if (quote.price > job.reward) {
    log.info({ ...quoted, reward: job.reward.toString() }, "bid skipped: reward below cost");
    return undefined;
  }
  if (job.provider !== zeroAddress && quote.price >= job.price) {
    log.info({ ...quoted, leadingPrice: job.price.toString() }, "bid skipped: leading bid below cost");
    return undefined;
  }
  // Without a program only a committee can judge a dispute of the job: with fewer active validators than seats, a
  // challenger could leave it without one, and the job would fail unpaid (docs/architecture.md, "No committee").
  if (job.program === zeroHash) {
    const { seats, active } = await committeeSeats(chain);
    if (active < seats) {
      log.warn({ ...quoted, activeValidators: active, seats }, `bid skipped: the job commits no training-VM program, so only a committee can judge a dispute of it, and ${active} validators are active for ${seats} seats`);
      return undefined;
    }
  }
  const { available } = await chain.contracts.StakeManager.read.stakeOf([me]);
  if (available < job.minStake) {
    log.warn({ ...quoted, available: available.toString(), minStake: job.minStake.toString() }, "bid skipped: not enough available stake");
    return undefined;
  }
  // A game replays the job's committed program, not its spec: an honest run of a spec whose program is another
  // would lose its games. Checked last, as it fetches the model and the images the spec reads (docs/training-vm.md §5).
  if (job.program !== zeroHash) {
    const bounded = () => AbortSignal.any([signal, AbortSignal.timeout(30_000)]);
    const { modelBytes } = await fetchSpecAndModel({ store, jobId, specDigest: job.specDigest, decode: (bytes, cid) => decodeJobSpec(bytes, cid).spec, bounded });
    const { manifest, reachable } = await fetchDatasetManifest({ chain, store, datasetId: job.datasetId, log, bounded });
    const computed = await specProgram({ manifest, source: reachableShards({ reachable, store, bounded }), spec, modelBytes });
    if (computed !== job.program) {
      const why = computed === undefined ? "the training VM cannot run its spec" : "it is not the program of its spec";
      log.warn({ ...quoted, program: job.program, computed }, `bid skipped: the job commits a training-VM program, and ${why}`);
      return undefined;
    }
  }
  await chain.send(() => chain.contracts.JobRegistry.write.bid([jobId, quote.price]));
  log.info(quoted, "bid placed");
  return quote.price;
}

/** Trains, publishes and submits job `jobId` if it is assigned to this provider and not submitted yet. */
export async function executeJob({ chain, store, dataDir, threads, dishonesty, log, signal }: ComputeRoleParameters, jobId: bigint): Promise<void> {
  const context = { jobId: jobId.toString() };
  const assigned = async () => {
    const job = await readJob(chain, jobId);
    return job.status === JobStatus.Assigned && isAddressEqual(job.provider, chain.account.address) && (await chainTime(chain)) < job.deadline;
  };
  if (!(await assigned())) {
    log.info(context, "job skipped: not (or no longer) assigned to this provider");
    return;
  }
  const { onChain, prepared } = await loadJob({ chain, store, jobId, log, signal });
  log.info({ ...context, checkpoints: prepared.checkpointSteps.length, steps: prepared.totalSteps }, "training started");
  const run = await runTraining({
    job: prepared,
    directory: jobDirectory(dataDir, jobId),
    threads,
    dishonesty,
    signal,
    onCheckpoint: (index, count) => log.debug({ ...context, index, count }, "checkpoint written"),
  });
  if (run.resumedFrom > 0) log.info({ ...context, resumedFrom: run.resumedFrom }, "training resumed from a checkpoint on disk");
  const metric = await testAccuracyBps({ job: prepared, params: run.finalState.params, threads });
  const published = await publishResult({
    store,
    job: prepared,
    specDigest: onChain.specDigest,
    checkpointCount: run.count,
    readCheckpoint: run.readCheckpoint,
    signal,
  });
  if (!(await assigned())) {
    log.warn(context, "result not submitted: the job is no longer assigned to this provider");
    return;
  }
  await chain.send(() => chain.contracts.JobRegistry.write.submitResult([jobId, published.resultDigest, published.traceRoot, metric]));
  log.info({ ...context, metric, resultDigest: published.resultDigest, traceRoot: published.traceRoot, manifest: published.manifestCid.toString() }, "result submitted");
}
