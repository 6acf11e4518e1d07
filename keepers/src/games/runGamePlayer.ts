import type { Logger } from "pino";
import { isAddressEqual, zeroHash } from "viem";
import { followEvents } from "../chain/followEvents.ts";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { VeritrainError } from "../errors.ts";
import { DisputeRegistry, DisputeStatus, RESULT_DISPUTE } from "../jobs/jobOnChain.ts";
import type { RoleHealth } from "../runtime/roleHealth.ts";
import { playGame } from "./playGame.ts";
import type { TraceOpening } from "./traceOpening.ts";
import type { TraceWorker } from "./traceWorker.ts";

/** A dispute as Disputes stores it (`getDispute`). */
export type DisputeOnChain = Awaited<ReturnType<ProtocolConnection["contracts"]["Disputes"]["read"]["getDispute"]>>;

/** Parameters of {@link runGamePlayer}. */
export type GamePlayerParameters = {
  chain: ProtocolConnection;
  /** Which side of its disputes this keeper plays: the accused provider (the compute role) or the challenger. */
  side: "provider" | "challenger";
  /**
   * The run this side plays `dispute`'s game with, from the checkpoint before the disputed one (stepTraceParameters),
   * in a worker thread of its own: closed when the game's task ends, however it ends.
   */
  traceOf: (dispute: DisputeOnChain, signal: AbortSignal) => Promise<TraceWorker>;
  /**
   * The provider's opening of a committee dispute's segment, to force it into a game (`forceGame`), or undefined to
   * leave the dispute to the committee (a job that commits no program it can replay).
   */
  forceWith?: (dispute: DisputeOnChain, signal: AbortSignal) => Promise<TraceOpening | undefined>;
  /**
   * The provider's answer to an availability dispute (the result as published, of a job that commits a program; a
   * round slot's update, `challengeUpdate`): publishes the result (`publishResultOnChain`) or the update
   * (`publishUpdateOnChain`) on-chain to its end. Without it such disputes are left alone.
   */
  publishFor?: (disputeId: bigint, dispute: DisputeOnChain, signal: AbortSignal) => Promise<void>;
  /**
   * The provider's answer to a committee dispute of its round slot (a data owner's): opens its noise seed to the
   * committee (`openNoiseSeed`). Without it such disputes are left to the committee as they are.
   */
  openFor?: (disputeId: bigint, dispute: DisputeOnChain, signal: AbortSignal) => Promise<void>;
  dataDir: string;
  log: Logger;
  signal: AbortSignal;
  /** Served at `/healthz` (the role's `loops.games`). */
  health?: RoleHealth;
  confirmations?: number;
  pollMs?: number;
  attempts?: number;
};

/** Tasks of the game player are `game-<disputeId>` (play that dispute's game to its end), `publish-<disputeId>`
 * (answer that availability dispute by publishing the result on-chain) and `open-<disputeId>` (open a noise seed to
 * that dispute's committee). */
const TASK_PREFIX = "game-";
const PUBLISH_PREFIX = "publish-";
const OPEN_PREFIX = "open-";

/**
 * Games played at once. Every open game's clock runs on its mover's turn, so a game queued behind others loses time
 * it did not use: games are played side by side, each in its worker thread (a copy of the training split and a few
 * states of the VM: ~0.1 GB for LeNet-5 on MNIST). Past this bound a game waits for a place.
 */
const GAMES_AT_ONCE = 8;

/**
 * The keepers' side of dispute games (docs/dispute-game.md §5). Follows Disputes' `DisputeOpened`, `RoundDisputeOpened`
 * and `DisputeGameStarted` from a persisted cursor ({@link followEvents}, role `<compute|challenger>-games`); for each
 * dispute this account is the `side` of:
 * - a committee dispute of a checkpoint against this provider that `forceWith` opens is forced into a game at once
 *   (the force period is short: the committee's verdict waits for it);
 * - a dispute of the result as published (`RESULT_DISPUTE`) against this provider, of a job that commits a program,
 *   is a task `publish-<disputeId>` (resumed after a restart) that publishes the result on-chain with `publishFor`;
 *   of any other job, it is the committee's;
 * - an availability dispute of a round slot's update against this provider (`challengeUpdate`: no claimed hash) is a
 *   task `publish-<disputeId>` too; a committee dispute of its round slot is a task `open-<disputeId>` (`openFor`);
 * - a started game is a task `game-<disputeId>` (resumed after a restart) that plays it to its end ({@link playGame})
 *   with the trace `traceOf` gives, computed in a worker thread so that the keeper's event loop goes on answering.
 *
 * @example
 * await runGamePlayer({ chain, side: "challenger", traceOf, dataDir, log, signal });
 */
export async function runGamePlayer({ chain, side, traceOf, forceWith, publishFor, openFor, dataDir, log, signal, health, confirmations, pollMs, attempts }: GamePlayerParameters): Promise<void> {
  const { Disputes } = chain.contracts;
  const mine = (dispute: DisputeOnChain) => isAddressEqual(side === "provider" ? dispute.provider : dispute.challenger, chain.account.address);
  await followEvents({
    chain,
    address: [Disputes.address],
    abi: Disputes.abi,
    eventName: ["DisputeOpened", "RoundDisputeOpened", "DisputeGameStarted"],
    role: `${side === "provider" ? "compute" : "challenger"}-games`,
    dataDir,
    log,
    signal,
    health,
    confirmations,
    pollMs,
    attempts,
    taskConcurrency: GAMES_AT_ONCE,
    handle: async (event, tasks) => {
      const { disputeId } = event.args;
      const dispute = await Disputes.read.getDispute([disputeId]);
      if (!mine(dispute)) return;
      if (event.eventName === "DisputeGameStarted") {
        tasks.start(`${TASK_PREFIX}${disputeId}`);
        return;
      }
      if (dispute.status !== DisputeStatus.Open) return;
      if (dispute.registry === DisputeRegistry.RoundJobs) {
        if (dispute.claimedHash === zeroHash) {
          if (publishFor !== undefined) tasks.start(`${PUBLISH_PREFIX}${disputeId}`);
        } else if (openFor !== undefined) tasks.start(`${OPEN_PREFIX}${disputeId}`);
        return;
      }
      if (dispute.checkpointIndex === RESULT_DISPUTE) {
        if (publishFor !== undefined && (await chain.contracts.JobRegistry.read.programOf([dispute.jobId])) !== zeroHash) tasks.start(`${PUBLISH_PREFIX}${disputeId}`);
        return;
      }
      if (forceWith === undefined) return;
      const opening = await forceWith(dispute, signal);
      const context = { disputeId: disputeId.toString(), jobId: dispute.jobId.toString(), checkpoint: Number(dispute.checkpointIndex) };
      if (opening === undefined) {
        log.info(context, "dispute left to the committee: the job commits no program this keeper replays");
        return;
      }
      try {
        await chain.send(() => Disputes.write.forceGame([disputeId, opening]));
      } catch (error) {
        // Too late (a loaded or restarted keeper): the committee decides it.
        if (!(error instanceof VeritrainError && error.details.error === "DisputesForcePeriodOver")) throw error;
        log.warn(context, "dispute left to the committee: its force period is over");
        return;
      }
      log.info(context, "dispute forced into a game");
    },
    runTask: async (task, taskSignal) => {
      const answer = task.startsWith(PUBLISH_PREFIX) ? { prefix: PUBLISH_PREFIX, act: publishFor!, what: "publication" } : task.startsWith(OPEN_PREFIX) ? { prefix: OPEN_PREFIX, act: openFor!, what: "opening" } : undefined;
      if (answer !== undefined) {
        const disputeId = BigInt(task.slice(answer.prefix.length));
        const dispute = await Disputes.read.getDispute([disputeId]);
        if (dispute.status !== DisputeStatus.Open) {
          log.info({ disputeId: disputeId.toString(), status: dispute.status }, `${answer.what} skipped: the dispute is decided`);
          return;
        }
        await answer.act(disputeId, dispute, taskSignal);
        return;
      }
      const disputeId = BigInt(task.slice(TASK_PREFIX.length));
      const dispute = await Disputes.read.getDispute([disputeId]);
      const context = { disputeId: disputeId.toString(), gameId: dispute.gameId.toString() };
      if (dispute.status !== DisputeStatus.InGame) {
        log.info({ ...context, status: dispute.status }, "game skipped: the dispute is decided");
        return;
      }
      const trace = await traceOf(dispute, taskSignal);
      // A move's computation can take seconds: an abort (a shutdown) stops it instead of waiting for it.
      const stop = () => void trace.close();
      taskSignal.addEventListener("abort", stop, { once: true });
      try {
        await playGame({ chain, gameId: dispute.gameId, trace, log: log.child({ disputeId: context.disputeId }), signal: taskSignal, pollMs });
      } finally {
        taskSignal.removeEventListener("abort", stop);
        await trace.close();
      }
    },
  });
}
