import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { removeBlob } from "../content/chunkedBlob.ts";
import type { ContentStore } from "../content/contentStore.ts";
import { VeritrainError } from "../errors.ts";
import {
  advertisedEntry, checkComplaints, checkEncryptedShares, checkUnmaskShares, clearedOf, collectMaskedInputs, collectPublicKeys, routeShares, strikes, unmaskSum, withoutWithdrawn, type UnmaskedSum,
} from "../privacy/secAgg/aggregator.ts";
import type { EncryptedSharesMessage, PublicKeysMessage, SecAggMessage, UnmaskSharesMessage } from "../privacy/secAgg/messages.ts";
import { neighbourGraph } from "../privacy/secAgg/neighbourGraph.ts";
import { decodeSecAggMessage, encodeSecAggMessage } from "../privacy/secAgg/messageCodec.ts";
import { advertiseKeys, checkEnvelopes, maskInput, recoveryShares, revealShares, shareKeys, type MaskedParticipant, type RandomBytes } from "../privacy/secAgg/participant.ts";
import { decodeParticipantState, encodeParticipantState, type ParticipantState } from "../privacy/secAgg/participantState.ts";
import { isPosted, ledgerDigest, ledgerSets } from "../privacy/secAgg/roundLedger.ts";
import type { SecAggConfig } from "../privacy/secAgg/secAggConfig.ts";
import { retry } from "../runtime/retry.ts";
import { writeFileAtomic } from "../runtime/writeFileAtomic.ts";
import {
  decodeLedgerMessage, droppedIn, fetchMaskedInputs, postRecoveryShares, postSecAggMessage, readSecAggLedger, secAggStageClosed,
  type ClosingStage, type PostedSecAggMessage, type SecAggLedgerOnChain, type SecAggRoundParameters,
} from "./secAggLedgerOnChain.ts";
import { ownerRoundFiles } from "./ownerCommitments.ts";

/** Parameters every party of an on-chain secure round shares. */
export type SecureRoundParameters = SecAggRoundParameters & {
  store: ContentStore;
  /** The round's parameters; its seed is `secAggRoundSeed`'s, its participants the job's slots. */
  config: SecAggConfig;
  /** Bounds each message fetch. */
  bounded: () => AbortSignal;
  /** How often to look whether a stage closed. */
  pollMs: number;
  /** Ends the waits. */
  signal: AbortSignal;
};

/** Parameters of {@link secureSlotRound}. */
export type SecureSlotRoundParameters = SecureRoundParameters & {
  /** The caller's slot: its participant id. */
  slot: number;
  /**
   * Trains its quantised update, L words: called at once (it trains while the keys and shares stages run), unless the
   * slot resumes past masking. Its signal aborts once the slot's part ends without masking (it left the round, or a
   * stage failed): the update is then never used.
   */
  train: (signal: AbortSignal) => Promise<Uint32Array>;
  /** Where the slot keeps its state of the round between stages (secret, like its keys): a restarted keeper resumes from it. */
  stateFile: string;
  /** @default cryptographic randomness */
  random?: RandomBytes;
  /** Devnet fault demo: commit the masked input without storing it (`postSecAggMessage`). */
  withholdInput?: boolean;
  /** Devnet fault demo: seal garbage for one of its neighbours ({@link spoiledShares}): its complaint puts the slot out of the round. */
  spoilEnvelopes?: boolean;
};

/**
 * Waits until `stage` of the round closed, looking every `pollMs`; a stage closes by the chain's clock at the latest.
 *
 * @example
 * await closed({ chain, jobId, round, pollMs: 200, signal }, "inputs"); // training closed
 */
export async function closed(parameters: SecAggRoundParameters & Pick<SecureRoundParameters, "pollMs" | "signal">, stage: ClosingStage): Promise<void> {
  const open = new Error(`${stage} open`);
  await retry(async () => {
    if (!(await secAggStageClosed(parameters, stage))) throw open;
  }, { attempts: Infinity, delayMs: parameters.pollMs, backoff: 1, signal: parameters.signal, shouldRetry: (error) => error === open });
}

/** The entries of a ledger stage whose slots are in `members`. */
const within = (entries: ReadonlyMap<number, Uint8Array>, members: ReadonlySet<number>) => new Map([...entries].filter(([slot]) => members.has(slot)));

/** The round's ledger as every party reads it ({@link checkedSecAggLedger}), with its valid messages decoded. */
export type CheckedSecAggLedger = SecAggLedgerOnChain & {
  /** U1's publicKeys messages, by slot ascending. */
  publicKeys: PublicKeysMessage[];
  /** U2's encryptedShares messages. */
  encryptedShares: EncryptedSharesMessage[];
  /** The survivors whose inputs the sum takes: U3 without the withdrawn. */
  counted: ReadonlySet<number>;
  /**
   * The answers the sum takes: the valid unmaskShares messages of U3's members that posted one, and once inputs were
   * withdrawn, without the withdrawn's answers and b-shares and with the valid recovery shares ({@link withoutWithdrawn}).
   */
  unmaskShares: UnmaskSharesMessage[];
};

/** The posts of `members` whose message `check` takes (decoded and checked), by slot ascending; `check` throwing a message's own fault strikes it. */
function validPosts<M>(messages: ReadonlyMap<number, Uint8Array>, members: ReadonlySet<number>, check: (slot: number, bytes: Uint8Array) => M): Map<number, M> {
  const valid = new Map<number, M>();
  for (const [slot, bytes] of [...messages].filter(([slot]) => members.has(slot)).sort(([a], [b]) => a - b)) {
    try {
      valid.set(slot, check(slot, bytes));
    } catch (error) {
      if (!strikes(error)) throw error;
    }
  }
  return valid;
}

/**
 * The round's ledger from the chain with every post struck out whose message fails the checks that depend on the
 * message alone and the sets before it: a Keys post that is not a valid publicKeys message of this round and slot
 * with verifying possession proofs (`advertisedEntry`); a Shares post that is not an encryptedShares message
 * with the commitments of its sharings and addressing exactly the slot's neighbours in U1 (`checkEncryptedShares`); a
 * Complaints post that is not a complaints message of true complaints about the slot's neighbours in U2
 * (`checkComplaints`), and the Complaints post of every slot a true complaint accuses (`clearedOf`); an Unmask post that
 * is not an unmaskShares message holding only the shares the sets call for, each the one its owner's commitments fix
 * (`checkUnmaskShares`), and likewise a recovery post holding more than the poster's share of its withdrawn neighbour's
 * mask key. The messages are on the chain, the same for every party, so every party strikes the same posts: such a
 * sender is out of U1, U2 or C for all (an invalid unmask answer only counts as none) instead of stopping the round.
 *
 * @throws VeritrainError `CHAIN_LOGS_INCOMPLETE`.
 * @example
 * const { ledger, publicKeys, encryptedShares } = await checkedSecAggLedger({ chain, jobId, round, config });
 */
export async function checkedSecAggLedger(parameters: SecAggRoundParameters & Pick<SecureRoundParameters, "config">): Promise<CheckedSecAggLedger> {
  const { config } = parameters;
  const onChain = await readSecAggLedger(parameters);
  const graph = neighbourGraph(config);
  const publicKeys = validPosts(onChain.messages.keys, ledgerSets(config, onChain.ledger).advertised, (slot, bytes) => {
    const message = decodeLedgerMessage(slot, bytes, "publicKeys");
    return { message, entry: advertisedEntry(config, slot, message) };
  });
  const keys = new Map([...publicKeys].map(([slot, { entry }]) => [slot, entry]));
  const afterKeys = { ...onChain.ledger, keys: within(onChain.ledger.keys, new Set(keys.keys())) };
  const encryptedShares = validPosts(onChain.messages.shares, ledgerSets(config, afterKeys).shared, (slot, bytes) => {
    const message = decodeLedgerMessage(slot, bytes, "encryptedShares");
    return { message, commitments: checkEncryptedShares({ config, graph, keys }, slot, message) };
  });
  const afterShares = { ...afterKeys, shares: within(afterKeys.shares, new Set(encryptedShares.keys())) };
  const commitments = new Map([...encryptedShares].map(([slot, posted]) => [slot, posted.commitments]));
  const envelopes = new Map([...encryptedShares].map(([slot, { message }]) => [slot, new Map(message.envelopes.map(({ to, envelope }) => [to, envelope]))]));
  const complaints = validPosts(onChain.messages.complaints, ledgerSets(config, afterShares).shared, (slot, bytes) => {
    const message = decodeLedgerMessage(slot, bytes, "complaints");
    checkComplaints({ config, graph, keys, commitments, envelopes }, slot, message);
    return message;
  });
  const ledger = { ...afterShares, complaints: within(afterShares.complaints, clearedOf(complaints)) };
  const { cleared, survivors } = ledgerSets(config, ledger);
  const sets = { config, graph, commitments, survivors: [...survivors], dropped: [...cleared].filter((slot) => !survivors.has(slot)) };
  const answers = (posts: ReadonlyMap<number, Uint8Array>, members: ReadonlySet<number>, owners: Pick<typeof sets, "survivors" | "dropped">) => validPosts(posts, members, (slot, bytes) => {
    const message = decodeLedgerMessage(slot, bytes, "unmaskShares");
    checkUnmaskShares({ ...sets, ...owners }, slot, message);
    return message;
  });
  const unmaskShares = answers(onChain.messages.unmask, survivors, sets);
  const counted = new Set([...survivors].filter((slot) => !onChain.withdrawn.has(slot)));
  // Only of C's members out of the sum: no one masked towards a slot outside C.
  const recoveries = [...onChain.messages.recoveries].filter(([owner]) => cleared.has(owner) && !counted.has(owner))
    .flatMap(([owner, posts]) => [...answers(posts, counted, { survivors: [], dropped: [owner] }).values()]);
  return {
    ...onChain,
    ledger,
    unmask: within(onChain.unmask, new Set(unmaskShares.keys())),
    publicKeys: [...publicKeys.values()].map(({ message }) => message),
    encryptedShares: [...encryptedShares.values()].map(({ message }) => message),
    counted,
    unmaskShares: withoutWithdrawn(onChain.withdrawn, [...unmaskShares.values()], recoveries),
  };
}

/** The share stage's outcome every party computes alike: U2's commitments, and the envelopes addressed to each member. */
function collectShares({ config }: Pick<SecureRoundParameters, "config">, { ledger, publicKeys, encryptedShares }: CheckedSecAggLedger) {
  const { state } = collectPublicKeys(config, publicKeys, ledger);
  return routeShares(state, encryptedShares, ledger);
}

/** What a slot keeps on disk between the stages of a secure round: its state and the message of its last stage. */
type SavedSlot = { state: ParticipantState; message: PostedSecAggMessage };

/** The saved file as written: the encoded state, and the bytes of the message posted last. */
function readSavedFile(file: string): { state: string; message: Uint8Array } | undefined {
  if (!existsSync(file)) return undefined;
  const { state, message } = JSON.parse(readFileSync(file, "utf8")) as { state: string; message: string };
  return { state, message: hexToBytes(message) };
}

function readSavedSlot(file: string, config: SecAggConfig): SavedSlot | undefined {
  const saved = readSavedFile(file);
  return saved && { state: decodeParticipantState(saved.state, config), message: decodeSecAggMessage(saved.message) as PostedSecAggMessage };
}

/** Whether the ledger holds `message` as the slot's post of its stage. */
function onLedger({ ledger }: SecAggLedgerOnChain, slot: number, message: PostedSecAggMessage): boolean {
  const entries = message.kind === "publicKeys" ? ledger.keys : message.kind === "encryptedShares" ? ledger.shares : message.kind === "complaints" ? ledger.complaints : ledger.inputs;
  return message.kind !== "unmaskShares" && isPosted(entries, slot, ledgerDigest(message));
}

/**
 * A slot's part in one secure round over the chain (docs/secure-aggregation.md §4): there is no server to relay,
 * so each stage's messages go on the ledger (the masked input to the content store, its digest on the registry),
 * and the party builds for itself what the server would have sent it (its key roster, its forwarded envelopes)
 * from the ledger's messages ({@link checkedSecAggLedger}), with the server's own checks. Stages: post the keys;
 * once Keys closed, share with the roster's neighbours; once Shares closed, check the envelopes and post the
 * complaints (none, or one per neighbour whose envelope failed); once Complaints closed, mask the input towards the
 * neighbours that cleared it and commit it as the slot's update; once training closed, post the unmask shares the
 * ledger's sets call for.
 *
 * Before each post the slot writes its state and the message to `stateFile` (as secret as its keys), so a keeper
 * restarted in the round goes on where it stopped: it posts the saved message if the ledger lacks it, then the
 * stages after it, training again only if its masked input is still to come (the update is the same: the noise
 * seed is kept too, `commitOwner`). Without the file, a slot whose keys are on the ledger is out of the round.
 * Returns the slots it complained about (their envelopes to it failed; none when it resumed past the complaints), and
 * `out`, why the slot left the round without an input, when its own complaints post did not clear (a true complaint
 * accuses it, or its own were struck): the registry drops it once training closes.
 *
 * @throws VeritrainError from the protocol's checks (`SECAGG_*`; `SECAGG_STATE_INVALID` for a state file it
 * cannot read), `CHAIN_LOGS_INCOMPLETE`, a decoded revert for a stage that closed before the slot posted (it dropped
 * out of the round).
 * @example
 * await secureSlotRound({ chain, store, jobId, round, config, slot: 2, train, stateFile, bounded, pollMs: 1000, signal });
 */
export async function secureSlotRound(parameters: SecureSlotRoundParameters): Promise<{ complainedOf: number[]; out?: string }> {
  const saved = readSavedSlot(parameters.stateFile, parameters.config);
  const training = new AbortController();
  // The update is awaited only at the masking stage; an earlier failure must not leave its rejection unhandled.
  const input = saved?.state.stage === "masked" ? undefined : parameters.train(AbortSignal.any([parameters.signal, training.signal]));
  input?.catch(() => undefined);
  try {
    return await slotStages(parameters, saved, input);
  } finally {
    // Masked (the update was used) or out of the round: either way no training is needed any longer.
    training.abort();
  }
}

/** {@link secureSlotRound}'s stages from where `saved` left the slot; `input` resolves to its update. */
async function slotStages(parameters: SecureSlotRoundParameters, saved: SavedSlot | undefined, input: Promise<Uint32Array> | undefined): Promise<{ complainedOf: number[]; out?: string }> {
  const { config, slot, random, stateFile } = parameters;
  const post = async (state: ParticipantState, message: PostedSecAggMessage): Promise<SavedSlot> => {
    mkdirSync(dirname(stateFile), { recursive: true });
    writeFileAtomic(stateFile, JSON.stringify({ state: encodeParticipantState(state), message: bytesToHex(encodeSecAggMessage(message)) }));
    await postSecAggMessage({ ...parameters, message });
    return { state, message };
  };
  const start = await readSecAggLedger(parameters);
  let current: SavedSlot;
  if (saved === undefined) {
    if (start.ledger.keys.has(slot)) throw new VeritrainError(`slot ${slot}'s keys are on the round's ledger but its state is not in ${stateFile}: it is out of the round`, { code: "SECAGG_STATE_INVALID", details: { slot } });
    const advertised = advertiseKeys({ config, id: slot, random });
    current = await post(advertised.state, advertised.message);
  } else {
    if (!onLedger(start, slot, saved.message)) await postSecAggMessage({ ...parameters, message: saved.message });
    current = saved;
  }
  let complainedOf: number[] = [];
  if (current.state.stage === "advertised") {
    await closed(parameters, "keys");
    const afterKeys = await checkedSecAggLedger(parameters);
    const roster = collectPublicKeys(config, afterKeys.publicKeys, afterKeys.ledger).rosters.find((message) => message.to === slot);
    if (roster === undefined) throw new VeritrainError(`slot ${slot}'s keys are not on the round's ledger`, { code: "SECAGG_MESSAGE_INVALID", details: { slot } });
    const sharing = await shareKeys(current.state, roster, afterKeys.ledger, random);
    const message = parameters.spoilEnvelopes === true ? spoiledShares(sharing.message) : sharing.message;
    current = await post({ ...sharing.state, sharesDigest: ledgerDigest(message) }, message);
  }
  if (current.state.stage === "shared") {
    await closed(parameters, "shares");
    const afterShares = await checkedSecAggLedger(parameters);
    const forwarded = collectShares(parameters, afterShares).forwarded.find((message) => message.to === slot)!;
    const checked = checkEnvelopes(current.state, forwarded, afterShares.ledger);
    complainedOf = checked.message.complaints.map(({ of }) => of);
    current = await post(checked.state, checked.message);
  }
  if (current.state.stage === "checked") {
    await closed(parameters, "complaints");
    const { ledger } = await checkedSecAggLedger(parameters);
    if (!ledger.complaints.has(slot)) return { complainedOf, out: `slot ${slot}'s complaints post did not clear: a neighbour's true complaint accuses it, or its own were struck; it masks no input this round` };
    const masked = maskInput(current.state, await input!, ledger);
    current = await post(masked.state, masked.message);
  }
  await closed(parameters, "inputs");
  const end = await checkedSecAggLedger(parameters);
  if (!end.messages.unmask.has(slot)) await postSecAggMessage({ ...parameters, message: revealShares(current.state as MaskedParticipant, end.ledger) });
  return { complainedOf };
}

/**
 * The devnet's bad dealer: `message` with garbage (each byte the recipient's id) in place of its first envelope: its
 * recipient complains, every party finds the complaint true, and the round goes on without the sender
 * (docs/secure-aggregation.md §7, "Complaints").
 */
export function spoiledShares(message: EncryptedSharesMessage): EncryptedSharesMessage {
  return { ...message, envelopes: message.envelopes.map(({ to, envelope }, i) => ({ to, envelope: i === 0 ? new Uint8Array(envelope.length).fill(to) : envelope })) };
}

/**
 * The round's sum mod 2^32 of the survivors' inputs, as anyone computes it once training closed: the ledger's
 * messages checked, the survivors' masked inputs (withdrawn ones left out) fetched by their commitments and summed,
 * and the masks removed with the secrets rebuilt from the unmask and recovery shares posted so far. The aggregator computes it to post the round's aggregate; a checker
 * computes it, once the aggregate is posted (the unmask stage is then over), to judge it.
 *
 * @throws VeritrainError `SECAGG_TOO_FEW_SHARES` while fewer than t unmask shares of a needed secret are posted;
 * the protocol's other checks; `RESULT_NOT_FOUND` for a masked input no peer serves.
 * @example
 * const { sum, survivors } = await secureRoundSum({ chain, store, jobId, round, config, bounded, pollMs: 1000, signal });
 */
export async function secureRoundSum(parameters: SecureRoundParameters): Promise<UnmaskedSum> {
  await closed(parameters, "inputs");
  const checked = await checkedSecAggLedger(parameters);
  const counted = within(checked.ledger.inputs, checked.counted);
  const maskedInputs = await fetchMaskedInputs(parameters, counted, parameters.bounded);
  return unmaskSum(collectMaskedInputs(collectShares(parameters, checked).state, maskedInputs, { ...checked.ledger, inputs: counted }), checked.unmaskShares);
}

/**
 * A slot's own masked input once the slot was dropped after committing it (withdrawn, docs/secure-aggregation.md §7):
 * removed from its store (`ContentStore.remove`), so that it is not served once both of the slot's secrets are
 * public (§9). Returns whether the slot's saved state held a masked input to remove.
 *
 * @example
 * await removeWithdrawnInput(store, ownerRoundFile(dataDir, jobId, round, "secagg"));
 */
export async function removeWithdrawnInput(store: ContentStore, stateFile: string): Promise<boolean> {
  const saved = readSavedFile(stateFile);
  if (saved === undefined || decodeSecAggMessage(saved.message).kind !== "maskedInput") return false;
  await removeBlob(store, saved.message);
  return true;
}

/**
 * Before a data owner's keeper serves anything: every masked input that its saved round states hold
 * ({@link ownerRoundFiles}) and whose slot the registry dropped in that round since ({@link droppedIn}), removed from
 * its store ({@link removeWithdrawnInput}). Its round loop removes an input when it handles its slot's `SlotDropped`,
 * but a keeper restarted after that event would serve the input, whose two secrets are then public
 * (docs/secure-aggregation.md §9), from the moment its store listens until its loop reached the event. `openStore`
 * opens the keeper's store offline; it is called only if there is an input to remove, and closed after. Returns
 * the inputs removed.
 *
 * @throws VeritrainError `SECAGG_STATE_INVALID` for a state file it cannot read.
 * @example
 * await removeWithdrawnInputs({ chain, dataDir, openStore: () => createHeliaContentStore({ directory }) });
 */
export async function removeWithdrawnInputs({ chain, dataDir, openStore }: {
  chain: ProtocolConnection;
  dataDir: string;
  openStore: () => Promise<ContentStore>;
}): Promise<{ jobId: bigint; round: number; slot: number }[]> {
  const slots = new Map<bigint, Promise<readonly { active: boolean; roundsEarned: number }[]>>();
  const withdrawn: { jobId: bigint; round: number; slot: number; file: string }[] = [];
  for (const { jobId, round, file } of ownerRoundFiles(dataDir, "secagg")) {
    const message = savedMessage(file);
    if (message.kind !== "maskedInput") continue;
    if (!slots.has(jobId)) slots.set(jobId, chain.contracts.RoundJobRegistry.read.slotsOf([jobId]));
    const view = (await slots.get(jobId)!)[message.from];
    if (view !== undefined && droppedIn(view, round)) withdrawn.push({ jobId, round, slot: message.from, file });
  }
  if (withdrawn.length === 0) return [];
  const store = await openStore();
  try {
    for (const { file } of withdrawn) await removeWithdrawnInput(store, file);
  } finally {
    await store.close();
  }
  return withdrawn.map(({ jobId, round, slot }) => ({ jobId, round, slot }));
}

/** The message a saved round state holds (the slot's last post); `SECAGG_STATE_INVALID` if the file cannot be read. */
function savedMessage(file: string): SecAggMessage {
  try {
    return decodeSecAggMessage(readSavedFile(file)!.message);
  } catch (cause) {
    throw new VeritrainError(`the secure-aggregation state ${file} cannot be read: restore it from a backup, or move it away if its round is over`, { code: "SECAGG_STATE_INVALID", details: { file }, cause });
  }
}

/**
 * A slot's recovery answers (docs/secure-aggregation.md §7, "Withdrawn inputs"): for each neighbour of U3 that the
 * registry dropped after training closed (withdrawn), its share of that neighbour's mask key (`recoveryShares`),
 * posted once, from the slot's saved round state. Returns the neighbours it posted for. Nothing to do for a slot that
 * has not answered stage 4 (its own answer comes first, `secureSlotRound`) or keeps no state of the round.
 *
 * @throws VeritrainError `CHAIN_LOGS_INCOMPLETE`, `SECAGG_STATE_INVALID` for a state file it cannot read, a decoded revert.
 * @example
 * await recoverWithdrawn({ chain, jobId, round, config, slot: 1, stateFile });
 */
export async function recoverWithdrawn(parameters: SecAggRoundParameters & Pick<SecureSlotRoundParameters, "config" | "slot" | "stateFile">): Promise<number[]> {
  const { config, slot, stateFile } = parameters;
  const saved = readSavedSlot(stateFile, config);
  const checked = await checkedSecAggLedger(parameters);
  if (saved?.state.stage !== "masked" || !checked.messages.unmask.has(slot)) return [];
  const state = saved.state;
  const { survivors } = ledgerSets(config, checked.ledger);
  const owners = [...checked.withdrawn].filter((owner) => survivors.has(owner) && owner !== slot && state.held.has(owner) && !checked.messages.recoveries.get(owner)!.has(slot));
  for (const owner of owners) await postRecoveryShares({ ...parameters, owner, message: recoveryShares(state, checked.ledger, owner) });
  return owners;
}
