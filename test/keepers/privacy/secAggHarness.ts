/**
 * Runs one whole secure-aggregation round in memory, every message passed through its bytes,
 * with participants dropping out at a chosen stage. Shared by the tests and bench/secAgg.ts.
 */
import { collectMaskedInputs, collectPublicKeys, routeShares, unmaskSum, type UnmaskedSum } from "../../../keepers/src/privacy/secAgg/aggregator.ts";
import { decodeSecAggMessage, encodeSecAggMessage } from "../../../keepers/src/privacy/secAgg/messageCodec.ts";
import type { SecAggMessage, UnmaskSharesMessage } from "../../../keepers/src/privacy/secAgg/messages.ts";
import { advertiseKeys, maskInput, revealShares, shareKeys } from "../../../keepers/src/privacy/secAgg/participant.ts";
import type { SecAggConfig } from "../../../keepers/src/privacy/secAgg/secAggConfig.ts";

/** Who goes silent, by stage: after advertising keys, after sending shares, after sending the masked input. */
export type Dropouts = { beforeShares?: number[]; beforeInput?: number[]; afterInput?: number[] };

/** The four stages, as docs/secure-aggregation.md names them. */
export const STAGES = ["setup", "shareKeys", "collectMaskedVectors", "unmask"] as const;
type Stage = (typeof STAGES)[number];

/**
 * Bytes each participant sent and received, and the milliseconds each side spent in each stage
 * (encoding and decoding of messages excluded: the transport's).
 */
export type RoundTraffic = { sent: number[]; received: number[]; clientMs: Record<Stage, number[]>; serverMs: Record<Stage, number> };

/** The message as the other side reads it: encoded, counted, decoded. */
function wire<M extends SecAggMessage>(message: M, count: (bytes: number) => void): M {
  const bytes = encodeSecAggMessage(message);
  count(bytes.length);
  return decodeSecAggMessage(bytes) as M;
}

/**
 * One round over `inputs` (input u is participant u's quantised vector). Returns the server's
 * unmasked sum, the traffic and the masked vectors the server saw.
 */
export async function runRound(
  config: SecAggConfig,
  inputs: readonly Uint32Array[],
  dropouts: Dropouts = {},
): Promise<UnmaskedSum & { traffic: RoundTraffic; maskedInputs: Map<number, Uint32Array> }> {
  const n = config.participants;
  const traffic: RoundTraffic = {
    sent: new Array(n).fill(0),
    received: new Array(n).fill(0),
    clientMs: Object.fromEntries(STAGES.map((stage) => [stage, new Array(n).fill(0)])) as Record<Stage, number[]>,
    serverMs: Object.fromEntries(STAGES.map((stage) => [stage, 0])) as Record<Stage, number>,
  };
  const up = (id: number) => (bytes: number) => void (traffic.sent[id]! += bytes);
  const down = (id: number) => (bytes: number) => void (traffic.received[id]! += bytes);
  const silent = (list: number[] | undefined, id: number) => list?.includes(id) === true;
  const timed = async <T>(step: () => T | Promise<T>, record: (ms: number) => void): Promise<T> => {
    const start = performance.now();
    const result = await step();
    record(performance.now() - start);
    return result;
  };
  const client = <T>(stage: Stage, id: number, step: () => T | Promise<T>) => timed(step, (ms) => void (traffic.clientMs[stage][id]! += ms));
  const server = <T>(stage: Stage, step: () => T | Promise<T>) => timed(step, (ms) => void (traffic.serverMs[stage] += ms));

  const advertised: ReturnType<typeof advertiseKeys>[] = [];
  for (let id = 0; id < n; id++) advertised.push(await client("setup", id, () => advertiseKeys({ config, id })));
  const publicKeys = advertised.map(({ message }) => wire(message, up(message.from)));
  const keys = await server("setup", () => collectPublicKeys(config, publicKeys));

  const sharing = new Map<number, Awaited<ReturnType<typeof shareKeys>>>();
  for (const roster of keys.rosters) {
    const received = wire(roster, down(roster.to));
    if (silent(dropouts.beforeShares, roster.to)) continue;
    sharing.set(roster.to, await client("shareKeys", roster.to, () => shareKeys(advertised[roster.to]!.state, received)));
  }
  const encryptedShares = [...sharing.values()].map(({ message }) => wire(message, up(message.from)));
  const routed = await server("shareKeys", () => routeShares(keys.state, encryptedShares));

  const masked = new Map<number, ReturnType<typeof maskInput>>();
  for (const forwarded of routed.forwarded) {
    const received = wire(forwarded, down(forwarded.to));
    if (silent(dropouts.beforeInput, forwarded.to)) continue;
    masked.set(forwarded.to, await client("collectMaskedVectors", forwarded.to, () => maskInput(sharing.get(forwarded.to)!.state, received, inputs[forwarded.to]!)));
  }
  const maskedInputs = [...masked.values()].map(({ message }) => wire(message, up(message.from)));
  const collected = await server("collectMaskedVectors", () => collectMaskedInputs(routed.state, maskedInputs));

  const replies: UnmaskSharesMessage[] = [];
  for (const request of collected.requests) {
    const received = wire(request, down(request.to));
    if (silent(dropouts.afterInput, request.to)) continue;
    replies.push(wire(await client("unmask", request.to, () => revealShares(masked.get(request.to)!.state, received)), up(request.to)));
  }
  const result = await server("unmask", () => unmaskSum(collected.state, replies));
  return { ...result, traffic, maskedInputs: new Map([...masked].map(([id, { message }]) => [id, message.words])) };
}

/** Σ inputs[u] over `members`, mod 2^32, computed on plain numbers: the reference sum. */
export function plainSum(inputs: readonly Uint32Array[], members: readonly number[]): Uint32Array {
  const length = inputs[0]!.length;
  const sum = new Uint32Array(length);
  for (let i = 0; i < length; i++) {
    let total = 0;
    for (const u of members) total += inputs[u]![i]!;
    sum[i] = total % 4_294_967_296;
  }
  return sum;
}

/** Chi-square upper critical value for 255 degrees of freedom at p ≈ 10^−6 (Wilson–Hilferty). */
export const CHI2_255_P1E6 = 377;

/** Pearson's chi-square of byte counts against the uniform distribution over 256 values. */
export function chiSquareBytes(bytes: Uint8Array): number {
  const counts = new Array<number>(256).fill(0);
  for (const byte of bytes) counts[byte]!++;
  const expected = bytes.length / 256;
  return counts.reduce((sum, count) => sum + (count - expected) * (count - expected) / expected, 0);
}
