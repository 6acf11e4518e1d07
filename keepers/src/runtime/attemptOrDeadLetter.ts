import type { Logger } from "pino";
import { isRpcUnavailable } from "../chain/isRpcUnavailable.ts";
import { VeritrainError } from "../errors.ts";
import type { DeadLetterFile } from "./deadLetterFile.ts";
import { retry } from "./retry.ts";

/** Parameters of {@link attemptOrDeadLetter}. */
export type AttemptOrDeadLetterParameters = {
  /** The work: an event's handler or a task. Idempotent (it re-reads the chain before acting). */
  work: () => Promise<void>;
  /** Names the work in logs and in its dead letter, e.g. `{ event: "JobPosted", block: "12", logIndex: 0 }`. */
  what: Record<string, unknown>;
  /** Failures before the work is given up (an unreachable RPC does not count: it decides nothing). */
  attempts: number;
  /** Delay before the first retry, doubled after each one up to `maxDelayMs`. */
  delayMs: number;
  maxDelayMs: number;
  deadLetters: DeadLetterFile;
  log: Logger;
  signal: AbortSignal;
};

/**
 * The keepers' policy for work that fails: retry with exponential backoff; for as long as the
 * chain's RPC is unreachable without counting ({@link isRpcUnavailable}), otherwise up to
 * `attempts` failures; then append it to the role's dead-letter file, log it, and return `false`
 * so the role moves on — on record, never silently.
 *
 * @returns `true` once the work succeeded, `false` once it was dead-lettered.
 * @throws VeritrainError `ABORTED` when `signal` aborts: the work is neither done nor given up.
 * @example
 * const handled = await attemptOrDeadLetter({ work: () => handle(event), what: { event: "JobPosted" }, attempts: 5, delayMs: 1000, maxDelayMs: 30_000, deadLetters, log, signal });
 */
export async function attemptOrDeadLetter({ work, what, attempts, delayMs, maxDelayMs, deadLetters, log, signal }: AttemptOrDeadLetterParameters): Promise<boolean> {
  let failures = 0;
  try {
    await retry(work, {
      attempts: Infinity,
      delayMs,
      maxDelayMs,
      signal,
      shouldRetry: (error) => isRpcUnavailable(error) || ++failures < attempts,
      onRetry: (error, attempt, delay) =>
        isRpcUnavailable(error)
          ? log.warn({ ...what, err: error, attempt, delayMs: delay }, "chain unreachable; retrying the work")
          : log.warn({ ...what, err: error, failures, attempts, delayMs: delay }, "work failed; retrying"),
    });
    return true;
  } catch (error) {
    if (signal.aborted) throw error;
    const code = error instanceof VeritrainError ? error.code : ((error as { code?: unknown })?.code ?? "UNKNOWN");
    deadLetters.add({ work: what, attempts: failures, error: { code: String(code), message: error instanceof Error ? error.message : String(error) } });
    log.error({ ...what, err: error, attempts: failures, deadLetters: deadLetters.file }, "work dead-lettered");
    return false;
  }
}
