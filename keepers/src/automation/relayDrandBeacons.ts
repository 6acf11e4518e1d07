import type { Logger } from "pino";
import { type Address, isAddressEqual, parseAbi } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { simulates } from "../chain/simulates.ts";
import { VeritrainError } from "../errors.ts";
import { fetchBeacon, type FetchBeaconReturnType } from "../drand/fetchBeacon.ts";
import { verifyBeacon } from "../drand/verifyBeacon.ts";
import { retry } from "../runtime/retry.ts";

/** The parts of DrandBeaconCoordinator (contracts/interfaces/IDrandBeaconCoordinator.sol) a relayer uses. */
export const DRAND_COORDINATOR_ABI = parseAbi([
  "function requestCount() view returns (uint256)",
  "function getRequest(uint256 requestId) view returns ((address consumer, uint64 round, uint32 callbackGasLimit, uint32 numWords, uint8 status))",
  "function roundTime(uint64 round) view returns (uint256)",
  "function publicKey() view returns (uint256[4])",
  "function genesisTime() view returns (uint64)",
  "function fulfillRandomWords(uint256 requestId, uint256[2] signature)",
]);

/** RequestStatus.Pending. */
const PENDING = 1;

/** Fulfilments one pass sends at most (the rest wait for the next pass). */
const MAX_PER_PASS = 32;

/** Parameters of {@link relayDrandBeacons}. */
export type RelayDrandBeaconsParameters = {
  chain: Pick<ProtocolConnection, "publicClient" | "walletClient" | "account" | "send">;
  /** The DrandBeaconCoordinator. */
  coordinator: Address;
  /** The beacon's HTTP base URL (`/rounds/{round}` is appended). */
  url: string;
  /** Only these consumers' requests are relayed (the protocol's: anyone may request, the keeper pays for its own). */
  consumers: readonly Address[];
  /** Kept between passes: every request below `nextId` is settled or not ours. Starts at 1. */
  cursor: { nextId: bigint };
  log: Logger;
  signal: AbortSignal;
  /** Wall-clock time in seconds (drand publishes round r at `roundTime(r)` real time). @default Date.now() / 1000 */
  now?: () => bigint;
};

/**
 * One pass of the drand relay: for every Pending request of `consumers` whose round's time has passed,
 * fetches the round from `url` (retrying a failed fetch), checks the signature locally against the
 * coordinator's key ({@link verifyBeacon}), checks the fulfilment by simulation (another relayer may have
 * answered), and sends `fulfillRandomWords`. A round not yet published, or a beacon that fails the local
 * check, is left for the next pass. The chain is the cursor: a restarted keeper rescans from request 1
 * (reads only) and neither repeats nor skips a fulfilment.
 *
 * @returns the number of requests answered in this pass.
 * @example
 * const cursor = { nextId: 1n };
 * await relayDrandBeacons({ chain, coordinator, url: DEFAULT_DRAND_URL, consumers, cursor, log, signal });
 */
export async function relayDrandBeacons({
  chain,
  coordinator,
  url,
  consumers,
  cursor,
  log,
  signal,
  now = () => BigInt(Math.floor(Date.now() / 1000)),
}: RelayDrandBeaconsParameters): Promise<number> {
  const read = <T>(functionName: string, args: readonly unknown[] = []) =>
    chain.publicClient.readContract({ address: coordinator, abi: DRAND_COORDINATOR_ABI, functionName, args } as never) as Promise<T>;
  const count = await read<bigint>("requestCount");
  const beacons = new Map<bigint, FetchBeaconReturnType | undefined>();
  let publicKey: readonly [bigint, bigint, bigint, bigint] | undefined;
  let answered = 0;
  let contiguous = true;
  for (let id = cursor.nextId; id <= count && answered < MAX_PER_PASS; id++) {
    const request = await read<{ consumer: Address; round: bigint; status: number }>("getRequest", [id]);
    const ours = consumers.some((consumer) => isAddressEqual(consumer, request.consumer));
    if (request.status !== PENDING || !ours) {
      if (contiguous) cursor.nextId = id + 1n;
      continue;
    }
    const context = { requestId: id.toString(), round: request.round.toString() };
    const settled = await relay(id, request.round, context);
    if (settled && contiguous) cursor.nextId = id + 1n;
    else contiguous = false;
    if (settled) answered++;
  }
  return answered;

  /** Relays request `id` if its round is out and verifies; whether the request is now answered. */
  async function relay(id: bigint, round: bigint, context: Record<string, string>): Promise<boolean> {
    if (now() < (await read<bigint>("roundTime", [round]))) return false;
    if (!beacons.has(round)) beacons.set(round, await fetchRound(round, context));
    const beacon = beacons.get(round);
    if (beacon === undefined) return false;
    publicKey ??= await read<readonly [bigint, bigint, bigint, bigint]>("publicKey");
    const valid = await verifyBeacon({ round, signature: beacon.signature, publicKey }).catch(() => false);
    if (!valid) {
      log.warn({ ...context, url }, "drand endpoint served a beacon that does not verify; not relayed");
      beacons.set(round, undefined);
      return false;
    }
    const call = { address: coordinator, abi: DRAND_COORDINATOR_ABI, functionName: "fulfillRandomWords", args: [id, beacon.signature] } as const;
    if (!(await simulates(() => chain.publicClient.simulateContract({ ...call, account: chain.account })))) {
      log.info(context, "drand relay skipped: the request is answered already");
      return false;
    }
    await chain.send(() => chain.walletClient.writeContract({ ...call, account: chain.account, chain: null }));
    log.info(context, "drand beacon relayed");
    return true;
  }

  async function fetchRound(round: bigint, context: Record<string, string>) {
    try {
      return await retry(() => fetchBeacon({ url, round, signal }), {
        attempts: 3,
        signal,
        shouldRetry: (error) => error instanceof VeritrainError && error.code === "DRAND_FETCH_FAILED",
        onRetry: (error, attempt, delayMs) => log.warn({ ...context, err: error, attempt, delayMs }, "drand fetch failed; retrying"),
      });
    } catch (error) {
      if (signal.aborted) throw error;
      const notYet = error instanceof VeritrainError && error.code === "DRAND_ROUND_NOT_PUBLISHED";
      if (notYet) log.debug(context, "drand round not published yet");
      else log.warn({ ...context, err: error }, "drand fetch failed; retried on the next pass");
      return undefined;
    }
  }
}
