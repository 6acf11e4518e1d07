import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { parseEventLogs, type Abi, type Address, type ContractEventName, type ParseEventLogsReturnType } from "viem";
import { VeritrainError } from "../errors.ts";
import { attemptOrDeadLetter } from "../runtime/attemptOrDeadLetter.ts";
import { openDeadLetterFile } from "../runtime/deadLetterFile.ts";
import { retry } from "../runtime/retry.ts";
import { createRoleHealth, type RoleHealth } from "../runtime/roleHealth.ts";
import { createTaskQueue } from "../runtime/taskQueue.ts";
import { openBlockCursor } from "./blockCursor.ts";
import type { ProtocolConnection } from "./protocolContracts.ts";
import { LOG_BLOCK_RANGE } from "./readEvents.ts";

/** An event as a role's handler gets it (decoded, with block number and log index). */
export type FollowedEvent<TAbi extends Abi, TName extends ContractEventName<TAbi>> = ParseEventLogsReturnType<TAbi, TName[], true>[number];

/** What a handler may do besides acting at once. */
export type EventTasks = {
  /** Starts long work (see `runTask`) and returns at once; a task already unfinished is not started twice. */
  start(id: string): void;
};

/** Parameters of {@link followEvents}. */
export type FollowEventsParameters<TAbi extends Abi, TName extends ContractEventName<TAbi>> = {
  chain: Pick<ProtocolConnection, "publicClient" | "deploymentBlock">;
  /** Contracts whose logs are read. */
  address: Address[];
  abi: TAbi;
  eventName: TName[];
  /** The role: names its files in `dataDir` (`<role>.cursor.json`, `<role>.dead-letters.jsonl`, `<role>.tasks.json`). */
  role: string;
  dataDir: string;
  /**
   * Handles one event, re-reading the chain before acting (it may see an event twice after a
   * crash). A throw is retried, then dead-lettered (see `attempts`). Long work goes to `tasks.start`.
   */
  handle: (event: FollowedEvent<TAbi, TName>, tasks: EventTasks) => Promise<void>;
  /** Runs task `id` (started by `handle`, or left unfinished by an earlier run); retried and dead-lettered like a handler. */
  runTask?: (id: string, signal: AbortSignal) => Promise<void>;
  /** Work of each round once every event up to the head is handled (e.g. upkeeps): it re-derives what to do from the chain, so a failure is logged and left to the next round. */
  everyRound?: () => Promise<void>;
  /** Told the loop's progress, its dead letters and its tasks (served at `/healthz`). */
  health?: RoleHealth;
  log: Logger;
  signal: AbortSignal;
  /** Blocks an event must have on top of it (counting its own) before it is handled. @default 1 */
  confirmations?: number;
  /**
   * Delay between polls of the chain once at its head. Each poll costs the keeper and the node a request:
   * a devnet's ~35 keepers polling every 500 ms kept a third of a core busy while idle.
   * @default 1,000
   */
  pollMs?: number;
  /**
   * Longest delay between polls while no event comes: after each poll that handled none the delay doubles, from
   * `pollMs` up to this; an event brings it back to `pollMs`. Each poll costs two requests and a cursor write (a
   * devnet mines a block every second): a devnet's ~30 keepers polling every second kept its 2-core machine busy
   * while idle, and a public RPC counts every request.
   * @default 4 × pollMs
   */
  idlePollMs?: number;
  /** Most blocks read per `eth_getLogs`. @default {@link LOG_BLOCK_RANGE} */
  blockRange?: bigint;
  /** Failures of one handler or task before it is dead-lettered (an unreachable RPC does not count). @default 5 */
  attempts?: number;
  /** Delay before the first retry of a failed read, handler or task; doubled after each one. @default 1,000 */
  retryDelayMs?: number;
  /** Longest delay between two retries. @default 30,000 */
  maxRetryDelayMs?: number;
  /** Tasks run at once. @default 1 */
  taskConcurrency?: number;
};

/**
 * The event loop of every keeper role. It reads `eventName` logs from a persisted cursor, only
 * from blocks with `confirmations`, and hands each to `handle` in chain order; the cursor moves
 * past an event only once its handler succeeded or the event was dead-lettered (after `attempts`
 * failures, with backoff: `<role>.dead-letters.jsonl`), so a restart resumes at the first event
 * not finished. Reads of the chain are retried with backoff for as long as its RPC does not
 * answer, so an outage pauses the role and it catches up after. Long work runs as tasks beside
 * the loop (persisted, resumed after a restart). Returns when `signal` aborts, once the running
 * tasks have stopped.
 *
 * @example
 * await followEvents({ chain, address: [jobs.address], abi: jobs.abi, eventName: ["JobPosted", "AuctionSettled"],
 *   role: "compute", dataDir, log, signal,
 *   handle: async (event, tasks) => (event.eventName === "JobPosted" ? bid(event.args.jobId) : tasks.start(`job-${event.args.jobId}`)),
 *   runTask: (id, signal) => train(id, signal) });
 */
export async function followEvents<const TAbi extends Abi, TName extends ContractEventName<TAbi>>({
  chain,
  address,
  abi,
  eventName,
  role,
  dataDir,
  handle,
  runTask,
  everyRound,
  health = createRoleHealth(role),
  log,
  signal,
  confirmations = 1,
  pollMs = 1_000,
  idlePollMs = 4 * pollMs,
  blockRange = LOG_BLOCK_RANGE,
  attempts = 5,
  retryDelayMs = 1_000,
  maxRetryDelayMs = 30_000,
  taskConcurrency = 1,
}: FollowEventsParameters<TAbi, TName>): Promise<void> {
  // A new keeper starts at the deployment's first block: no protocol event is older.
  const cursor = openBlockCursor(join(dataDir, `${role}.cursor.json`), chain.deploymentBlock);
  const deadLetters = openDeadLetterFile(join(dataDir, `${role}.dead-letters.jsonl`));
  health.update({ cursor: cursor.next(), deadLetters: deadLetters.count() });
  const attempt = async (work: () => Promise<void>, what: Record<string, unknown>) => {
    const handled = await attemptOrDeadLetter({ work, what, attempts, delayMs: retryDelayMs, maxDelayMs: maxRetryDelayMs, deadLetters, log, signal });
    health.update({ deadLetters: deadLetters.count() });
    return handled;
  };
  const queue =
    runTask &&
    createTaskQueue({
      file: join(dataDir, `${role}.tasks.json`),
      run: (id) => attempt(() => runTask(id, signal), { task: id }),
      concurrency: taskConcurrency,
      onChange: (tasks) => health.update({ tasks }),
      log,
      signal,
    });
  const tasks: EventTasks = {
    start(id) {
      if (!queue) throw new VeritrainError(`the ${role} role runs no tasks`, { code: "TASKS_UNSUPPORTED", details: { role, task: id } });
      queue.start(id);
    },
  };
  // Reading the chain decides nothing: it is retried for as long as the RPC does not answer.
  const read = async <T>(call: () => Promise<T>): Promise<T> => {
    const value = await retry(call, {
      attempts: Infinity,
      delayMs: retryDelayMs,
      maxDelayMs: maxRetryDelayMs,
      signal,
      onRetry: (error, attempt, delayMs) => {
        health.update({ rpcError: error instanceof Error ? error.message.split("\n")[0] : String(error) });
        log.warn({ err: error, attempt, delayMs }, "chain unreachable; retrying");
      },
    });
    health.update({ rpcError: undefined });
    return value;
  };

  try {
    let delayMs = pollMs;
    while (!signal.aborted) {
      const lastBlock = await read(() => chain.publicClient.getBlockNumber());
      const head = lastBlock - BigInt(confirmations - 1);
      const from = cursor.next();
      let handled = 0;
      if (from <= head) {
        const to = from + blockRange - 1n < head ? from + blockRange - 1n : head;
        const logs = await read(() => chain.publicClient.getLogs({ address, fromBlock: from, toBlock: to }));
        for (const event of parseEventLogs({ abi, logs, eventName })) {
          if (event.blockNumber === from && event.logIndex < cursor.nextLogIndex()) continue;
          const what = { event: event.eventName, block: event.blockNumber.toString(), logIndex: event.logIndex, transaction: event.transactionHash };
          await attempt(() => handle(event, tasks), { ...what, args: event.args });
          cursor.handled(event);
          handled++;
        }
        cursor.advance(to + 1n);
        health.update({ cursor: cursor.next(), lastBlock, lag: head - to });
        if (to < head) continue;
      }
      delayMs = handled > 0 ? pollMs : Math.min(2 * delayMs, idlePollMs);
      health.update({ phase: "following", cursor: cursor.next(), lastBlock, lag: 0n });
      if (everyRound) await everyRound().catch((error: unknown) => void (signal.aborted || log.warn({ err: error }, "round's work failed; retried on the next round")));
      await sleep(delayMs, undefined, { signal }).catch(() => undefined);
    }
  } catch (error) {
    // A read, handler or task stopped by the shutdown: the cursor stays before its event.
    if (!signal.aborted) throw error;
  } finally {
    health.update({ phase: "stopping" });
    await queue?.idle();
  }
}
