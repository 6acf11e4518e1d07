import { VeritrainError } from "../../errors.ts";
import { agreedKeyOfPoint } from "./keyAgreement.ts";
import { possessionPoint, verifyAdvertisedKeys, verifySharedPoint } from "./keyPossession.ts";
import { removeMasks, type MaskedRound, type RoundReveal } from "./maskRemoval.ts";
import type {
  ComplaintsMessage, EncryptedSharesMessage, ForwardedSharesMessage, KeyRosterMessage, MaskedInputMessage, PointReveal, PublicKeyEntry, PublicKeysMessage, UnmaskSharesMessage,
} from "./messages.ts";
import { neighbourGraph } from "./neighbourGraph.ts";
import { assertIdsWithin, assertRoundAndParty, assertThreshold, protocolViolation } from "./protocolChecks.ts";
import { ledgerSets, matchLedger, type RoundLedger } from "./roundLedger.ts";
import type { SecAggConfig } from "./secAggConfig.ts";
import { openShares, type SharePair } from "./shareEnvelope.ts";
import { combineShares, scalarBytes, shareMatches, sharingCommitments, type SharingCommitments } from "./verifiableShares.ts";

/** The server after stage 0: who advertised keys (U1). */
export type KeysCollected = Readonly<{
  stage: "keys";
  config: SecAggConfig;
  graph: readonly (readonly number[])[];
  keys: ReadonlyMap<number, PublicKeyEntry>;
}>;

/** The server after stage 1: who sent share envelopes (U2), the commitments of their sharings and their envelopes (sender → recipient → envelope). */
export type SharesRouted = Readonly<Omit<KeysCollected, "stage"> & {
  stage: "shares";
  commitments: ReadonlyMap<number, SharingCommitments>;
  envelopes: ReadonlyMap<number, ReadonlyMap<number, Uint8Array>>;
}>;

/** The server after stage 3: who sent masked inputs (U3), who cleared the complaints stage and dropped (C \ U3), and the inputs' sum mod 2^32. */
export type InputsCollected = Readonly<Omit<SharesRouted, "stage"> & {
  stage: "inputs";
  survivors: readonly number[];
  dropped: readonly number[];
  maskedSum: Uint32Array;
}>;

/** What the server learns: the sum mod 2^32 of the survivors' inputs, who they are, and the secrets it rebuilt (to publish). */
export type UnmaskedSum = { sum: Uint32Array; survivors: number[]; dropped: number[]; reveal: RoundReveal };

const neighboursIn = ({ graph }: Pick<KeysCollected, "graph">, id: number, set: ReadonlySet<number> | ReadonlyMap<number, unknown>) => graph[id]!.filter((v) => set.has(v));

/** Σ y_u mod 2^32 of masked inputs of the round's length. */
function sumMaskedInputs(config: SecAggConfig, inputs: ReadonlyMap<number, MaskedInputMessage>): Uint32Array {
  const maskedSum = new Uint32Array(config.vectorLength);
  for (const [from, message] of inputs) {
    assertRoundAndParty(config, message.roundSeed, from, from, "maskedInput");
    if (message.words.length !== config.vectorLength) throw protocolViolation(`masked input of ${from} has ${message.words.length} words, expected ${config.vectorLength}`, { from });
    for (let i = 0; i < maskedSum.length; i++) maskedSum[i] = maskedSum[i]! + message.words[i]!;
  }
  return maskedSum;
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
 * The roster entry participant `from`'s publicKeys message advertises, once checked: this round, sent by `from`,
 * two 32-byte keys, each with a valid possession proof. The checks depend on the message alone, so every party
 * that reads it decides alike.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID`, `SECAGG_KEY_INVALID`.
 * @example
 * const entry = advertisedEntry(config, 3, message);
 */
export function advertisedEntry(config: SecAggConfig, from: number, message: PublicKeysMessage): PublicKeyEntry {
  assertRoundAndParty(config, message.roundSeed, message.from, from, "publicKeys");
  if (message.maskPublicKey.length !== 32 || message.encryptionPublicKey.length !== 32) throw protocolViolation(`public keys of ${from} must be 32 bytes`, { from });
  const { maskPublicKey, encryptionPublicKey, maskKeyProof, encryptionKeyProof } = message;
  const entry = { id: from, maskPublicKey, encryptionPublicKey, maskKeyProof, encryptionKeyProof };
  verifyAdvertisedKeys(config, entry);
  return entry;
}

/**
 * Stage 0 (setup), server side: U1 is who posted a key digest on the ledger; takes their publicKeys messages
 * (each the one posted) and sends each member of U1 a roster of its neighbours in U1. Every u ∈ U1 needs t
 * neighbours in U1.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` (other round, a message not on the ledger or missing, key not 32
 * bytes), `SECAGG_KEY_INVALID` (a key without a valid possession proof: the keeper excludes its sender and restarts
 * the round), `SECAGG_TOO_FEW_PARTICIPANTS`.
 * @example
 * const { state, rosters } = collectPublicKeys(config, publicKeyMessages, ledger);
 */
export function collectPublicKeys(config: SecAggConfig, messages: readonly PublicKeysMessage[], ledger: RoundLedger): { state: KeysCollected; rosters: KeyRosterMessage[] } {
  const keys = new Map<number, PublicKeyEntry>();
  for (const [from, message] of matchLedger(ledger.keys, messages, ledgerSets(config, ledger).advertised, "publicKeys")) keys.set(from, advertisedEntry(config, from, message));
  const state: KeysCollected = { stage: "keys", config, graph: neighbourGraph(config), keys };
  const rosters = [...keys.keys()].map((id): KeyRosterMessage => {
    const neighbours = neighboursIn(state, id, keys);
    assertThreshold(config, id, neighbours.length, "neighbours that advertised keys");
    return { kind: "keyRoster", roundSeed: config.roundSeed, to: id, keys: neighbours.map((v) => keys.get(v)!) };
  });
  return { state, rosters };
}

/**
 * Checks participant `from`'s encryptedShares message against U1 (`state.keys`): this round, sent by `from`, the
 * commitments of its two sharings (t of b's, t − 1 of sk^mask's, each a point of the prime-order subgroup), one
 * envelope for each of its neighbours in U1 and none for anyone else. The checks depend on the message and U1 alone,
 * so every party that reads them decides alike (the envelopes' contents only their recipients can check, `maskInput`).
 *
 * @returns the commitments as points, sk^mask's led by its key's possession point.
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID`.
 * @example
 * const commitments = checkEncryptedShares(keysState, 3, message);
 */
export function checkEncryptedShares(state: Pick<KeysCollected, "config" | "graph" | "keys">, from: number, message: EncryptedSharesMessage): SharingCommitments {
  assertRoundAndParty(state.config, message.roundSeed, message.from, from, "encryptedShares");
  const commitments = sharingCommitments(message.commitments, possessionPoint(state.keys.get(from)!.maskKeyProof), state.config.threshold);
  if (commitments === undefined) throw protocolViolation(`the commitments of ${from} must be ${state.config.threshold} and ${state.config.threshold - 1} points of edwards25519's prime-order subgroup`, { from });
  const expected = neighboursIn(state, from, state.keys).filter((v) => v !== from);
  assertIdsWithin(message.envelopes.map((envelope) => envelope.to), new Set(expected), `envelopes of ${from}`);
  if (message.envelopes.length !== expected.length) throw protocolViolation(`participant ${from} sealed ${message.envelopes.length} envelopes for its ${expected.length} roster neighbours`, { from });
  return commitments;
}

/**
 * Stage 1 (share keys), server side: U2 is who also posted a shares digest; takes their encryptedShares
 * messages (each the one posted, addressing exactly its roster neighbours) and forwards to each u ∈ U2 the messages
 * that hold an envelope for it, whole (u checks each against its sender's digest). Every u ∈ U2 needs t neighbours in U2.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID`, `SECAGG_TOO_FEW_PARTICIPANTS`, `SECAGG_STAGE_INVALID`.
 * @example
 * const { state, forwarded } = routeShares(keysState, encryptedShareMessages, ledger);
 */
export function routeShares(state: KeysCollected, messages: readonly EncryptedSharesMessage[], ledger: RoundLedger): { state: SharesRouted; forwarded: ForwardedSharesMessage[] } {
  assertStage(state, "keys");
  const { config } = state;
  const arrived = matchLedger(ledger.shares, messages, ledgerSets(config, ledger).shared, "encryptedShares");
  const inbox = new Map<number, EncryptedSharesMessage[]>([...arrived.keys()].map((id) => [id, []]));
  const commitments = new Map<number, SharingCommitments>();
  const envelopes = new Map<number, Map<number, Uint8Array>>();
  for (const [from, message] of arrived) {
    commitments.set(from, checkEncryptedShares(state, from, message));
    envelopes.set(from, new Map(message.envelopes.map(({ to, envelope }) => [to, envelope])));
    for (const { to } of message.envelopes) inbox.get(to)?.push(message);
  }
  const next: SharesRouted = { ...state, stage: "shares", commitments, envelopes };
  for (const id of commitments.keys()) assertThreshold(config, id, neighboursIn(state, id, commitments).length, "neighbours that sent share envelopes");
  const forwarded = [...inbox].map(([to, shares]): ForwardedSharesMessage => ({ kind: "forwardedShares", roundSeed: config.roundSeed, to, shares }));
  return { state: next, forwarded };
}

/**
 * Whether neighbour `of`'s envelope to `from` is bad, given the point of their encryption keys that `from` revealed (a
 * complaint): it does not open under the key derived from that point, or its shares do not check against `of`'s
 * commitments. The envelope is `of`'s own post, so a bad one is `of`'s fault, whoever complains.
 */
function envelopeIsBad(state: ComplaintCheckState, from: number, complaint: PointReveal): boolean {
  const { config } = state;
  const encryptionPoint = (id: number) => possessionPoint(state.keys.get(id)!.encryptionKeyProof);
  const shared = verifySharedPoint({ config, prover: from, other: complaint.of, purpose: "shareEncryption" }, encryptionPoint(from), encryptionPoint(complaint.of), complaint);
  const key = agreedKeyOfPoint(config, "shareEncryption", shared, [from, complaint.of]);
  let pair: SharePair;
  try {
    pair = openShares({ config, key, from: complaint.of, to: from }, state.envelopes.get(complaint.of)!.get(from)!);
  } catch {
    return true;
  }
  const commitments = state.commitments.get(complaint.of)!;
  return !shareMatches(commitments.selfMask, from, pair.selfMaskShare) || !shareMatches(commitments.maskKey, from, pair.maskKeyShare);
}

/** What {@link checkComplaints} reads of a round: U1's keys, U2's commitments and envelopes. */
export type ComplaintCheckState = Pick<SharesRouted, "config" | "graph" | "keys" | "commitments" | "envelopes">;

/**
 * Checks participant `from`'s complaints message against U2: this round, sent by `from`; complaints only about its
 * neighbours in U2, each at most once, each with a valid proof of the point their encryption keys agree on, and each
 * true: that neighbour's envelope to `from` does not open under the key of that point, or its shares do not check
 * (docs/secure-aggregation.md §7, "Complaints"). The checks depend on the message and the round's Keys and Shares posts
 * alone, so every party decides alike.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` (also a false complaint).
 * @example
 * checkComplaints(routed, 2, message);
 */
export function checkComplaints(state: ComplaintCheckState, from: number, message: ComplaintsMessage): void {
  assertRoundAndParty(state.config, message.roundSeed, message.from, from, "complaints");
  assertIdsWithin(message.complaints.map(({ of }) => of), new Set(neighboursIn(state, from, state.commitments).filter((v) => v !== from)), `complaints of ${from}`);
  for (const complaint of message.complaints) {
    if (!envelopeIsBad(state, from, complaint)) throw protocolViolation(`${from}'s complaint about ${complaint.of} is false: the envelope opens under the key it revealed and its shares check`, { from, of: complaint.of });
  }
}

/**
 * C, the participants that cleared the complaints stage, from its valid messages (each taken by
 * {@link checkComplaints}): their senders, less every participant a complaint accuses. The accused dealt a neighbour
 * an envelope that fails, provably: no one masks towards them, so no mask ever needs a secret that too few valid shares
 * hold.
 *
 * @example
 * const cleared = clearedOf(validComplaints);
 */
export function clearedOf(valid: ReadonlyMap<number, ComplaintsMessage>): Set<number> {
  const accused = new Set([...valid.values()].flatMap((message) => message.complaints.map(({ of }) => of)));
  return new Set([...valid.keys()].filter((id) => !accused.has(id)));
}

/** Whether `error` is a message's own fault: its post is struck out (its sender out of the stage's set), not the round stopped. */
export const strikes = (error: unknown): boolean => error instanceof VeritrainError && (error.code === "SECAGG_MESSAGE_INVALID" || error.code === "SECAGG_KEY_INVALID");

/**
 * Stage 2 (complaints), as every party computes it: takes the complaints messages of U2's members on the ledger (each
 * the one posted), strikes those that fail {@link checkComplaints} (a false complaint included) and returns the ledger
 * whose complaints stage holds only C ({@link clearedOf}): what every participant masks towards and everyone sums by.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` (a message missing or not the one posted), `SECAGG_STAGE_INVALID`.
 * @example
 * const checked = collectComplaints(routed, complaintsMessages, ledger);
 */
export function collectComplaints(state: SharesRouted, messages: readonly ComplaintsMessage[], ledger: RoundLedger): RoundLedger {
  assertStage(state, "shares");
  const posted = new Set([...ledger.complaints.keys()].filter((id) => state.commitments.has(id)));
  const valid = new Map<number, ComplaintsMessage>();
  for (const [from, message] of matchLedger(ledger.complaints, messages, posted, "complaints")) {
    try {
      checkComplaints(state, from, message);
      valid.set(from, message);
    } catch (error) {
      if (!strikes(error)) throw error;
    }
  }
  const cleared = clearedOf(valid);
  return { ...ledger, complaints: new Map([...ledger.complaints].filter(([id]) => cleared.has(id))) };
}

/**
 * Stage 3 (collect masked vectors), server side: U3, the survivors, is who cleared the complaints stage (C, `ledger`
 * as {@link collectComplaints} returns it) and also posted an input digest (C \ U3 dropped out); sums their maskedInput
 * messages (each the one posted) mod 2^32. Every u ∈ C needs t neighbours in U3, the only ones who can answer stage 4.
 * No request follows: each survivor reads U3 from the ledger itself.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` (also a vector of the wrong length), `SECAGG_TOO_FEW_PARTICIPANTS`, `SECAGG_STAGE_INVALID`.
 * @example
 * const collected = collectMaskedInputs(sharesState, maskedInputMessages, checkedLedger);
 */
export function collectMaskedInputs(state: SharesRouted, messages: readonly MaskedInputMessage[], ledger: RoundLedger): InputsCollected {
  assertStage(state, "shares");
  const { config } = state;
  const { cleared, survivors } = ledgerSets(config, ledger);
  const arrived = matchLedger(ledger.inputs, messages, survivors, "maskedInput");
  const maskedSum = sumMaskedInputs(config, arrived);
  const dropped = [...cleared].filter((id) => !arrived.has(id)).sort((a, b) => a - b);
  for (const id of cleared) assertThreshold(config, id, neighboursIn(state, id, arrived).length, "neighbours that sent masked inputs");
  return { ...state, stage: "inputs", survivors: [...arrived.keys()], dropped, maskedSum };
}

/**
 * Rebuilds `owner`'s secret from the first t of its shares (by holder ascending), each already checked against the
 * owner's commitments (`checkUnmaskShares`), so any t give the dealt secret: every party that rebuilds it gets the same.
 */
function reconstruct(config: SecAggConfig, owner: number, secret: string, shares: readonly { holder: number; share: Uint8Array }[]): Uint8Array {
  if (shares.length < config.threshold) {
    throw new VeritrainError(
      `only ${shares.length} shares of participant ${owner}'s ${secret} arrived, fewer than the threshold ${config.threshold}: it cannot be reconstructed and the sum cannot be unmasked; restart the round`,
      { code: "SECAGG_TOO_FEW_SHARES", details: { owner, secret, shares: shares.length, threshold: config.threshold } },
    );
  }
  return scalarBytes(combineShares(shares.slice(0, config.threshold)));
}

/** What {@link checkUnmaskShares} reads of a round: its sets and commitments. */
export type UnmaskCheckState = Pick<InputsCollected, "config" | "graph" | "survivors" | "dropped" | "commitments">;

/**
 * Checks survivor `from`'s unmaskShares message against the round's sets: this round, sent by `from`; shares of b
 * only for its neighbours in U3 and of sk^mask only for its neighbours in C \ U3, each at most once, and each the
 * share of `from` that its owner's commitments fix (`shareMatches`). The checks depend on the message, the sets and the
 * round's Shares posts alone, so every party decides alike.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID`.
 * @example
 * checkUnmaskShares(inputsState, 2, message);
 */
export function checkUnmaskShares(state: UnmaskCheckState, from: number, message: UnmaskSharesMessage): void {
  assertRoundAndParty(state.config, message.roundSeed, message.from, from, "unmaskShares");
  const neighbours = new Set(state.graph[from]);
  for (const [list, owners, what, secret] of [[message.selfMaskShares, state.survivors, "self-mask", "selfMask"], [message.maskKeyShares, state.dropped, "mask-key", "maskKey"]] as const) {
    assertIdsWithin(list.map((entry) => entry.of), new Set(owners.filter((id) => neighbours.has(id))), `${what} shares of ${from}`);
    for (const { of, share } of list) {
      if (!shareMatches(state.commitments.get(of)![secret], from, share)) throw protocolViolation(`${from}'s ${what} share of ${of} is not the one ${of}'s commitments fix`, { from, of, what });
    }
  }
}

/**
 * Stage 4 (unmask), server side: from the survivors' answers (each may hold only the shares the ledger's sets
 * call for: of b_v for its surviving neighbours, of sk^mask_v for its dropped ones, each checked against its owner's
 * commitments), rebuilds b_u of every survivor and sk^mask_u's scalar of every dropped u from t of its shares, then
 * removes the masks ({@link removeMasks}). What is left is Σ_{u ∈ U3} x_u mod 2^32; the rebuilt secrets are the
 * reveal the aggregator publishes so that anyone can recompute the sum (`recomputeSum`).
 *
 * @throws VeritrainError `SECAGG_TOO_FEW_SHARES` when fewer than t shares of a needed secret arrived,
 * `SECAGG_MESSAGE_INVALID` (also a share its commitments refuse: on the chain such an answer is struck out before),
 * `SECAGG_STAGE_INVALID`.
 * @example
 * const { sum, survivors, reveal } = await unmaskSum(inputsState, unmaskShareMessages);
 */
export async function unmaskSum(state: InputsCollected, messages: readonly UnmaskSharesMessage[]): Promise<UnmaskedSum> {
  assertStage(state, "inputs");
  const { config } = state;
  assertIdsWithin(messages.map((message) => message.from), new Set(state.survivors), "unmaskShares senders");
  type Held = { holder: number; share: Uint8Array }[];
  const selfMaskShares = new Map<number, Held>(state.survivors.map((id) => [id, []]));
  const maskKeyShares = new Map<number, Held>(state.dropped.map((id) => [id, []]));
  for (const message of [...messages].sort((a, b) => a.from - b.from)) {
    checkUnmaskShares(state, message.from, message);
    for (const { of, share } of message.selfMaskShares) selfMaskShares.get(of)!.push({ holder: message.from, share });
    for (const { of, share } of message.maskKeyShares) maskKeyShares.get(of)!.push({ holder: message.from, share });
  }
  const rebuilt = (shares: ReadonlyMap<number, Held>, secret: string) => new Map([...shares].map(([owner, held]) => [owner, reconstruct(config, owner, secret, held)] as const));
  const reveal: RoundReveal = { selfMaskSeeds: rebuilt(selfMaskShares, "self-mask seed"), maskKeyScalars: rebuilt(maskKeyShares, "mask key") };
  const sum = removeMasks(maskedRound(state), reveal);
  return { sum, survivors: [...state.survivors], dropped: [...state.dropped], reveal };
}

/** What {@link removeMasks} needs of a round whose masked inputs are summed: b's C_0 of each survivor, each member of U2's mask-key point. */
function maskedRound(state: Pick<InputsCollected, "config" | "graph" | "survivors" | "dropped" | "maskedSum" | "commitments">): MaskedRound {
  const { config, graph, survivors, dropped, maskedSum, commitments } = state;
  return {
    config, graph, survivors, dropped, maskedSum,
    selfMaskPoints: new Map(survivors.map((id) => [id, commitments.get(id)!.selfMask[0]!])),
    maskKeyPoints: new Map([...commitments].map(([id, points]) => [id, points.maskKey[0]!])),
  };
}

/**
 * The stage-4 answers once the survivors in `withdrawn` count as dropped (§7, "Withdrawn inputs": the ledger dropped
 * them after stage 4 opened, their inputs withheld): the withdrawn's own answers and every share of their b are set
 * aside, and each other answer takes its sender's recovery shares (`recoveryShares`, checked by the caller: shares
 * of sk^mask of withdrawn neighbours only). With U3 minus the withdrawn as the survivors, {@link unmaskSum} then
 * removes the masks towards them as towards any dropout.
 *
 * @example
 * const answers = withoutWithdrawn(new Set([3]), unmaskAnswers, recoveries);
 */
export function withoutWithdrawn(withdrawn: ReadonlySet<number>, answers: readonly UnmaskSharesMessage[], recoveries: readonly UnmaskSharesMessage[]): UnmaskSharesMessage[] {
  return answers.filter((answer) => !withdrawn.has(answer.from)).map((answer) => {
    const own = recoveries.filter((recovery) => recovery.from === answer.from);
    return {
      ...answer,
      selfMaskShares: answer.selfMaskShares.filter(({ of }) => !withdrawn.has(of)),
      maskKeyShares: [...answer.maskKeyShares, ...own.flatMap((recovery) => recovery.maskKeyShares)],
    };
  });
}

/** What anyone can fetch once a round has ended: the messages whose digests are on the ledger, and the aggregator's reveal. */
export type RoundTranscript = {
  config: SecAggConfig;
  /** The ledger, its complaints stage as posted (every post, the accused's too: {@link collectComplaints} checks them). */
  ledger: RoundLedger;
  publicKeys: readonly PublicKeysMessage[];
  encryptedShares: readonly EncryptedSharesMessage[];
  complaints: readonly ComplaintsMessage[];
  maskedInputs: readonly MaskedInputMessage[];
  reveal: RoundReveal;
};

function revealInvalid(rule: string, details: Record<string, unknown>): VeritrainError {
  return new VeritrainError(`the aggregator's reveal is invalid: ${rule}; the round's sum cannot be recomputed, so its aggregate must be challenged`, {
    code: "SECAGG_REVEAL_INVALID",
    details: { rule, ...details },
  });
}

/** Refuses a reveal map that does not hold exactly a 32-byte secret for each of `owners`. */
function assertRevealed(secrets: ReadonlyMap<number, Uint8Array>, owners: readonly number[], what: string): void {
  const ids = [...secrets.keys()].sort((a, b) => a - b);
  if (ids.length !== owners.length || ids.some((id, i) => id !== owners[i])) throw revealInvalid(`it holds the ${what} of [${ids.join(", ")}], the ledger's sets call for [${owners.join(", ")}]`, { what, ids, expected: owners });
  for (const [owner, secret] of secrets) if (secret.length !== 32) throw revealInvalid(`the ${what} of participant ${owner} is ${secret.length} bytes, not 32`, { what, owner });
}

/**
 * Anyone's recomputation of a round's sum from its public transcript: the server's stage functions run over its
 * messages, each checked against the ledger's digests (the complaints checked too, so C is recomputed); the reveal must
 * hold b_u for exactly U3 and sk^mask_u for exactly C \ U3, each secret must match what its owner published (C_u,
 * pk^mask_u), and the masks are removed as the aggregator removes them ({@link removeMasks}). It equals the aggregator's {@link unmaskSum} bit for bit, or throws: an aggregate
 * claimed for the round is then checkable without trusting the aggregator. It reveals nothing the aggregator
 * did not already learn (docs/secure-aggregation.md §9).
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` (a message missing or not the one posted), `SECAGG_KEY_INVALID`, `SECAGG_REVEAL_INVALID`,
 * `SECAGG_RECONSTRUCTION_MISMATCH`, `SECAGG_TOO_FEW_PARTICIPANTS` (the ledger's sets could not have completed a round).
 * @example
 * assert.deepEqual(recomputeSum(transcript).sum, claimed.sum);
 */
export function recomputeSum({ config, ledger, publicKeys, encryptedShares, complaints, maskedInputs, reveal }: RoundTranscript): UnmaskedSum {
  const { state: keys } = collectPublicKeys(config, publicKeys, ledger);
  const { state: routed } = routeShares(keys, encryptedShares, ledger);
  const collected = collectMaskedInputs(routed, maskedInputs, collectComplaints(routed, complaints, ledger));
  assertRevealed(reveal.selfMaskSeeds, collected.survivors, "self-mask seed");
  assertRevealed(reveal.maskKeyScalars, collected.dropped, "mask key");
  return { sum: removeMasks(maskedRound(collected), reveal), survivors: [...collected.survivors], dropped: [...collected.dropped], reveal };
}
