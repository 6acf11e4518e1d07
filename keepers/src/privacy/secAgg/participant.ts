import { x25519 } from "@noble/curves/ed25519.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { split } from "shamir-secret-sharing";
import { VeritrainError } from "../../errors.ts";
import { agreedKey, selfMaskCommitment } from "./keyAgreement.ts";
import { proveKeyPossession, verifyAdvertisedKeys } from "./keyPossession.ts";
import { addMask } from "./maskExpansion.ts";
import type {
  EncryptedSharesMessage, ForwardedSharesMessage, KeyRosterMessage, MaskedInputMessage, PublicKeyEntry, PublicKeysMessage,
  UnmaskRequestMessage, UnmaskSharesMessage,
} from "./messages.ts";
import { neighbourGraph } from "./neighbourGraph.ts";
import { assertIdsWithin, assertRoundAndParty, assertThreshold, protocolViolation } from "./protocolChecks.ts";
import type { SecAggConfig } from "./secAggConfig.ts";
import { openShares, sealShares, type SharePair } from "./shareEnvelope.ts";

/** A source of uniformly random bytes; tests inject a seeded one. */
export type RandomBytes = (bytes: number) => Uint8Array;

/** A participant after stage 0: its two key pairs. Secret: never leaves the participant. */
export type AdvertisedParticipant = Readonly<{
  stage: "advertised";
  config: SecAggConfig;
  id: number;
  /** N(id), the participant included. */
  neighbours: readonly number[];
  maskSecretKey: Uint8Array;
  encryptionSecretKey: Uint8Array;
  keys: PublicKeyEntry;
}>;

/** A participant after stage 1: it knows its neighbours' keys and has shared b and sk^mask. */
export type SharingParticipant = Readonly<Omit<AdvertisedParticipant, "stage"> & {
  stage: "shared";
  roster: ReadonlyMap<number, PublicKeyEntry>;
  selfMaskSeed: Uint8Array;
  /** Its own share pair, kept back. */
  ownShares: SharePair;
}>;

/** A participant after stage 2: it holds the share pairs its neighbours sent it (and its own). */
export type MaskedParticipant = Readonly<Omit<SharingParticipant, "stage"> & {
  stage: "masked";
  held: ReadonlyMap<number, SharePair>;
}>;

function assertStage(state: { stage: string }, expected: string): void {
  if (state.stage !== expected) {
    throw new VeritrainError(`participant is at stage "${state.stage}", this step needs "${expected}": run the stages in order, each once`, {
      code: "SECAGG_STAGE_INVALID",
      details: { stage: state.stage, expected },
    });
  }
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

/** Parameters of {@link advertiseKeys}. */
export type AdvertiseKeysParameters = { config: SecAggConfig; id: number; random?: RandomBytes };

/**
 * Stage 0 (setup): draws the participant's two X25519 key pairs for this round, one for pairwise
 * mask agreement, one for share encryption, and the message that advertises their public halves, each with a
 * proof that it holds the secret half.
 *
 * @throws VeritrainError `SECAGG_CONFIG_INVALID` if `id` is not one of the round's participants.
 * @example
 * const { state, message } = advertiseKeys({ config, id: 3 });
 */
export function advertiseKeys({ config, id, random = randomBytes }: AdvertiseKeysParameters): { state: AdvertisedParticipant; message: PublicKeysMessage } {
  if (!Number.isSafeInteger(id) || id < 0 || id >= config.participants) {
    throw new VeritrainError(`participant id ${id} is not in 0 … ${config.participants - 1}`, { code: "SECAGG_CONFIG_INVALID", details: { field: "id", value: id } });
  }
  const maskSecretKey = random(32);
  const encryptionSecretKey = random(32);
  const maskPublicKey = x25519.getPublicKey(maskSecretKey);
  const encryptionPublicKey = x25519.getPublicKey(encryptionSecretKey);
  const maskKeyProof = proveKeyPossession({ config, id, purpose: "pairwiseMask" }, maskSecretKey, maskPublicKey);
  const encryptionKeyProof = proveKeyPossession({ config, id, purpose: "shareEncryption" }, encryptionSecretKey, encryptionPublicKey);
  const keys = { id, maskPublicKey, encryptionPublicKey, maskKeyProof, encryptionKeyProof };
  return {
    state: { stage: "advertised", config, id, neighbours: neighbourGraph(config)[id]!, maskSecretKey, encryptionSecretKey, keys },
    message: { kind: "publicKeys", roundSeed: config.roundSeed, from: id, maskPublicKey, encryptionPublicKey, maskKeyProof, encryptionKeyProof },
  };
}

/**
 * Stage 1 (share keys): checks the roster (this round, neighbours only, its own keys unchanged, no
 * public key twice, every key's possession proof, at least t entries), draws the self-mask seed b, splits b and sk^mask t-of-m
 * over GF(2^8) (m = roster size) and seals one share pair for each other neighbour in the roster.
 *
 * @throws VeritrainError `SECAGG_STAGE_INVALID`, `SECAGG_MESSAGE_INVALID`, `SECAGG_KEY_INVALID` (a key without a valid
 *   possession proof), `SECAGG_TOO_FEW_PARTICIPANTS`.
 * @example
 * const { state: sharing, message } = await shareKeys(advertised, roster);
 */
export async function shareKeys(state: AdvertisedParticipant, roster: KeyRosterMessage, random: RandomBytes = randomBytes): Promise<{ state: SharingParticipant; message: EncryptedSharesMessage }> {
  assertStage(state, "advertised");
  const { config, id } = state;
  assertRoundAndParty(config, roster.roundSeed, roster.to, id, "keyRoster");
  assertIdsWithin(roster.keys.map((key) => key.id), new Set(state.neighbours), "keyRoster");
  const own = roster.keys.find((key) => key.id === id);
  if (own === undefined || !equalBytes(own.maskPublicKey, state.keys.maskPublicKey) || !equalBytes(own.encryptionPublicKey, state.keys.encryptionPublicKey)) {
    throw protocolViolation(`keyRoster does not carry participant ${id}'s own public keys unchanged`, { id });
  }
  const publicKeys = new Set(roster.keys.flatMap((key) => [key.maskPublicKey, key.encryptionPublicKey]).map((key) => Buffer.from(key).toString("hex")));
  if (publicKeys.size !== 2 * roster.keys.length) throw protocolViolation("keyRoster repeats a public key", { id });
  for (const key of roster.keys) verifyAdvertisedKeys(config, key);
  assertThreshold(config, id, roster.keys.length, "neighbours in its key roster");

  const entries = [...roster.keys].sort((a, b) => a.id - b.id);
  const selfMaskSeed = random(32);
  const [selfMaskShares, maskKeyShares] = await Promise.all([
    split(selfMaskSeed, entries.length, config.threshold),
    split(state.maskSecretKey, entries.length, config.threshold),
  ]);
  let ownShares: SharePair | undefined;
  const envelopes: EncryptedSharesMessage["envelopes"] = [];
  entries.forEach((entry, i) => {
    const pair = { selfMaskShare: selfMaskShares[i]!, maskKeyShare: maskKeyShares[i]! };
    if (entry.id === id) {
      ownShares = pair;
      return;
    }
    const key = agreedKey({ config, purpose: "shareEncryption", secretKey: state.encryptionSecretKey, publicKey: entry.encryptionPublicKey, between: [id, entry.id] });
    envelopes.push({ to: entry.id, envelope: sealShares({ config, key, from: id, to: entry.id }, pair, random) });
  });
  return {
    state: { ...state, stage: "shared", roster: new Map(entries.map((entry) => [entry.id, entry])), selfMaskSeed, ownShares: ownShares! },
    message: { kind: "encryptedShares", roundSeed: config.roundSeed, from: id, selfMaskCommitment: selfMaskCommitment(config, id, selfMaskSeed), envelopes },
  };
}

/**
 * Stage 2 (collect masked vectors): opens the envelopes forwarded to the participant (each must
 * come from a roster neighbour, at most once, and authenticate), then masks its input:
 * y = x + PRG(b) + Σ_{v ∈ S} σ(u, v) · PRG(s_uv) mod 2^32, S the senders of those envelopes,
 * σ(u, v) = +1 if u < v, −1 if u > v, s_uv = `agreedKey` with purpose `pairwiseMask`.
 *
 * @param input the participant's quantised vector, L words.
 * @throws VeritrainError `SECAGG_SHARE_REJECTED` for an envelope that fails authentication;
 * `SECAGG_MESSAGE_INVALID`, `SECAGG_TOO_FEW_PARTICIPANTS`, `SECAGG_STAGE_INVALID`.
 * @example
 * const { state: masked, message } = maskInput(sharing, forwarded, quantise(update, q));
 */
export function maskInput(state: SharingParticipant, forwarded: ForwardedSharesMessage, input: Uint32Array): { state: MaskedParticipant; message: MaskedInputMessage } {
  assertStage(state, "shared");
  const { config, id } = state;
  assertRoundAndParty(config, forwarded.roundSeed, forwarded.to, id, "forwardedShares");
  const others = new Set([...state.roster.keys()].filter((other) => other !== id));
  assertIdsWithin(forwarded.envelopes.map((envelope) => envelope.from), others, "forwardedShares");
  assertThreshold(config, id, forwarded.envelopes.length + 1, "neighbours whose shares reached it (itself included)");
  if (input.length !== config.vectorLength) throw protocolViolation(`input has ${input.length} words, the round's vectors have ${config.vectorLength}`, { length: input.length });

  const held = new Map<number, SharePair>([[id, state.ownShares]]);
  const words = Uint32Array.from(input);
  addMask(words, state.selfMaskSeed, 1);
  for (const { from, envelope } of forwarded.envelopes) {
    const peer = state.roster.get(from)!;
    const key = agreedKey({ config, purpose: "shareEncryption", secretKey: state.encryptionSecretKey, publicKey: peer.encryptionPublicKey, between: [id, from] });
    held.set(from, openShares({ config, key, from, to: id }, envelope));
    const seed = agreedKey({ config, purpose: "pairwiseMask", secretKey: state.maskSecretKey, publicKey: peer.maskPublicKey, between: [id, from] });
    addMask(words, seed, id < from ? 1 : -1);
  }
  return {
    state: { ...state, stage: "masked", held },
    message: { kind: "maskedInput", roundSeed: config.roundSeed, from: id, words },
  };
}

/**
 * Stage 3 (unmask): answers the server's request with its shares of b_v for each survivor v and of
 * sk^mask_v for each dropped v. Refuses a request that names a participant in both lists (that
 * would reveal both secrets of one input), names the participant itself as dropped, names anyone
 * whose shares it does not hold, or lists fewer than t survivors. The caller must answer one
 * request per round only: a second answer to a different request could reveal both secrets.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID`, `SECAGG_TOO_FEW_PARTICIPANTS`, `SECAGG_STAGE_INVALID`.
 * @example
 * const reply = revealShares(masked, request);
 */
export function revealShares(state: MaskedParticipant, request: UnmaskRequestMessage): UnmaskSharesMessage {
  assertStage(state, "masked");
  const { config, id } = state;
  assertRoundAndParty(config, request.roundSeed, request.to, id, "unmaskRequest");
  const holders = new Set(state.held.keys());
  assertIdsWithin(request.survivors, holders, "unmaskRequest survivors");
  assertIdsWithin(request.dropped, new Set([...holders].filter((other) => other !== id && !request.survivors.includes(other))), "unmaskRequest dropped");
  if (!request.survivors.includes(id)) throw protocolViolation(`unmaskRequest omits participant ${id} from the survivors it belongs to`, { id });
  assertThreshold(config, id, request.survivors.length, "surviving neighbours");
  return {
    kind: "unmaskShares",
    roundSeed: config.roundSeed,
    from: id,
    selfMaskShares: request.survivors.map((of) => ({ of, share: state.held.get(of)!.selfMaskShare })),
    maskKeyShares: request.dropped.map((of) => ({ of, share: state.held.get(of)!.maskKeyShare })),
  };
}
