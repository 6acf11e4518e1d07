import { x25519 } from "@noble/curves/ed25519.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { VeritrainError } from "../../errors.ts";
import { agreedKey } from "./keyAgreement.ts";
import { possessionPoint, proveKeyPossession, proveSharedPoint, verifyAdvertisedKeys, x25519Scalar } from "./keyPossession.ts";
import { addMask } from "./maskExpansion.ts";
import type {
  ComplaintsMessage, EncryptedSharesMessage, ForwardedSharesMessage, KeyRosterMessage, MaskedInputMessage, PointReveal, PublicKeyEntry, PublicKeysMessage, UnmaskSharesMessage,
} from "./messages.ts";
import { neighbourGraph } from "./neighbourGraph.ts";
import { assertIdsWithin, assertRoundAndParty, assertThreshold, protocolViolation } from "./protocolChecks.ts";
import { isPosted, ledgerDigest, ledgerSets, publicKeysMessage, type LedgerMessage, type RoundLedger } from "./roundLedger.ts";
import type { SecAggConfig } from "./secAggConfig.ts";
import { openShares, sealShares, type SharePair } from "./shareEnvelope.ts";
import { dealShares, randomScalar, scalarBytes, shareMatches, sharingCommitments } from "./verifiableShares.ts";

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
  /** b, a scalar mod L as 32 bytes little-endian: the key of its self mask. */
  selfMaskSeed: Uint8Array;
  /** Its own share pair, kept back. */
  ownShares: SharePair;
  /** The ledger digest of its encryptedShares message. */
  sharesDigest: Uint8Array;
}>;

/** A participant after stage 2: it holds the share pairs its neighbours sent it (and its own) and complained about the rest. */
export type CheckedParticipant = Readonly<Omit<SharingParticipant, "stage"> & {
  stage: "checked";
  held: ReadonlyMap<number, SharePair>;
  /** The ledger digest of its complaints message. */
  complaintsDigest: Uint8Array;
}>;

/** A participant after stage 3: it posted its masked input. */
export type MaskedParticipant = Readonly<Omit<CheckedParticipant, "stage"> & {
  stage: "masked";
  /** The ledger digest of its maskedInput message. */
  inputDigest: Uint8Array;
}>;

function assertStage(state: { stage: string }, expected: string): void {
  if (state.stage !== expected) {
    throw new VeritrainError(`participant is at stage "${state.stage}", this step needs "${expected}": run the stages in order, each once`, {
      code: "SECAGG_STAGE_INVALID",
      details: { stage: state.stage, expected },
    });
  }
}

/** Refuses to go on unless the ledger holds, for the participant itself, the digest of the message it sent at a stage. */
function assertOwnPost(entries: ReadonlyMap<number, Uint8Array>, id: number, digest: Uint8Array, kind: LedgerMessage["kind"]): void {
  if (!isPosted(entries, id, digest)) throw protocolViolation(`the ledger does not hold participant ${id}'s own ${kind} digest: it is out of this stage (post it before the stage closes)`, { id, kind });
}

/** The share pair in an envelope, or undefined if it does not open (`SECAGG_SHARE_REJECTED`). */
function openedShares(parameters: Parameters<typeof openShares>[0], envelope: Uint8Array): SharePair | undefined {
  try {
    return openShares(parameters, envelope);
  } catch (error) {
    if (error instanceof VeritrainError && error.code === "SECAGG_SHARE_REJECTED") return undefined;
    throw error;
  }
}

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
    message: publicKeysMessage(config, keys),
  };
}

/**
 * Stage 1 (share keys), once the ledger has closed stage 0: checks the roster (this round; exactly its
 * neighbours among U1, the ledger's; each entry the keys its owner posted, its own unchanged; no public key
 * twice; every key's possession proof; at least t entries), draws the self-mask seed b (a scalar mod L), deals b
 * and sk^mask's scalar mod L t-of-m with Feldman's commitments (`dealShares`; m = roster size) and seals one share
 * pair for each other neighbour in the roster.
 * The caller posts the returned message's {@link ledgerDigest} on the ledger.
 *
 * @throws VeritrainError `SECAGG_STAGE_INVALID`, `SECAGG_MESSAGE_INVALID`, `SECAGG_KEY_INVALID` (a key without a valid
 *   possession proof), `SECAGG_TOO_FEW_PARTICIPANTS`.
 * @example
 * const { state: sharing, message } = await shareKeys(advertised, roster, ledger);
 */
export async function shareKeys(state: AdvertisedParticipant, roster: KeyRosterMessage, ledger: RoundLedger, random: RandomBytes = randomBytes): Promise<{ state: SharingParticipant; message: EncryptedSharesMessage }> {
  assertStage(state, "advertised");
  const { config, id } = state;
  assertRoundAndParty(config, roster.roundSeed, roster.to, id, "keyRoster");
  assertOwnPost(ledger.keys, id, ledgerDigest(publicKeysMessage(config, state.keys)), "publicKeys");
  const { advertised } = ledgerSets(config, ledger);
  const expected = state.neighbours.filter((v) => advertised.has(v));
  assertIdsWithin(roster.keys.map((key) => key.id), new Set(expected), "keyRoster");
  for (const key of roster.keys) {
    if (!isPosted(ledger.keys, key.id, ledgerDigest(publicKeysMessage(config, key)))) throw protocolViolation(`keyRoster's entry for participant ${key.id} is not the keys it posted on the ledger`, { id: key.id });
  }
  if (roster.keys.length !== expected.length) throw protocolViolation(`keyRoster lists ${roster.keys.length} of the ${expected.length} neighbours of ${id} on the ledger`, { id });
  for (const key of roster.keys) verifyAdvertisedKeys(config, key);
  const publicKeys = new Set(roster.keys.flatMap((key) => [key.maskPublicKey, key.encryptionPublicKey]).map((key) => Buffer.from(key).toString("hex")));
  if (publicKeys.size !== 2 * roster.keys.length) throw protocolViolation("keyRoster repeats a public key", { id });
  assertThreshold(config, id, roster.keys.length, "neighbours in its key roster");

  const entries = [...roster.keys].sort((a, b) => a.id - b.id);
  const holders = entries.map((entry) => entry.id);
  const selfMask = randomScalar(random);
  const selfMaskSharing = dealShares(selfMask, holders, config.threshold, random);
  const maskKeySharing = dealShares(x25519Scalar(state.maskSecretKey), holders, config.threshold, random);
  const pairOf = (holder: number): SharePair => ({ selfMaskShare: selfMaskSharing.shares.get(holder)!, maskKeyShare: maskKeySharing.shares.get(holder)! });
  const envelopes = entries.filter((entry) => entry.id !== id).map((entry) => {
    const key = agreedKey({ config, purpose: "shareEncryption", secretKey: state.encryptionSecretKey, publicKey: entry.encryptionPublicKey, between: [id, entry.id] });
    return { to: entry.id, envelope: sealShares({ config, key, from: id, to: entry.id }, pairOf(entry.id), random) };
  });
  const commitments = {
    selfMask: selfMaskSharing.commitments.map((point) => point.toBytes()),
    maskKey: maskKeySharing.commitments.slice(1).map((point) => point.toBytes()),
  };
  const message: EncryptedSharesMessage = { kind: "encryptedShares", roundSeed: config.roundSeed, from: id, commitments, envelopes };
  return {
    state: { ...state, stage: "shared", roster: new Map(entries.map((entry) => [entry.id, entry])), selfMaskSeed: scalarBytes(selfMask), ownShares: pairOf(id), sharesDigest: ledgerDigest(message) },
    message,
  };
}

/**
 * Stage 2 (complaints), once the ledger has closed stage 1: takes the encryptedShares messages forwarded to the
 * participant, exactly one from each other neighbour in U2 (the ledger's), each the one its sender posted (its ledger
 * digest) with exactly one envelope for the participant, opens that envelope and checks its shares against the
 * sender's commitments.
 * An envelope that fails authentication (`openShares`: altered, or sealed for someone else), or whose shares are not
 * of the polynomials its sender committed to (`shareMatches`; commitments not t and t − 1 points of the prime-order
 * subgroup), is its sender's fault (its own post on the ledger): the participant holds no share of that sender's
 * secrets and complains, with the point their encryption keys agree on and its proof, so that anyone opens the
 * envelope and sees it fail (docs/secure-aggregation.md §7, "Complaints"). Only posted envelopes are opened, so a
 * relay that alters one in transit cannot make the participant complain falsely, which would publish the dealer's
 * genuine shares to it (§9). The caller posts the returned message's {@link ledgerDigest} on the ledger, complaints
 * or none; once the stage closed, the accused are out of the round before anyone masks towards them.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` (also a message of a neighbour in U2 missing, or not the one posted),
 * `SECAGG_TOO_FEW_PARTICIPANTS`, `SECAGG_STAGE_INVALID`.
 * @example
 * const { state: checked, message } = checkEnvelopes(sharing, forwarded, ledger);
 */
export function checkEnvelopes(state: SharingParticipant, forwarded: ForwardedSharesMessage, ledger: RoundLedger): { state: CheckedParticipant; message: ComplaintsMessage } {
  assertStage(state, "shared");
  const { config, id } = state;
  assertRoundAndParty(config, forwarded.roundSeed, forwarded.to, id, "forwardedShares");
  assertOwnPost(ledger.shares, id, state.sharesDigest, "encryptedShares");
  const { shared } = ledgerSets(config, ledger);
  const senders = [...state.roster.keys()].filter((other) => other !== id && shared.has(other));
  assertIdsWithin(forwarded.shares.map((message) => message.from), new Set(senders), "forwardedShares");
  if (forwarded.shares.length !== senders.length) throw protocolViolation(`forwardedShares holds ${forwarded.shares.length} of the ${senders.length} messages of neighbours on the ledger with an envelope for ${id}`, { id });
  assertThreshold(config, id, senders.length + 1, "neighbours whose shares reached it (itself included)");

  const held = new Map<number, SharePair>([[id, state.ownShares]]);
  const complaints: PointReveal[] = [];
  for (const message of [...forwarded.shares].sort((a, b) => a.from - b.from)) {
    const { from, commitments } = message;
    if (!isPosted(ledger.shares, from, ledgerDigest(message))) throw protocolViolation(`forwardedShares carries a message of ${from} that is not the encryptedShares message it posted on the ledger`, { id, from });
    const addressed = message.envelopes.filter(({ to }) => to === id);
    if (addressed.length !== 1) throw protocolViolation(`the encryptedShares message of ${from} holds ${addressed.length} envelopes for ${id}, not one: every party strikes it`, { id, from });
    const { envelope } = addressed[0]!;
    const peer = state.roster.get(from)!;
    const key = agreedKey({ config, purpose: "shareEncryption", secretKey: state.encryptionSecretKey, publicKey: peer.encryptionPublicKey, between: [id, from] });
    const pair = openedShares({ config, key, from, to: id }, envelope);
    const points = sharingCommitments(commitments, possessionPoint(peer.maskKeyProof), config.threshold);
    if (pair !== undefined && points !== undefined && shareMatches(points.selfMask, id, pair.selfMaskShare) && shareMatches(points.maskKey, id, pair.maskKeyShare)) held.set(from, pair);
    else complaints.push({ of: from, ...proveSharedPoint({ config, prover: id, other: from, purpose: "shareEncryption" }, state.encryptionSecretKey, possessionPoint(peer.encryptionKeyProof)) });
  }
  const message: ComplaintsMessage = { kind: "complaints", roundSeed: config.roundSeed, from: id, complaints };
  return { state: { ...state, stage: "checked", held, complaintsDigest: ledgerDigest(message) }, message };
}

/**
 * Stage 3 (collect masked vectors), once the ledger has closed stage 2: masks the participant's input towards its
 * neighbours that cleared the complaints stage (C, the ledger's: posted, accused of nothing), y = x + PRG(b) +
 * Σ_{v ∈ S} σ(u, v) · PRG(s_uv) mod 2^32, S = N(u) ∩ C \ {u}, σ(u, v) = +1 if u < v, −1 if u > v, s_uv = `agreedKey`
 * with purpose `pairwiseMask`. No one masks towards a dealer whose envelopes failed, so no mask ever needs a secret
 * that too few valid shares hold. The caller posts the returned message's {@link ledgerDigest} on the ledger.
 * Refuses when its own complaints post is not on the checked ledger (it missed the stage, complained falsely or was
 * accused: it is out of the round).
 *
 * @param input the participant's quantised vector, L words.
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID`, `SECAGG_TOO_FEW_PARTICIPANTS`, `SECAGG_STAGE_INVALID`.
 * @example
 * const { state: masked, message } = maskInput(checked, quantise(update, q), ledger);
 */
export function maskInput(state: CheckedParticipant, input: Uint32Array, ledger: RoundLedger): { state: MaskedParticipant; message: MaskedInputMessage } {
  assertStage(state, "checked");
  const { config, id } = state;
  assertOwnPost(ledger.complaints, id, state.complaintsDigest, "complaints");
  const { cleared } = ledgerSets(config, ledger);
  const peers = [...state.roster.keys()].filter((other) => other !== id && cleared.has(other));
  assertThreshold(config, id, peers.length + 1, "neighbours that cleared the complaints stage (itself included)");
  if (input.length !== config.vectorLength) throw protocolViolation(`input has ${input.length} words, the round's vectors have ${config.vectorLength}`, { length: input.length });

  const words = Uint32Array.from(input);
  addMask(words, state.selfMaskSeed, 1);
  for (const other of peers) {
    const seed = agreedKey({ config, purpose: "pairwiseMask", secretKey: state.maskSecretKey, publicKey: state.roster.get(other)!.maskPublicKey, between: [id, other] });
    addMask(words, seed, id < other ? 1 : -1);
  }
  const message: MaskedInputMessage = { kind: "maskedInput", roundSeed: config.roundSeed, from: id, words };
  return { state: { ...state, stage: "masked", inputDigest: ledgerDigest(message) }, message };
}

/**
 * Stage 4 (unmask), once the ledger has closed stage 3: reads U3 from the ledger and answers with its shares
 * of b_v for each neighbour v in U3 and of sk^mask_v for each neighbour v in C \ U3 (dropped). The sets
 * come from the ledger, which every participant reads alike, not from the server: no neighbour is a survivor to
 * some and dropped to others, so no one can gather both secrets of one input. Refuses when its own input is
 * not on the ledger (it dropped out) or fewer than t of its neighbours survived.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID`, `SECAGG_TOO_FEW_PARTICIPANTS`, `SECAGG_STAGE_INVALID`.
 * @example
 * const reply = revealShares(masked, ledger);
 */
export function revealShares(state: MaskedParticipant, ledger: RoundLedger): UnmaskSharesMessage {
  assertStage(state, "masked");
  const { config, id } = state;
  assertOwnPost(ledger.inputs, id, state.inputDigest, "maskedInput");
  const { cleared, survivors } = ledgerSets(config, ledger);
  const held = [...state.held.keys()].filter((v) => cleared.has(v)).sort((a, b) => a - b);
  const surviving = held.filter((v) => survivors.has(v));
  assertThreshold(config, id, surviving.length, "surviving neighbours");
  return {
    kind: "unmaskShares",
    roundSeed: config.roundSeed,
    from: id,
    selfMaskShares: surviving.map((of) => ({ of, share: state.held.get(of)!.selfMaskShare })),
    maskKeyShares: held.filter((v) => !survivors.has(v)).map((of) => ({ of, share: state.held.get(of)!.maskKeyShare })),
  };
}

/**
 * Stage 4 continued, for a survivor that the ledger dropped after stage 4 opened (on the chain, a dispute found its
 * masked input withheld: withdrawn, docs/secure-aggregation.md §7): the participant answers with its share of
 * sk^mask_owner, so that the masks the others added towards `owner` are removed from their sum with `owner`'s key
 * rebuilt from t shares. `owner`'s input is out of the sum, so its key reveals nothing of an input that counts. Call it
 * only once the ledger has dropped `owner` (SecureAggregationLedger refuses the post of an owner still active).
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` (its own input not on the ledger, `owner` not a neighbour of C whose
 * share it holds), `SECAGG_STAGE_INVALID`.
 * @example
 * const recovery = recoveryShares(masked, ledger, 3);
 */
export function recoveryShares(state: MaskedParticipant, ledger: RoundLedger, owner: number): UnmaskSharesMessage {
  assertStage(state, "masked");
  const { config, id } = state;
  assertOwnPost(ledger.inputs, id, state.inputDigest, "maskedInput");
  const held = state.held.get(owner);
  if (owner === id || held === undefined || !ledgerSets(config, ledger).cleared.has(owner)) {
    throw protocolViolation(`participant ${id} cannot recover participant ${owner}'s mask key: ${owner} is not a neighbour of the round whose share it holds`, { id, owner });
  }
  return { kind: "unmaskShares", roundSeed: config.roundSeed, from: id, selfMaskShares: [], maskKeyShares: [{ of: owner, share: held.maskKeyShare }] };
}
