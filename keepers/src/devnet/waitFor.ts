import { VeritrainError } from "../errors.ts";
import { retry } from "../runtime/retry.ts";

/** Options of {@link waitFor}. */
export type WaitForOptions = {
  /** @default 120,000 */
  timeoutMs?: number;
  /** @default 500 */
  pollMs?: number;
  /** Aborts the wait (e.g. Ctrl-C): VeritrainError `ABORTED`. */
  signal?: AbortSignal;
};

/**
 * Polls `probe` (with {@link retry}, at a constant `pollMs`) until it returns something other
 * than `undefined` or `false`, and returns it; `DEVNET_TIMEOUT` naming `what` after `timeoutMs`.
 * A probe that throws ends the wait with that error.
 *
 * @example
 * const job = await waitFor("job 1 finalized", async () => { const j = await readJob(chain, 1n); return j.status === JobStatus.Finalized && j; });
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, { timeoutMs = 120_000, pollMs = 500, signal }: WaitForOptions = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const notYet = new VeritrainError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`, { code: "DEVNET_TIMEOUT", details: { what, timeoutMs } });
  return retry(
    async () => {
      const value = await probe();
      if (value === undefined || value === false) throw notYet;
      return value;
    },
    { attempts: Infinity, delayMs: pollMs, backoff: 1, signal, shouldRetry: (error) => error === notYet && Date.now() <= deadline },
  );
}
