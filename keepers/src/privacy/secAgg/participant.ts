import { x25519 } from "@noble/curves/ed25519.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { VeritrainError } from "../../errors.ts";
import { agreedKey } from "./keyAgreement.ts";
import { possessionPoint, proveKeyPossession, proveSharedPoint, verifyAdvertisedKeys, x25519Scalar } from "./keyPossession.ts";
import { addMask } from "./maskExpansion.ts";
import type {
  EncryptedSharesMessage, ForwardedSharesMessage, KeyRosterMessage, MaskedInputMessage, PointReveal, PublicKeyEntry, PublicKeysMessage, UnmaskSharesMessage,
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

/** A participant after stage 2: it holds the share pairs its neighbours sent it (and its own). */
export type MaskedParticipant = Readonly<Omit<SharingParticipant, "stage"> & {
  stage: "masked";
  held: ReadonlyMap<number, SharePair>;
  /** The neighbours whose envelopes it rejected (ascending): it complains about each at stage 3. */
  rejected: readonly number[];
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
 * Stage 2 (collect masked vectors), once the ledger has closed stage 1: opens the envelopes forwarded to the
 * participant, exactly one from each other neighbour in U2 (the ledger's), then masks its input:
 * y = x + PRG(b) + Σ_{v ∈ S} σ(u, v) · PRG(s_uv) mod 2^32, S = N(u) ∩ U2 \ {u}, σ(u, v) = +1 if u < v, −1 if
 * u > v, s_uv = `agreedKey` with purpose `pairwiseMask`. The caller posts the returned message's
 * {@link ledgerDigest} on the ledger.
 *
 * An envelope that fails authentication (`openShares`: altered, or sealed for someone else), or whose shares are
 * not of the polynomials its sender committed to (`shareMatches`; commitments not t and t − 1 points of the
 * prime-order subgroup), is its sender's fault, or the relay's: it is `rejected`, and the participant holds no share
 * of that sender's secrets (t of its other neighbours' shares rebuild them), but masks as usual, since s_uv needs only
 * the sender's public key. So no sender can stop its neighbours by sealing them garbage, no share the participant
 * keeps is one that every party would refuse at stage 3, and nothing is revealed that would not be otherwise.
 *
 * @param input the participant's quantised vector, L words.
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` (also an envelope of a neighbour in U2 missing),
 * `SECAGG_TOO_FEW_PARTICIPANTS`, `SECAGG_STAGE_INVALID`.
 * @example
 * const { state: masked, message } = maskInput(sharing, forwarded, quantise(update, q), ledger);
 */
export function maskInput(state: SharingParticipant, forwarded: ForwardedSharesMessage, input: Uint32Array, ledger: RoundLedger): { state: MaskedParticipant; message: MaskedInputMessage; rejected: number[] } {
  assertStage(state, "shared");
  const { config, id } = state;
  assertRoundAndParty(config, forwarded.roundSeed, forwarded.to, id, "forwardedShares");
  assertOwnPost(ledger.shares, id, state.sharesDigest, "encryptedShares");
  const { shared } = ledgerSets(config, ledger);
  const senders = [...state.roster.keys()].filter((other) => other !== id && shared.has(other));
  assertIdsWithin(forwarded.envelopes.map((envelope) => envelope.from), new Set(senders), "forwardedShares");
  if (forwarded.envelopes.length !== senders.length) throw protocolViolation(`forwardedShares holds ${forwarded.envelopes.length} of the ${senders.length} envelopes addressed to ${id} by neighbours on the ledger`, { id });
  assertThreshold(config, id, senders.length + 1, "neighbours whose shares reached it (itself included)");
  if (input.length !== config.vectorLength) throw protocolViolation(`input has ${input.length} words, the round's vectors have ${config.vectorLength}`, { length: input.length });

  const held = new Map<number, SharePair>([[id, state.ownShares]]);
  const rejected: number[] = [];
  const words = Uint32Array.from(input);
  addMask(words, state.selfMaskSeed, 1);
  for (const { from, commitments, envelope } of forwarded.envelopes) {
    const peer = state.roster.get(from)!;
    const key = agreedKey({ config, purpose: "shareEncryption", secretKey: state.encryptionSecretKey, publicKey: peer.encryptionPublicKey, between: [id, from] });
    const pair = openedShares({ config, key, from, to: id }, envelope);
    const points = sharingCommitments(commitments, possessionPoint(peer.maskKeyProof), config.threshold);
    if (pair !== undefined && points !== undefined && shareMatches(points.selfMask, id, pair.selfMaskShare) && shareMatches(points.maskKey, id, pair.maskKeyShare)) held.set(from, pair);
    else rejected.push(from);
    const seed = agreedKey({ config, purpose: "pairwiseMask", secretKey: state.maskSecretKey, publicKey: peer.maskPublicKey, between: [id, from] });
    addMask(words, seed, id < from ? 1 : -1);
  }
  rejected.sort((a, b) => a - b);
  const message: MaskedInputMessage = { kind: "maskedInput", roundSeed: config.roundSeed, from: id, words };
  return { state: { ...state, stage: "masked", held, rejected, inputDigest: ledgerDigest(message) }, message, rejected };
}

/** The point of the participant's `purpose` key agreed with neighbour `of`'s, and the proof that it is (`proveSharedPoint`). */
function revealPoint(state: MaskedParticipant, of: number, purpose: "pairwiseMask" | "shareEncryption"): PointReveal {
  const peer = state.roster.get(of)!;
  const [secretKey, proof] = purpose === "pairwiseMask" ? [state.maskSecretKey, peer.maskKeyProof] : [state.encryptionSecretKey, peer.encryptionKeyProof];
  return { of, ...proveSharedPoint({ config: state.config, prover: state.id, other: of, purpose }, secretKey, possessionPoint(proof)) };
}

/**
 * Stage 3 (unmask), once the ledger has closed stage 2: reads U3 from the ledger and answers with its shares
 * of b_v for each neighbour v in U3 and of sk^mask_v for each neighbour v in U2 \ U3 (dropped), and a complaint
 * about each neighbour whose envelope it rejected at stage 2: the point their encryption keys agree on, with its
 * proof, so that anyone opens that envelope and sees it fail (docs/secure-aggregation.md §7, "Complaints"). The sets
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
  const { survivors } = ledgerSets(config, ledger);
  const held = [...state.held.keys()].sort((a, b) => a - b);
  const surviving = held.filter((v) => survivors.has(v));
  assertThreshold(config, id, surviving.length, "surviving neighbours");
  return {
    kind: "unmaskShares",
    roundSeed: config.roundSeed,
    from: id,
    selfMaskShares: surviving.map((of) => ({ of, share: state.held.get(of)!.selfMaskShare })),
    maskKeyShares: held.filter((v) => !survivors.has(v)).map((of) => ({ of, share: state.held.get(of)!.maskKeyShare })),
    complaints: state.rejected.map((of) => revealPoint(state, of, "shareEncryption")),
    maskSeeds: [],
  };
}

/**
 * Stage 3 continued, for a neighbour out of the sum whose mask key its shares may not rebuild (docs/secure-aggregation.md
 * §7, "Withdrawn inputs" and "Complaints"): `owner`, of U2, is either a survivor that the ledger dropped after stage 3
 * opened (on the chain, a dispute found its masked input withheld or its envelopes garbled: withdrawn) or a dropped
 * participant about which a complaint stands. The participant answers with its share of sk^mask_owner if it holds one,
 * and with the point their mask keys agree on (with its proof), from which anyone derives their pairwise seed s_{id,owner}:
 * the masks the others added towards `owner` are removed from their sum with `owner`'s key rebuilt from t shares, or,
 * if `owner` dealt too few valid ones, with every surviving neighbour's seed. `owner`'s input is out of the sum, so
 * neither reveals anything of an input that counts. Call it only once the ledger has dropped `owner`
 * (SecureAggregationLedger refuses the post of an owner still active).
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` (its own input not on the ledger, `owner` not a neighbour of U2),
 * `SECAGG_STAGE_INVALID`.
 * @example
 * const recovery = recoveryShares(masked, ledger, 3);
 */
export function recoveryShares(state: MaskedParticipant, ledger: RoundLedger, owner: number): UnmaskSharesMessage {
  assertStage(state, "masked");
  const { config, id } = state;
  assertOwnPost(ledger.inputs, id, state.inputDigest, "maskedInput");
  if (owner === id || !state.roster.has(owner) || !ledgerSets(config, ledger).shared.has(owner)) {
    throw protocolViolation(`participant ${id} cannot recover participant ${owner}'s mask key: ${owner} is not a neighbour that shared its keys on the ledger`, { id, owner });
  }
  const held = state.held.get(owner);
  return {
    kind: "unmaskShares",
    roundSeed: config.roundSeed,
    from: id,
    selfMaskShares: [],
    maskKeyShares: held === undefined ? [] : [{ of: owner, share: held.maskKeyShare }],
    complaints: [],
    maskSeeds: [revealPoint(state, owner, "pairwiseMask")],
  };
}
