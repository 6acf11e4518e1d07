import { VeritrainError } from "../errors.ts";

/** drand's public HTTP relay for the evmnet beacon (v2 API: `GET {url}/rounds/{round}` → `{ round, signature }`). */
export const DEFAULT_DRAND_URL = "https://api.drand.sh/v2/beacons/evmnet";

/** Parameters of {@link fetchBeacon}. */
export type FetchBeaconParameters = {
  /** The beacon's base URL, e.g. {@link DEFAULT_DRAND_URL}; `/rounds/{round}` is appended. */
  url: string;
  /** The round to fetch. */
  round: bigint;
  /** Aborts the request. */
  signal?: AbortSignal;
  /** Gives up on a silent endpoint after this many ms. @default 10,000 */
  timeoutMs?: number;
};

/** What {@link fetchBeacon} returns: the round and its G1 signature `[x, y]`. */
export type FetchBeaconReturnType = { round: bigint; signature: readonly [bigint, bigint] };

/** The URL without credentials, for logs and errors. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    return parsed.toString();
  } catch {
    return "(unparsable URL)";
  }
}

/**
 * Fetches round `round` of a drand BN254 beacon over HTTP. The answer is not trusted: callers verify the
 * signature ({@link verifyBeacon}) before relaying it.
 *
 * @throws VeritrainError `DRAND_ROUND_NOT_PUBLISHED` (HTTP 404 or 425: too early), `DRAND_FETCH_FAILED`
 *   (network error, other status, or a malformed answer).
 * @example
 * const { signature } = await fetchBeacon({ url: DEFAULT_DRAND_URL, round: 10_000_000n, signal });
 */
export async function fetchBeacon({ url, round, signal, timeoutMs = 10_000 }: FetchBeaconParameters): Promise<FetchBeaconReturnType> {
  const endpoint = `${url.replace(/\/+$/, "")}/rounds/${round}`;
  const details = { url: redact(url), round: round.toString() };
  const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
  let response: Response;
  try {
    response = await fetch(endpoint, { signal: AbortSignal.any(signals), headers: { accept: "application/json" } });
  } catch (error) {
    throw new VeritrainError(`drand endpoint unreachable for round ${round}`, { code: "DRAND_FETCH_FAILED", details, cause: error });
  }
  if (response.status === 404 || response.status === 425) {
    throw new VeritrainError(`drand round ${round} is not published yet`, { code: "DRAND_ROUND_NOT_PUBLISHED", details });
  }
  if (!response.ok) {
    throw new VeritrainError(`drand endpoint answered HTTP ${response.status} for round ${round}`, { code: "DRAND_FETCH_FAILED", details: { ...details, status: response.status } });
  }
  const body = (await response.json().catch(() => undefined)) as { round?: unknown; signature?: unknown } | undefined;
  const signature = typeof body?.signature === "string" ? body.signature.replace(/^0x/, "") : "";
  const bodyRound = typeof body?.round === "number" || typeof body?.round === "string" ? String(body.round) : "";
  if (!/^\d+$/.test(bodyRound) || BigInt(bodyRound) !== round || !/^[0-9a-fA-F]{128}$/.test(signature)) {
    throw new VeritrainError(`drand endpoint sent a malformed beacon for round ${round}`, { code: "DRAND_FETCH_FAILED", details });
  }
  return { round, signature: [BigInt(`0x${signature.slice(0, 64)}`), BigInt(`0x${signature.slice(64)}`)] };
}
