import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { isAddressEqual, zeroHash, type Hex } from "viem";
import { approveThenSend } from "../chain/approveThenSend.ts";
import { followEvents } from "../chain/followEvents.ts";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import type { HeliaContentStore } from "../content/heliaContentStore.ts";
import { chainTime, JobStatus, readJob } from "../jobs/jobOnChain.ts";
import { loadJob } from "../jobs/loadJob.ts";
import { checkServed, condemnsResult, fetchResult } from "../jobs/resultManifest.ts";
import { readPublishedResult } from "../jobs/resultPublication.ts";
import { runTraining } from "../compute/runTraining.ts";
import { checkpointHash } from "../training/checkpoint.ts";
import { checkpointFilePath, readCheckpointFile } from "../training/checkpointFile.ts";
import type { RoleHealth } from "../runtime/roleHealth.ts";
import { runRoundChecker } from "../roundJobs/roundChecker.ts";
import { runGamePlayer } from "../games/runGamePlayer.ts";
import { traceOpening } from "../games/traceOpening.ts";
import { TraceWorker } from "../games/traceWorker.ts";
import type { PreparedJob } from "../training/preparedJob.ts";
import { programOf, stepTraceParameters } from "../trainingVm/jobProgram.ts";
import { findWrongCheckpoint, type WrongCheckpoint } from "./findWrongCheckpoint.ts";

/** Parameters of {@link runChallengerRole}. */
export type ChallengerRoleParameters = {
  chain: ProtocolConnection;
  /** A listening store connected to the providers whose results it checks. */
  store: HeliaContentStore;
  dataDir: string;
  /** "all" re-runs whole jobs; a number re-executes that many random segments per result. */
  segments: "all" | number;
  threads: number;
  log: Logger;
  signal: AbortSignal;
  /** Served at `/healthz`: the loop's cursor, dead letters and the re-executions. */
  health?: RoleHealth;
  confirmations?: number;
  pollMs?: number;
  attempts?: number;
  /** Bound of each fetch of a distributed job's round blobs (global models, updates, residuals; ms): one not served within it counts as withheld. @default 30,000 */
  fetchTimeoutMs?: number;
};

/** Tasks of the challenger are `job-<jobId>`: check that job's result and challenge it if wrong. */
const TASK_PREFIX = "job-";

/** Where the challenger keeps its own run of a job whose result was published on-chain (`checkpoint-<i>.bin`). */
const ownRunDirectory = (dataDir: string, jobId: bigint) => join(dataDir, "challenger", `job-${jobId}`);

/**
 * The challenger: single-provider results here, distributed jobs' rounds beside them
 * ({@link runRoundChecker}, its own loop and cursor), and its side of the dispute games it opened or
 * that providers forced ({@link runGamePlayer}). Follows `ResultSubmitted` from a persisted cursor ({@link followEvents}) and
 * starts the task `job-<id>` for each other provider's result ({@link checkAndChallenge}, beside
 * the event loop, one at a time, resumed after a restart): fetch the result the provider
 * published (its manifest and every checkpoint, checked against the on-chain result digest and trace root), re-execute it
 * ({@link findWrongCheckpoint}) and, only when a checkpoint does not follow from the previous
 * one, challenge it with the hash it computed, posting the bond: by a game when the job commits the
 * training-VM program of its spec, before the committee otherwise. A published result that
 * contradicts its commitment, or that no connected peer serves within 30 s per block
 * ({@link condemnsResult}), is challenged as published (`challengeResult`), which its provider cannot force into a
 * game: it answers by publishing the result on-chain if the job commits a program, a committee judges it otherwise.
 * When such a dispute ends with the result published on-chain (`JobResumed` on a job `publishedIn` names), the
 * task runs again: it re-executes the whole job itself, from checkpoint 0, and compares its hashes with the published
 * trace ({@link checkPublished}), since the checkpoints between the first and the last are on no chain and may be on
 * no peer. A result whose job is no longer open to challenge (disputed by someone else, window closed) is skipped.
 *
 * @example
 * await runChallengerRole({ chain, store, dataDir, segments: "all", threads: 2, log, signal });
 */
export async function runChallengerRole(parameters: ChallengerRoleParameters): Promise<void> {
  const { chain, store, dataDir, log, signal, health, confirmations, pollMs, attempts } = parameters;
  const registry = chain.contracts.JobRegistry;
  const jobs = followEvents({
    chain,
    address: [registry.address],
    abi: registry.abi,
    eventName: ["ResultSubmitted", "JobResumed"],
    role: "challenger",
    dataDir,
    log,
    signal,
    health,
    confirmations,
    pollMs,
    attempts,
    handle: async (event, tasks) => {
      const { jobId } = event.args;
      if (event.eventName === "JobResumed") {
        // Only a result an availability dispute published is checked again: it may now be checked from the chain.
        if ((await chain.contracts.Disputes.read.publishedIn([jobId])) === 0n) return;
        if (isAddressEqual((await readJob(chain, jobId)).provider, chain.account.address)) return;
      } else if (isAddressEqual(event.args.provider, chain.account.address)) return;
      tasks.start(`${TASK_PREFIX}${jobId}`);
    },
    runTask: (task, signal) => checkAndChallenge({ ...parameters, signal }, BigInt(task.slice(TASK_PREFIX.length))),
  });
  // The round loop and the game player keep their own cursors, tasks and dead letters; /healthz reports them
  // under `loops.rounds` and `loops.games`. A game is played from the checkpoint before the disputed one: the
  // challenger's own, when it re-ran the job against a trace published on-chain, or the provider's, which it
  // re-executed.
  const games = runGamePlayer({
    ...parameters,
    health: health?.loop("games"),
    side: "challenger",
    traceOf: async (dispute, signal) => {
      const { onChain, prepared } = await loadJob({ chain, store, jobId: dispute.jobId, log, signal });
      const index = Number(dispute.checkpointIndex) - 1;
      const own = checkpointFilePath(ownRunDirectory(dataDir, dispute.jobId), index);
      const checkpoint = existsSync(own)
        ? readCheckpointFile(own)
        : await (await fetchResult({ store, jobId: dispute.jobId, onChain, job: prepared, bounded: () => AbortSignal.any([signal, AbortSignal.timeout(30_000)]) })).checkpoint(index);
      return TraceWorker.start(stepTraceParameters({ job: prepared, step: prepared.checkpointSteps[index]!, checkpoint }));
    },
  });
  await Promise.all([jobs, runRoundChecker({ ...parameters, health: health?.loop("rounds") }), games]);
}

/**
 * Checks job `jobId`'s result and challenges it if wrong: its first wrong checkpoint, or the result as published when
 * that is not served or contradicts its commitment.
 */
export async function checkAndChallenge({ chain, store, dataDir, segments, threads, log, signal }: ChallengerRoleParameters, jobId: bigint): Promise<void> {
  const context = { jobId: jobId.toString() };
  const challengeable = async () => {
    const job = await readJob(chain, jobId);
    return job.status === JobStatus.Submitted && (await chainTime(chain)) < job.deadline;
  };
  if (!(await challengeable())) {
    log.info(context, "result skipped: not open to challenge");
    return;
  }
  const { onChain, prepared } = await loadJob({ chain, store, jobId, log, signal });
  const published = await readPublishedResult({ chain, jobId });
  let hashes: readonly Hex[] | undefined = published?.hashes;
  const wrong = published !== undefined ? await checkPublished({ dataDir, jobId, job: prepared, hashes: published.hashes, threads, signal }) : await fetchResult({ store, jobId, onChain, job: prepared, bounded: () => AbortSignal.any([signal, AbortSignal.timeout(30_000)]) }).then(
    async (result) => {
      hashes = result.hashes;
      await checkServed(result);
      return findWrongCheckpoint({ job: prepared, result, segments, threads, signal });
    },
    (error: unknown): WrongCheckpoint | "result" => {
      if (!condemnsResult(error, signal)) throw error;
      // Published data contradicting the commitment, or none served: no checkpoint to name, and nothing a game replays.
      log.warn({ ...context, err: error }, error.code === "RESULT_INVALID" ? "published result contradicts its on-chain commitment" : "result unavailable");
      return "result";
    },
  );
  if (wrong === undefined) {
    log.info({ ...context, segments: published === undefined ? segments : "all" }, published === undefined ? "result verified: no wrong checkpoint found" : "result verified against the trace published on-chain");
    return;
  }
  if (wrong !== "result") log.warn({ ...context, ...wrong }, "wrong checkpoint found");
  if (!(await challengeable())) {
    log.info(context, "challenge skipped: the result is no longer open to challenge");
    return;
  }
  const { Disputes } = chain.contracts;
  const bond = await Disputes.read.challengeBond();
  const tokens = { amount: bond, label: "challenge bond" };
  if (wrong === "result") {
    await approveThenSend({
      chain,
      action: "challenging",
      spender: Disputes.address,
      tokens,
      simulate: () => Disputes.simulate.challengeResult([jobId], { account: chain.account }),
      estimateGas: () => Disputes.estimateGas.challengeResult([jobId], { account: chain.account }),
      write: () => Disputes.write.challengeResult([jobId]),
    });
    log.info({ ...context, bond: bond.toString() }, "result challenged as published");
    return;
  }
  // A job whose committed program is its spec's (and a published trace to open) is disputed by a game, no
  // committee drawn; the game player plays it (runGamePlayer). Any other goes to the committee.
  const program = onChain.program !== zeroHash && hashes !== undefined && wrong.index >= 1 ? programOf(prepared) : undefined;
  if (program !== undefined && program.hash === onChain.program) {
    const args = [jobId, BigInt(wrong.index), wrong.hash, traceOpening(hashes!, wrong.index, program)] as const;
    await approveThenSend({
      chain,
      action: "challenging",
      spender: Disputes.address,
      tokens,
      simulate: () => Disputes.simulate.challengeByGame(args, { account: chain.account }),
      estimateGas: () => Disputes.estimateGas.challengeByGame(args, { account: chain.account }),
      write: () => Disputes.write.challengeByGame(args),
    });
    log.info({ ...context, ...wrong, bond: bond.toString() }, "result challenged by a game");
    return;
  }
  const args = [jobId, BigInt(wrong.index), wrong.hash] as const;
  await approveThenSend({
    chain,
    action: "challenging",
    spender: Disputes.address,
    tokens,
    simulate: () => Disputes.simulate.challenge(args, { account: chain.account }),
    estimateGas: () => Disputes.estimateGas.challenge(args, { account: chain.account }),
    write: () => Disputes.write.challenge(args),
  });
  log.info({ ...context, ...wrong, bond: bond.toString() }, "result challenged");
}

/**
 * Checks a result published on-chain: re-runs job `jobId` from checkpoint 0 into the challenger's own directory
 * (resumed from its last file after a restart) and returns the first checkpoint whose hash differs from the
 * published trace's `hashes`, if any. The files stay: a game over that checkpoint is played from the one before it.
 */
async function checkPublished({ dataDir, jobId, job, hashes, threads, signal }: { dataDir: string; jobId: bigint; job: PreparedJob; hashes: readonly Hex[]; threads: number; signal: AbortSignal }): Promise<WrongCheckpoint | undefined> {
  const run = await runTraining({ job, directory: ownRunDirectory(dataDir, jobId), threads, signal });
  for (let index = 0; index < run.count; index++) {
    const hash = checkpointHash({ bytes: run.readCheckpoint(index), engineVersion: job.config.engineVersion });
    if (hash !== hashes[index]) return { index, hash };
  }
  return undefined;
}
