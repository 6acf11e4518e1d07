import { VeritrainError } from "../errors.ts";

/**
 * Throws VeritrainError `ABORTED` (the abort reason as its cause) when `signal` is aborted: the
 * check long work makes between its steps, so a shutdown ends it within one step.
 *
 * @example
 * for (const segment of segments) { throwIfAborted(signal, "re-execution"); await run(segment); }
 */
export function throwIfAborted(signal: AbortSignal | undefined, what = "work"): void {
  if (signal?.aborted) throw new VeritrainError(`${what} aborted`, { code: "ABORTED", cause: signal.reason, details: { what } });
}
