import { x25519 } from "@noble/curves/ed25519.js";
import { combine } from "shamir-secret-sharing";
import { VeritrainError } from "../../errors.ts";
import { agreedKey, selfMaskCommitment } from "./keyAgreement.ts";
import { verifyAdvertisedKeys } from "./keyPossession.ts";
import { addMask } from "./maskExpansion.ts";
import type {
  EncryptedSharesMessage, ForwardedSharesMessage, KeyRosterMessage, MaskedInputMessage, PublicKeyEntry, PublicKeysMessage,
  UnmaskRequestMessage, UnmaskSharesMessage,
} from "./messages.ts";
import { neighbourGraph } from "./neighbourGraph.ts";
import { assertIdsWithin, assertRoundAndParty, assertThreshold, protocolViolation } from "./protocolChecks.ts";
import type { SecAggConfig } from "./secAggConfig.ts";

/** The server after stage 0: who advertised keys (U1). */
export type KeysCollected = Readonly<{
  stage: "keys";
  config: SecAggConfig;
  graph: readonly (readonly number[])[];
  keys: ReadonlyMap<number, PublicKeyEntry>;
}>;

/** The server after stage 1: who sent share envelopes (U2) and their commitments to b. */
export type SharesRouted = Readonly<Omit<KeysCollected, "stage"> & { stage: "shares"; commitments: ReadonlyMap<number, Uint8Array> }>;

/** The server after stage 2: who sent masked inputs (U3) and their sum mod 2^32. */
export type InputsCollected = Readonly<Omit<SharesRouted, "stage"> & {
  stage: "inputs";
  survivors: readonly number[];
  dropped: readonly number[];
  maskedSum: Uint32Array;
}>;

/** What the server learns: the sum mod 2^32 of the survivors' inputs, and who they are. */
export type UnmaskedSum = { sum: Uint32Array; survivors: number[]; dropped: number[] };

const neighboursIn = ({ graph }: Pick<KeysCollected, "graph">, id: number, set: ReadonlySet<number> | ReadonlyMap<number, unknown>) => graph[id]!.filter((v) => set.has(v));

function senders<M extends { from: number }>(messages: readonly M[], allowed: ReadonlySet<number> | ReadonlyMap<number, unknown>, kind: string): Map<number, M> {
  assertIdsWithin(messages.map((message) => message.from), new Set(allowed.keys()), `${kind} senders`);
  return new Map(messages.map((message) => [message.from, message]));
}

function assertStage(state: { stage: string }, expected: string): void {
  if (state.stage !== expected) {
    throw new VeritrainError(`aggregator is at stage "${state.stage}", this step needs "${expected}": run the stages in order`, {
      code: "SECAGG_STAGE_INVALID",
      details: { stage: state.stage, expected },
    });
  }
}

/**
 * Stage 0 (setup), server side: takes the public keys that arrived (their senders form U1) and
 * sends each sender the keys of its neighbours in U1. Every u ∈ U1 needs t neighbours in U1.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` (other round, unknown or repeated sender, key not 32 bytes),
 * `SECAGG_KEY_INVALID` (a key without a valid possession proof: the keeper excludes its sender and restarts the round),
 * `SECAGG_TOO_FEW_PARTICIPANTS`.
 * @example
 * const { state, rosters } = collectPublicKeys(config, publicKeyMessages);
 */
export function collectPublicKeys(config: SecAggConfig, messages: readonly PublicKeysMessage[]): { state: KeysCollected; rosters: KeyRosterMessage[] } {
  const everyone = new Set(Array.from({ length: config.participants }, (_, id) => id));
  const arrived = senders(messages, everyone, "publicKeys");
  const keys = new Map<number, PublicKeyEntry>();
  for (const message of arrived.values()) {
    assertRoundAndParty(config, message.roundSeed, message.from, message.from, "publicKeys");
    if (message.maskPublicKey.length !== 32 || message.encryptionPublicKey.length !== 32) throw protocolViolation(`public keys of ${message.from} must be 32 bytes`, { from: message.from });
    const { maskPublicKey, encryptionPublicKey, maskKeyProof, encryptionKeyProof } = message;
    const entry = { id: message.from, maskPublicKey, encryptionPublicKey, maskKeyProof, encryptionKeyProof };
    verifyAdvertisedKeys(config, entry);
    keys.set(message.from, entry);
  }
  const state: KeysCollected = { stage: "keys", config, graph: neighbourGraph(config), keys };
  const rosters = [...keys.keys()].sort((a, b) => a - b).map((id): KeyRosterMessage => {
    const neighbours = neighboursIn(state, id, keys);
    assertThreshold(config, id, neighbours.length, "neighbours that advertised keys");
    return { kind: "keyRoster", roundSeed: config.roundSeed, to: id, keys: neighbours.map((v) => keys.get(v)!) };
  });
  return { state, rosters };
}

/**
 * Stage 1 (share keys), server side: takes the envelopes that arrived (their senders form U2 ⊆ U1;
 * each must address exactly its roster neighbours) and forwards to each u ∈ U2 the envelopes
 * addressed to it. Every u ∈ U2 needs t neighbours in U2.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID`, `SECAGG_TOO_FEW_PARTICIPANTS`, `SECAGG_STAGE_INVALID`.
 * @example
 * const { state, forwarded } = routeShares(keysState, encryptedShareMessages);
 */
export function routeShares(state: KeysCollected, messages: readonly EncryptedSharesMessage[]): { state: SharesRouted; forwarded: ForwardedSharesMessage[] } {
  assertStage(state, "keys");
  const { config } = state;
  const arrived = senders(messages, state.keys, "encryptedShares");
  const inbox = new Map<number, ForwardedSharesMessage["envelopes"]>([...arrived.keys()].map((id) => [id, []]));
  const commitments = new Map<number, Uint8Array>();
  for (const [from, message] of [...arrived].sort(([a], [b]) => a - b)) {
    assertRoundAndParty(config, message.roundSeed, from, from, "encryptedShares");
    if (message.selfMaskCommitment.length !== 32) throw protocolViolation(`commitment of ${from} must be 32 bytes`, { from });
    const expected = neighboursIn(state, from, state.keys).filter((v) => v !== from);
    assertIdsWithin(message.envelopes.map((envelope) => envelope.to), new Set(expected), `envelopes of ${from}`);
    if (message.envelopes.length !== expected.length) throw protocolViolation(`participant ${from} sealed ${message.envelopes.length} envelopes for its ${expected.length} roster neighbours`, { from });
    commitments.set(from, message.selfMaskCommitment);
    for (const { to, envelope } of message.envelopes) inbox.get(to)?.push({ from, envelope });
  }
  const next: SharesRouted = { ...state, stage: "shares", commitments };
  for (const id of commitments.keys()) assertThreshold(config, id, neighboursIn(state, id, commitments).length, "neighbours that sent share envelopes");
  const forwarded = [...inbox].sort(([a], [b]) => a - b).map(([to, envelopes]): ForwardedSharesMessage => ({ kind: "forwardedShares", roundSeed: config.roundSeed, to, envelopes }));
  return { state: next, forwarded };
}

/**
 * Stage 2 (collect masked vectors), server side: sums the masked inputs that arrived mod 2^32
 * (their senders form U3 ⊆ U2, the survivors; U2 \ U3 dropped out) and asks each survivor for its
 * shares: of b_v for its surviving neighbours, of sk^mask_v for its dropped ones. Every u ∈ U2
 * needs t neighbours in U3, the only ones who can answer.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` (also a vector of the wrong length), `SECAGG_TOO_FEW_PARTICIPANTS`, `SECAGG_STAGE_INVALID`.
 * @example
 * const { state, requests } = collectMaskedInputs(sharesState, maskedInputMessages);
 */
export function collectMaskedInputs(state: SharesRouted, messages: readonly MaskedInputMessage[]): { state: InputsCollected; requests: UnmaskRequestMessage[] } {
  assertStage(state, "shares");
  const { config } = state;
  const arrived = senders(messages, state.commitments, "maskedInput");
  const maskedSum = new Uint32Array(config.vectorLength);
  for (const [from, message] of arrived) {
    assertRoundAndParty(config, message.roundSeed, from, from, "maskedInput");
    if (message.words.length !== config.vectorLength) throw protocolViolation(`masked input of ${from} has ${message.words.length} words, expected ${config.vectorLength}`, { from });
    for (let i = 0; i < maskedSum.length; i++) maskedSum[i] = maskedSum[i]! + message.words[i]!;
  }
  const survivors = [...arrived.keys()].sort((a, b) => a - b);
  const dropped = [...state.commitments.keys()].filter((id) => !arrived.has(id)).sort((a, b) => a - b);
  for (const id of state.commitments.keys()) assertThreshold(config, id, neighboursIn(state, id, arrived).length, "neighbours that sent masked inputs");
  const droppedSet = new Set(dropped);
  const requests = survivors.map((to): UnmaskRequestMessage => ({
    kind: "unmaskRequest",
    roundSeed: config.roundSeed,
    to,
    survivors: neighboursIn(state, to, arrived),
    dropped: neighboursIn(state, to, droppedSet),
  }));
  return { state: { ...state, stage: "inputs", survivors, dropped, maskedSum }, requests };
}

async function reconstruct(config: SecAggConfig, owner: number, secret: string, shares: readonly Uint8Array[]): Promise<Uint8Array> {
  if (shares.length < config.threshold) {
    throw new VeritrainError(
      `only ${shares.length} shares of participant ${owner}'s ${secret} arrived, fewer than the threshold ${config.threshold}: it cannot be reconstructed and the sum cannot be unmasked; restart the round`,
      { code: "SECAGG_TOO_FEW_SHARES", details: { owner, secret, shares: shares.length, threshold: config.threshold } },
    );
  }
  return combine([...shares]);
}

function mismatch(owner: number, secret: string): VeritrainError {
  return new VeritrainError(
    `the ${secret} of participant ${owner} rebuilt from its shares does not match what it published: a share was altered; the sum cannot be trusted`,
    { code: "SECAGG_RECONSTRUCTION_MISMATCH", details: { owner, secret } },
  );
}

/**
 * Stage 3 (unmask), server side: from the survivors' answers (each may hold only shares it was
 * asked for), reconstructs b_u of every survivor (checked against its commitment) and subtracts
 * PRG(b_u); reconstructs sk^mask_u of every dropped u (checked against pk^mask_u) and, for each
 * surviving neighbour v, removes the pairwise mask σ(v, u) · PRG(s_uv) that v added. What is left
 * is Σ_{u ∈ U3} x_u mod 2^32.
 *
 * @throws VeritrainError `SECAGG_TOO_FEW_SHARES` when fewer than t shares of a needed secret arrived,
 * `SECAGG_RECONSTRUCTION_MISMATCH`, `SECAGG_MESSAGE_INVALID`, `SECAGG_STAGE_INVALID`.
 * @example
 * const { sum, survivors } = await unmaskSum(inputsState, unmaskShareMessages);
 */
export async function unmaskSum(state: InputsCollected, messages: readonly UnmaskSharesMessage[]): Promise<UnmaskedSum> {
  assertStage(state, "inputs");
  const { config } = state;
  const surviving = new Set(state.survivors);
  const arrived = senders(messages, surviving, "unmaskShares");
  const selfMaskShares = new Map<number, Uint8Array[]>(state.survivors.map((id) => [id, []]));
  const maskKeyShares = new Map<number, Uint8Array[]>(state.dropped.map((id) => [id, []]));
  for (const [from, message] of [...arrived].sort(([a], [b]) => a - b)) {
    assertRoundAndParty(config, message.roundSeed, from, from, "unmaskShares");
    const neighbours = new Set(state.graph[from]);
    for (const [list, pool, what] of [[message.selfMaskShares, selfMaskShares, "self-mask"], [message.maskKeyShares, maskKeyShares, "mask-key"]] as const) {
      assertIdsWithin(list.map((entry) => entry.of), new Set([...pool.keys()].filter((id) => neighbours.has(id))), `${what} shares of ${from}`);
      for (const { of, share } of list) pool.get(of)!.push(share);
    }
  }

  const sum = Uint32Array.from(state.maskedSum);
  for (const [owner, shares] of selfMaskShares) {
    const seed = await reconstruct(config, owner, "self-mask seed", shares);
    const commitment = state.commitments.get(owner)!;
    if (!selfMaskCommitment(config, owner, seed).every((byte, i) => byte === commitment[i])) throw mismatch(owner, "self-mask seed");
    addMask(sum, seed, -1);
  }
  for (const [owner, shares] of maskKeyShares) {
    const secretKey = await reconstruct(config, owner, "mask secret key", shares);
    const published = state.keys.get(owner)!.maskPublicKey;
    if (!x25519.getPublicKey(secretKey).every((byte, i) => byte === published[i])) throw mismatch(owner, "mask secret key");
    for (const v of state.graph[owner]!) {
      if (!surviving.has(v)) continue;
      const seed = agreedKey({ config, purpose: "pairwiseMask", secretKey, publicKey: state.keys.get(v)!.maskPublicKey, between: [owner, v] });
      addMask(sum, seed, v < owner ? -1 : 1);
    }
  }
  return { sum, survivors: [...state.survivors], dropped: [...state.dropped] };
}
