/**
 * Runs one whole secure-aggregation round in memory, every message passed through its bytes, each
 * participant posting its stage digests on an in-memory ledger (the chain's part), with participants
 * dropping out at a chosen stage. Shared by the tests and bench/secAgg.ts.
 */
import { collectComplaints, collectMaskedInputs, collectPublicKeys, routeShares, unmaskSum, type RoundTranscript, type UnmaskedSum } from "../../../keepers/src/privacy/secAgg/aggregator.ts";
import { decodeSecAggMessage, encodeSecAggMessage } from "../../../keepers/src/privacy/secAgg/messageCodec.ts";
import type { SecAggMessage, UnmaskSharesMessage } from "../../../keepers/src/privacy/secAgg/messages.ts";
import { advertiseKeys, checkEnvelopes, maskInput, revealShares, shareKeys } from "../../../keepers/src/privacy/secAgg/participant.ts";
import { ledgerDigest, type LedgerMessage } from "../../../keepers/src/privacy/secAgg/roundLedger.ts";
import type { SecAggConfig } from "../../../keepers/src/privacy/secAgg/secAggConfig.ts";

/** Who goes silent, by stage: after advertising keys, after sending shares, after its complaints, after sending the masked input. */
export type Dropouts = { beforeShares?: number[]; beforeComplaints?: number[]; beforeInput?: number[]; afterInput?: number[] };

/** The five stages, as docs/secure-aggregation.md names them. */
export const STAGES = ["setup", "shareKeys", "complaints", "collectMaskedVectors", "unmask"] as const;
type Stage = (typeof STAGES)[number];

/** Bytes of one ledger post: a 32-byte digest (the transaction around it is the chain's). */
export const LEDGER_POST_BYTES = 32;

/**
 * Bytes each participant sent (its ledger posts included) and received, and the milliseconds each side spent in
 * each stage (encoding and decoding of messages excluded: the transport's).
 */
export type RoundTraffic = { sent: number[]; received: number[]; clientMs: Record<Stage, number[]>; serverMs: Record<Stage, number> };

/** The message as the other side reads it: encoded, counted, decoded. */
function wire<M extends SecAggMessage>(message: M, count: (bytes: number) => void): M {
  const bytes = encodeSecAggMessage(message);
  count(bytes.length);
  return decodeSecAggMessage(bytes) as M;
}

/** An empty ledger, its maps writable. */
export function emptyLedger() {
  return { keys: new Map<number, Uint8Array>(), shares: new Map<number, Uint8Array>(), complaints: new Map<number, Uint8Array>(), inputs: new Map<number, Uint8Array>() };
}

/**
 * One round over `inputs` (input u is participant u's quantised vector). Returns the server's
 * unmasked sum, the traffic and the round's public transcript (ledger, posted messages, reveal).
 */
export async function runRound(
  config: SecAggConfig,
  inputs: readonly Uint32Array[],
  dropouts: Dropouts = {},
): Promise<UnmaskedSum & { traffic: RoundTraffic; transcript: RoundTranscript }> {
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
  const ledger = emptyLedger();
  /** The message sent to the server, and its digest posted on the ledger, both by its sender. */
  const post = <M extends LedgerMessage>(entries: Map<number, Uint8Array>, message: M): M => {
    entries.set(message.from, ledgerDigest(message));
    up(message.from)(LEDGER_POST_BYTES);
    return wire(message, up(message.from));
  };

  const advertised: ReturnType<typeof advertiseKeys>[] = [];
  for (let id = 0; id < n; id++) advertised.push(await client("setup", id, () => advertiseKeys({ config, id })));
  const publicKeys = advertised.map(({ message }) => post(ledger.keys, message));
  const keys = await server("setup", () => collectPublicKeys(config, publicKeys, ledger));

  const sharing = new Map<number, Awaited<ReturnType<typeof shareKeys>>>();
  for (const roster of keys.rosters) {
    const received = wire(roster, down(roster.to));
    if (silent(dropouts.beforeShares, roster.to)) continue;
    sharing.set(roster.to, await client("shareKeys", roster.to, () => shareKeys(advertised[roster.to]!.state, received, ledger)));
  }
  const encryptedShares = [...sharing.values()].map(({ message }) => post(ledger.shares, message));
  const routed = await server("shareKeys", () => routeShares(keys.state, encryptedShares, ledger));

  const checked = new Map<number, ReturnType<typeof checkEnvelopes>>();
  for (const forwarded of routed.forwarded) {
    const received = wire(forwarded, down(forwarded.to));
    if (silent(dropouts.beforeComplaints, forwarded.to)) continue;
    checked.set(forwarded.to, await client("complaints", forwarded.to, () => checkEnvelopes(sharing.get(forwarded.to)!.state, received, ledger)));
  }
  const complaints = [...checked.values()].map(({ message }) => post(ledger.complaints, message));
  // The ledger as every party reads it once the complaints are checked: only C's complaints posts stand.
  const cleared = await server("complaints", () => collectComplaints(routed.state, complaints, ledger));

  const masked = new Map<number, ReturnType<typeof maskInput>>();
  for (const [id, { state }] of checked) {
    if (silent(dropouts.beforeInput, id) || !cleared.complaints.has(id)) continue;
    masked.set(id, await client("collectMaskedVectors", id, () => maskInput(state, inputs[id]!, cleared)));
  }
  const maskedInputs = [...masked.values()].map(({ message }) => post(ledger.inputs, message));
  const collected = await server("collectMaskedVectors", () => collectMaskedInputs(routed.state, maskedInputs, cleared));

  const replies: UnmaskSharesMessage[] = [];
  for (const [id, { state }] of masked) {
    if (silent(dropouts.afterInput, id)) continue;
    replies.push(wire(await client("unmask", id, () => revealShares(state, cleared)), up(id)));
  }
  const result = await server("unmask", () => unmaskSum(collected, replies));
  return { ...result, traffic, transcript: { config, ledger, publicKeys, encryptedShares, complaints, maskedInputs, reveal: result.reveal } };
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
