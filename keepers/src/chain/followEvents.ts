import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { parseEventLogs, type Abi, type Address, type ContractEventName, type ParseEventLogsReturnType } from "viem";
import { openBlockCursor } from "./blockCursor.ts";
import type { ProtocolConnection } from "./protocolContracts.ts";

/** Parameters of {@link followEvents}. */
export type FollowEventsParameters<TAbi extends Abi, TName extends ContractEventName<TAbi>> = {
  chain: ProtocolConnection;
  /** Contracts whose logs are read. */
  address: Address[];
  abi: TAbi;
  eventName: TName[];
  /** File of the persisted block cursor. */
  cursorFile: string;
  /** Handles one event; a throw is logged and retried up to `attempts` times, then the event is skipped. */
  handle: (event: ParseEventLogsReturnType<TAbi, TName[], true>[number]) => Promise<void>;
  log: Logger;
  signal: AbortSignal;
  /** Blocks an event must have on top of it (counting its own) before it is handled (default 1). */
  confirmations?: number;
  /** Delay between polls of the chain (default 500 ms). */
  pollMs?: number;
  /** Most blocks read per poll (default 2,000). */
  blockRange?: bigint;
  /** Attempts at an event whose handling fails (default 3). */
  attempts?: number;
};

/**
 * The event loop of a keeper role: reads `eventName` logs from a persisted block cursor, only
 * from blocks with `confirmations`, hands each to `handle` in chain order, and advances the cursor
 * past a block range only once every event in it was handled (or given up after `attempts`). A
 * restart therefore resumes at the first range not finished; handlers re-read on-chain state
 * before acting, so an event handled twice does nothing the second time.
 *
 * @example
 * await followEvents({ chain, address: [jobs.address], abi: jobs.abi, eventName: ["JobPosted"],
 *   cursorFile: join(dataDir, "compute.cursor.json"), handle: async (event) => { … }, log, signal });
 */
export async function followEvents<const TAbi extends Abi, TName extends ContractEventName<TAbi>>({
  chain,
  address,
  abi,
  eventName,
  cursorFile,
  handle,
  log,
  signal,
  confirmations = 1,
  pollMs = 500,
  blockRange = 2_000n,
  attempts = 3,
}: FollowEventsParameters<TAbi, TName>): Promise<void> {
  const cursor = openBlockCursor(cursorFile);
  const pause = () => sleep(pollMs, undefined, { signal }).catch(() => undefined);
  while (!signal.aborted) {
    const head = (await chain.publicClient.getBlockNumber()) - BigInt(confirmations - 1);
    const from = cursor.next();
    if (from <= head) {
      const to = from + blockRange - 1n < head ? from + blockRange - 1n : head;
      const logs = await chain.publicClient.getLogs({ address, fromBlock: from, toBlock: to });
      for (const event of parseEventLogs({ abi, logs, eventName })) {
        for (let attempt = 1; attempt <= attempts && !signal.aborted; attempt++) {
          try {
            await handle(event);
            break;
          } catch (error) {
            const context = { event: event.eventName, block: event.blockNumber.toString(), attempt };
            if (signal.aborted) break;
            log.error({ err: error, ...context }, attempt < attempts ? "event handling failed; retrying" : "event handling failed; skipped");
            if (attempt < attempts) await pause();
          }
        }
        if (signal.aborted) return;
      }
      cursor.advance(to + 1n);
      if (to < head) continue;
    }
    await pause();
  }
}
