import { x25519 } from "@noble/curves/ed25519.js";
import { equalBytes } from "@noble/curves/utils.js";
import { combine } from "shamir-secret-sharing";
import { VeritrainError } from "../../errors.ts";
import { selfMaskCommitment } from "./keyAgreement.ts";
import { verifyAdvertisedKeys } from "./keyPossession.ts";
import { removeMasks, type RoundReveal } from "./maskRemoval.ts";
import type {
  EncryptedSharesMessage, ForwardedSharesMessage, KeyRosterMessage, MaskedInputMessage, PublicKeyEntry, PublicKeysMessage, UnmaskSharesMessage,
} from "./messages.ts";
import { neighbourGraph } from "./neighbourGraph.ts";
import { assertIdsWithin, assertRoundAndParty, assertThreshold, protocolViolation } from "./protocolChecks.ts";
import { ledgerSets, matchLedger, type RoundLedger } from "./roundLedger.ts";
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
 * Checks participant `from`'s encryptedShares message against U1 (`state.keys`): this round, sent by `from`, a
 * 32-byte commitment, one envelope for each of its neighbours in U1 and none for anyone else. The checks depend on
 * the message and U1 alone, so every party that reads them decides alike (the envelopes' contents only their
 * recipients can check, `maskInput`).
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID`.
 * @example
 * checkEncryptedShares(keysState, 3, message);
 */
export function checkEncryptedShares(state: Pick<KeysCollected, "config" | "graph" | "keys">, from: number, message: EncryptedSharesMessage): void {
  assertRoundAndParty(state.config, message.roundSeed, message.from, from, "encryptedShares");
  if (message.selfMaskCommitment.length !== 32) throw protocolViolation(`commitment of ${from} must be 32 bytes`, { from });
  const expected = neighboursIn(state, from, state.keys).filter((v) => v !== from);
  assertIdsWithin(message.envelopes.map((envelope) => envelope.to), new Set(expected), `envelopes of ${from}`);
  if (message.envelopes.length !== expected.length) throw protocolViolation(`participant ${from} sealed ${message.envelopes.length} envelopes for its ${expected.length} roster neighbours`, { from });
}

/**
 * Stage 1 (share keys), server side: U2 is who also posted a shares digest; takes their encryptedShares
 * messages (each the one posted, addressing exactly its roster neighbours) and forwards to each u ∈ U2 the
 * envelopes addressed to it. Every u ∈ U2 needs t neighbours in U2.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID`, `SECAGG_TOO_FEW_PARTICIPANTS`, `SECAGG_STAGE_INVALID`.
 * @example
 * const { state, forwarded } = routeShares(keysState, encryptedShareMessages, ledger);
 */
export function routeShares(state: KeysCollected, messages: readonly EncryptedSharesMessage[], ledger: RoundLedger): { state: SharesRouted; forwarded: ForwardedSharesMessage[] } {
  assertStage(state, "keys");
  const { config } = state;
  const arrived = matchLedger(ledger.shares, messages, ledgerSets(config, ledger).shared, "encryptedShares");
  const inbox = new Map<number, ForwardedSharesMessage["envelopes"]>([...arrived.keys()].map((id) => [id, []]));
  const commitments = new Map<number, Uint8Array>();
  for (const [from, message] of arrived) {
    checkEncryptedShares(state, from, message);
    commitments.set(from, message.selfMaskCommitment);
    for (const { to, envelope } of message.envelopes) inbox.get(to)?.push({ from, envelope });
  }
  const next: SharesRouted = { ...state, stage: "shares", commitments };
  for (const id of commitments.keys()) assertThreshold(config, id, neighboursIn(state, id, commitments).length, "neighbours that sent share envelopes");
  const forwarded = [...inbox].map(([to, envelopes]): ForwardedSharesMessage => ({ kind: "forwardedShares", roundSeed: config.roundSeed, to, envelopes }));
  return { state: next, forwarded };
}

/**
 * Stage 2 (collect masked vectors), server side: U3, the survivors, is who also posted an input digest
 * (U2 \ U3 dropped out); sums their maskedInput messages (each the one posted) mod 2^32. Every u ∈ U2 needs
 * t neighbours in U3, the only ones who can answer stage 3. No request follows: each survivor reads U3 from
 * the ledger itself.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` (also a vector of the wrong length), `SECAGG_TOO_FEW_PARTICIPANTS`, `SECAGG_STAGE_INVALID`.
 * @example
 * const collected = collectMaskedInputs(sharesState, maskedInputMessages, ledger);
 */
export function collectMaskedInputs(state: SharesRouted, messages: readonly MaskedInputMessage[], ledger: RoundLedger): InputsCollected {
  assertStage(state, "shares");
  const { config } = state;
  const arrived = matchLedger(ledger.inputs, messages, ledgerSets(config, ledger).survivors, "maskedInput");
  const maskedSum = sumMaskedInputs(config, arrived);
  const survivors = [...arrived.keys()];
  const dropped = [...state.commitments.keys()].filter((id) => !arrived.has(id));
  for (const id of state.commitments.keys()) assertThreshold(config, id, neighboursIn(state, id, arrived).length, "neighbours that sent masked inputs");
  return { ...state, stage: "inputs", survivors, dropped, maskedSum };
}

/** The t-subsets of `items` in lexicographic order of their positions (`items` first `t` first). */
function* subsetsOf<T>(items: readonly T[], t: number): Generator<T[]> {
  const at = Array.from({ length: t }, (_, i) => i);
  while (true) {
    yield at.map((i) => items[i]!);
    let i = t - 1;
    while (i >= 0 && at[i] === items.length - t + i) i--;
    if (i < 0) return;
    at[i]!++;
    for (let j = i + 1; j < t; j++) at[j] = at[j - 1]! + 1;
  }
}

/**
 * Rebuilds `owner`'s secret robustly: combines t of its shares at a time, the t-subsets in a fixed order (shares by
 * sender ascending, subsets lexicographic, so the honest case costs one `combine`), until one gives a secret that
 * `matches` what the owner published (C_u for b_u, pk^mask for sk^mask). A share altered by its holder, or malformed,
 * then only costs tries: the secret is rebuilt while t of the shares are the dealer's. Every party that rebuilds
 * from the same shares takes the same subset, hence the same secret.
 */
async function reconstruct(config: SecAggConfig, owner: number, secret: string, shares: readonly Uint8Array[], matches: (candidate: Uint8Array) => boolean): Promise<Uint8Array> {
  if (shares.length < config.threshold) {
    throw new VeritrainError(
      `only ${shares.length} shares of participant ${owner}'s ${secret} arrived, fewer than the threshold ${config.threshold}: it cannot be reconstructed and the sum cannot be unmasked; restart the round`,
      { code: "SECAGG_TOO_FEW_SHARES", details: { owner, secret, shares: shares.length, threshold: config.threshold } },
    );
  }
  for (const subset of subsetsOf(shares, config.threshold)) {
    // `combine` refuses shares of unequal lengths or with one x twice: such a subset holds a malformed share.
    const candidate = await combine(subset).catch(() => undefined);
    if (candidate !== undefined && candidate.length === 32 && matches(candidate)) return candidate;
  }
  throw new VeritrainError(
    `no ${config.threshold} of the ${shares.length} shares of participant ${owner}'s ${secret} rebuild a secret that matches what it published: fewer than ${config.threshold} of them are the dealer's; the sum cannot be unmasked`,
    { code: "SECAGG_RECONSTRUCTION_MISMATCH", details: { owner, secret, shares: shares.length, threshold: config.threshold } },
  );
}

/**
 * Checks survivor `from`'s unmaskShares message against the round's sets: this round, sent by `from`, shares of b
 * only for its neighbours in U3 and of sk^mask only for its neighbours in U2 \ U3, each at most once. The checks
 * depend on the message and the sets alone, so every party decides alike; the shares themselves are checked by
 * rebuilding (`unmaskSum`).
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID`.
 * @example
 * checkUnmaskShares(inputsState, 2, message);
 */
export function checkUnmaskShares(state: Pick<InputsCollected, "config" | "graph" | "survivors" | "dropped">, from: number, message: UnmaskSharesMessage): void {
  assertRoundAndParty(state.config, message.roundSeed, message.from, from, "unmaskShares");
  const neighbours = new Set(state.graph[from]);
  for (const [list, owners, what] of [[message.selfMaskShares, state.survivors, "self-mask"], [message.maskKeyShares, state.dropped, "mask-key"]] as const) {
    assertIdsWithin(list.map((entry) => entry.of), new Set(owners.filter((id) => neighbours.has(id))), `${what} shares of ${from}`);
  }
}

/**
 * Stage 3 (unmask), server side: from the survivors' answers (each may hold only the shares the ledger's sets
 * call for: of b_v for its surviving neighbours, of sk^mask_v for its dropped ones), rebuilds b_u of every
 * survivor and sk^mask_u of every dropped u, each from t of its shares that give what its owner published
 * (a share its holder altered or malformed only costs tries while t of them are the dealer's), then removes the masks ({@link removeMasks}). What is left is
 * Σ_{u ∈ U3} x_u mod 2^32; the rebuilt secrets are the reveal the aggregator publishes so that anyone can
 * recompute the sum (`recomputeSum`).
 *
 * @throws VeritrainError `SECAGG_TOO_FEW_SHARES` when fewer than t shares of a needed secret arrived,
 * `SECAGG_RECONSTRUCTION_MISMATCH` when no t of them rebuild it, `SECAGG_MESSAGE_INVALID`, `SECAGG_STAGE_INVALID`.
 * @example
 * const { sum, survivors, reveal } = await unmaskSum(inputsState, unmaskShareMessages);
 */
export async function unmaskSum(state: InputsCollected, messages: readonly UnmaskSharesMessage[]): Promise<UnmaskedSum> {
  assertStage(state, "inputs");
  const { config } = state;
  const surviving = new Set(state.survivors);
  assertIdsWithin(messages.map((message) => message.from), surviving, "unmaskShares senders");
  const selfMaskShares = new Map<number, Uint8Array[]>(state.survivors.map((id) => [id, []]));
  const maskKeyShares = new Map<number, Uint8Array[]>(state.dropped.map((id) => [id, []]));
  for (const message of [...messages].sort((a, b) => a.from - b.from)) {
    checkUnmaskShares(state, message.from, message);
    for (const { of, share } of message.selfMaskShares) selfMaskShares.get(of)!.push(share);
    for (const { of, share } of message.maskKeyShares) maskKeyShares.get(of)!.push(share);
  }
  const maskPublicKeys = new Map([...state.keys].map(([id, entry]) => [id, entry.maskPublicKey]));
  const rebuild = async (pool: Map<number, Uint8Array[]>, secret: string, matches: (owner: number, candidate: Uint8Array) => boolean) =>
    new Map(await Promise.all([...pool].map(async ([owner, shares]) => [owner, await reconstruct(config, owner, secret, shares, (candidate) => matches(owner, candidate))] as const)));
  const reveal: RoundReveal = {
    selfMaskSeeds: await rebuild(selfMaskShares, "self-mask seed", (owner, seed) => equalBytes(selfMaskCommitment(config, owner, seed), state.commitments.get(owner)!)),
    maskSecretKeys: await rebuild(maskKeyShares, "mask secret key", (owner, key) => equalBytes(x25519.getPublicKey(key), maskPublicKeys.get(owner)!)),
  };
  const sum = removeMasks({ ...state, maskPublicKeys }, reveal);
  return { sum, survivors: [...state.survivors], dropped: [...state.dropped], reveal };
}

/**
 * The stage-3 answers once the survivors in `withdrawn` count as dropped (§7, "Withdrawn inputs": the ledger dropped
 * them after stage 3 opened, their inputs withheld): the withdrawn's own answers and every share of their b are set
 * aside, and each other answer takes its sender's recovery shares (`recoveryShares`, checked by the caller: shares
 * of sk^mask of withdrawn neighbours only). With U3 minus the withdrawn as the survivors, {@link unmaskSum} then
 * removes the masks towards them as towards any dropout.
 *
 * @example
 * const answers = withoutWithdrawn(new Set([3]), unmaskAnswers, recoveries);
 */
export function withoutWithdrawn(withdrawn: ReadonlySet<number>, answers: readonly UnmaskSharesMessage[], recoveries: readonly UnmaskSharesMessage[]): UnmaskSharesMessage[] {
  return answers.filter((answer) => !withdrawn.has(answer.from)).map((answer) => ({
    ...answer,
    selfMaskShares: answer.selfMaskShares.filter(({ of }) => !withdrawn.has(of)),
    maskKeyShares: [...answer.maskKeyShares, ...recoveries.filter((recovery) => recovery.from === answer.from).flatMap((recovery) => recovery.maskKeyShares)],
  }));
}

/** What anyone can fetch once a round has ended: the messages whose digests are on the ledger, and the aggregator's reveal. */
export type RoundTranscript = {
  config: SecAggConfig;
  ledger: RoundLedger;
  publicKeys: readonly PublicKeysMessage[];
  encryptedShares: readonly EncryptedSharesMessage[];
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
 * Anyone's recomputation of a round's sum from its public transcript: every message is checked against the
 * ledger's digests, the reveal must hold b_u for exactly U3 and sk^mask_u for exactly U2 \ U3, each secret
 * must match what its owner published (C_u, pk^mask_u), and the masks are removed as the aggregator removes
 * them ({@link removeMasks}). It equals the aggregator's {@link unmaskSum} bit for bit, or throws: an aggregate
 * claimed for the round is then checkable without trusting the aggregator. It reveals nothing the aggregator
 * did not already learn (docs/secure-aggregation.md §9).
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` (a message missing or not the one posted), `SECAGG_REVEAL_INVALID`,
 * `SECAGG_RECONSTRUCTION_MISMATCH`, `SECAGG_TOO_FEW_PARTICIPANTS` (the ledger's sets could not have completed a round).
 * @example
 * assert.deepEqual(recomputeSum(transcript).sum, claimed.sum);
 */
export function recomputeSum({ config, ledger, publicKeys, encryptedShares, maskedInputs, reveal }: RoundTranscript): UnmaskedSum {
  const sets = ledgerSets(config, ledger);
  const graph = neighbourGraph(config);
  const keys = matchLedger(ledger.keys, publicKeys, sets.advertised, "publicKeys");
  const shares = matchLedger(ledger.shares, encryptedShares, sets.shared, "encryptedShares");
  const inputs = matchLedger(ledger.inputs, maskedInputs, sets.survivors, "maskedInput");
  const survivors = [...inputs.keys()];
  const dropped = [...shares.keys()].filter((id) => !inputs.has(id));
  for (const id of shares.keys()) assertThreshold(config, id, graph[id]!.filter((v) => inputs.has(v)).length, "neighbours that sent masked inputs");
  assertRevealed(reveal.selfMaskSeeds, survivors, "self-mask seed");
  assertRevealed(reveal.maskSecretKeys, dropped, "mask secret key");
  const maskedSum = sumMaskedInputs(config, inputs);
  const commitments = new Map(survivors.map((id) => [id, shares.get(id)!.selfMaskCommitment]));
  const maskPublicKeys = new Map([...keys].map(([id, message]) => [id, message.maskPublicKey]));
  const sum = removeMasks({ config, graph, survivors, dropped, maskedSum, commitments, maskPublicKeys }, reveal);
  return { sum, survivors, dropped, reveal };
}
