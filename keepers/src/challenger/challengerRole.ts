import type { Logger } from "pino";
import { isAddressEqual, zeroHash, type Hex } from "viem";
import { approveThenSend } from "../chain/approveThenSend.ts";
import { followEvents } from "../chain/followEvents.ts";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import type { HeliaContentStore } from "../content/heliaContentStore.ts";
import { chainTime, JobStatus, readJob } from "../jobs/jobOnChain.ts";
import { loadJob } from "../jobs/loadJob.ts";
import { checkServed, condemnsResult, fetchResult } from "../jobs/resultManifest.ts";
import type { RoleHealth } from "../runtime/roleHealth.ts";
import { runRoundChecker } from "../roundJobs/roundChecker.ts";
import { runGamePlayer } from "../games/runGamePlayer.ts";
import { traceOpening } from "../games/traceOpening.ts";
import { TraceWorker } from "../games/traceWorker.ts";
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
 * ({@link condemnsResult}), is challenged as published (`challengeResult`): a committee judges it,
 * and its provider cannot force that into a game. A result whose job is no longer
 * open to challenge (disputed by someone else, window closed) is skipped.
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
    eventName: ["ResultSubmitted"],
    role: "challenger",
    dataDir,
    log,
    signal,
    health,
    confirmations,
    pollMs,
    attempts,
    handle: async (event, tasks) => {
      if (!isAddressEqual(event.args.provider, chain.account.address)) tasks.start(`${TASK_PREFIX}${event.args.jobId}`);
    },
    runTask: (task, signal) => checkAndChallenge({ ...parameters, signal }, BigInt(task.slice(TASK_PREFIX.length))),
  });
  // The round loop and the game player keep their own cursors, tasks and dead letters; /healthz reports them
  // under `loops.rounds` and `loops.games`. A game is played from the provider's checkpoint before the disputed
  // one, which the challenger re-executed.
  const games = runGamePlayer({
    ...parameters,
    health: health?.loop("games"),
    side: "challenger",
    traceOf: async (dispute, signal) => {
      const { onChain, prepared } = await loadJob({ chain, store, jobId: dispute.jobId, log, signal });
      const result = await fetchResult({ store, jobId: dispute.jobId, onChain, job: prepared, bounded: () => AbortSignal.any([signal, AbortSignal.timeout(30_000)]) });
      const index = Number(dispute.checkpointIndex) - 1;
      return TraceWorker.start(stepTraceParameters({ job: prepared, step: prepared.checkpointSteps[index]!, checkpoint: await result.checkpoint(index) }));
    },
  });
  await Promise.all([jobs, runRoundChecker({ ...parameters, health: health?.loop("rounds") }), games]);
}

/**
 * Checks job `jobId`'s result and challenges it if wrong: its first wrong checkpoint, or the result as published when
 * that is not served or contradicts its commitment.
 */
export async function checkAndChallenge({ chain, store, segments, threads, log, signal }: ChallengerRoleParameters, jobId: bigint): Promise<void> {
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
  let hashes: readonly Hex[] | undefined;
  const wrong = await fetchResult({ store, jobId, onChain, job: prepared, bounded: () => AbortSignal.any([signal, AbortSignal.timeout(30_000)]) }).then(
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
    log.info({ ...context, segments }, "result verified: no wrong checkpoint found");
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
