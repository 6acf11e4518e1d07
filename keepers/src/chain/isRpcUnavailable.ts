import { HttpRequestError, LimitExceededRpcError, SocketClosedError, TimeoutError, WebSocketRequestError } from "viem";

/** Rate-limit codes some providers answer with instead of HTTP 429 (viem retries them too). */
const RATE_LIMITED = new Set([429, -32007, LimitExceededRpcError.code]);

/**
 * Whether `error` (or one of its causes) says the chain's JSON-RPC endpoint did not answer:
 * connection refused or reset, timeout, an HTTP error status, a rate limit. Such a failure
 * decides nothing about the work that hit it (a revert or a bad argument would), so the keepers
 * retry it for as long as the outage lasts instead of counting it against the work.
 *
 * @example
 * retry(() => handle(event), { attempts: Infinity, shouldRetry: (e, n) => isRpcUnavailable(e) || n < 5 });
 */
export function isRpcUnavailable(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof HttpRequestError || cause instanceof TimeoutError || cause instanceof SocketClosedError || cause instanceof WebSocketRequestError) return true;
    if ("code" in cause && typeof cause.code === "number" && RATE_LIMITED.has(cause.code)) return true;
  }
  return false;
}
