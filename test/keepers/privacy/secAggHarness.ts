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

/** Bytes each participant sent and received, and milliseconds spent on each side. */
export type RoundTraffic = { sent: number[]; received: number[]; clientMs: number[]; serverMs: number };

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
  const traffic: RoundTraffic = { sent: new Array(n).fill(0), received: new Array(n).fill(0), clientMs: new Array(n).fill(0), serverMs: 0 };
  const up = (id: number) => (bytes: number) => void (traffic.sent[id]! += bytes);
  const down = (id: number) => (bytes: number) => void (traffic.received[id]! += bytes);
  const silent = (list: number[] | undefined, id: number) => list?.includes(id) === true;
  const client = <T>(id: number, step: () => T): T => {
    const start = performance.now();
    const result = step();
    traffic.clientMs[id]! += performance.now() - start;
    return result;
  };
  const clientAsync = async <T>(id: number, step: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    const result = await step();
    traffic.clientMs[id]! += performance.now() - start;
    return result;
  };
  const server = async <T>(step: () => T | Promise<T>): Promise<T> => {
    const start = performance.now();
    const result = await step();
    traffic.serverMs += performance.now() - start;
    return result;
  };

  const advertised = Array.from({ length: n }, (_, id) => client(id, () => advertiseKeys({ config, id })));
  const keys = await server(() => collectPublicKeys(config, advertised.map(({ message }) => wire(message, up(message.from)))));

  const sharing = new Map<number, Awaited<ReturnType<typeof shareKeys>>>();
  for (const roster of keys.rosters) {
    const received = wire(roster, down(roster.to));
    if (silent(dropouts.beforeShares, roster.to)) continue;
    sharing.set(roster.to, await clientAsync(roster.to, () => shareKeys(advertised[roster.to]!.state, received)));
  }
  const routed = await server(() => routeShares(keys.state, [...sharing.values()].map(({ message }) => wire(message, up(message.from)))));

  const masked = new Map<number, ReturnType<typeof maskInput>>();
  for (const forwarded of routed.forwarded) {
    const received = wire(forwarded, down(forwarded.to));
    if (silent(dropouts.beforeInput, forwarded.to)) continue;
    masked.set(forwarded.to, client(forwarded.to, () => maskInput(sharing.get(forwarded.to)!.state, received, inputs[forwarded.to]!)));
  }
  const collected = await server(() => collectMaskedInputs(routed.state, [...masked.values()].map(({ message }) => wire(message, up(message.from)))));

  const replies: UnmaskSharesMessage[] = [];
  for (const request of collected.requests) {
    const received = wire(request, down(request.to));
    if (silent(dropouts.afterInput, request.to)) continue;
    replies.push(wire(client(request.to, () => revealShares(masked.get(request.to)!.state, received)), up(request.to)));
  }
  const result = await server(() => unmaskSum(collected.state, replies));
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
