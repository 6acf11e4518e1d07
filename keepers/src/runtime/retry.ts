import { setTimeout as sleep } from "node:timers/promises";
import { throwIfAborted } from "./throwIfAborted.ts";

/** Parameters of {@link retry}. */
export type RetryParameters = {
  /** Calls in all, the first included; `Infinity` retries until success, a refusal of `shouldRetry`, or abort. @default 3 */
  attempts?: number;
  /** Delay before the first retry, in ms. @default 500 */
  delayMs?: number;
  /** Factor applied to the delay after each retry (1: a constant delay). @default 2 */
  backoff?: number;
  /** Longest delay between two calls, in ms. @default 30,000 */
  maxDelayMs?: number;
  /** Whether a failure of call `attempt` (1-based) is retried. @default every failure */
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Told before each retry (log it here). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Stops the retries, and the wait between two calls at once. */
  signal?: AbortSignal;
};

/** The delay before retry `attempt` (1-based): `delayMs · backoff^(attempt − 1)`, at most `maxDelayMs`. */
const delayBefore = (attempt: number, delayMs: number, backoff: number, maxDelayMs: number) => Math.min(maxDelayMs, delayMs * backoff ** (attempt - 1));

/**
 * Calls `fn` until it resolves, waiting `delayMs` (growing by `backoff`, capped at `maxDelayMs`)
 * between calls. The keepers' one retry and poll primitive: RPC reads that must outlive an
 * outage, event handlers retried before they are dead-lettered, the devnet's waits.
 *
 * @throws the last error once `attempts` calls failed or `shouldRetry` refused one;
 *   VeritrainError `ABORTED` (the abort reason as cause) when `signal` aborts, even mid-wait.
 * @example
 * const head = await retry(() => client.getBlockNumber(), {
 *   attempts: Infinity, signal,
 *   onRetry: (err, attempt, delayMs) => log.warn({ err, attempt, delayMs }, "chain unreachable; retrying"),
 * });
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T> | T,
  { attempts = 3, delayMs = 500, backoff = 2, maxDelayMs = 30_000, shouldRetry = () => true, onRetry, signal }: RetryParameters = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(signal, "retry");
    try {
      return await fn(attempt);
    } catch (error) {
      // A call cut short by the abort is the abort, not a failure to retry or report.
      throwIfAborted(signal, "retry");
      if (attempt >= attempts || !shouldRetry(error, attempt)) throw error;
      const delay = delayBefore(attempt, delayMs, backoff, maxDelayMs);
      onRetry?.(error, attempt, delay);
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }
}
