import type { ContentStore } from "../content/contentStore.ts";
import { VeritrainError } from "../errors.ts";
import { collectMaskedInputs, collectPublicKeys, routeShares, unmaskSum, type UnmaskedSum } from "../privacy/secAgg/aggregator.ts";
import { advertiseKeys, maskInput, revealShares, shareKeys, type RandomBytes } from "../privacy/secAgg/participant.ts";
import { ledgerSets, type RoundLedger } from "../privacy/secAgg/roundLedger.ts";
import type { SecAggConfig } from "../privacy/secAgg/secAggConfig.ts";
import { retry } from "../runtime/retry.ts";
import {
  fetchSecAggMessages, postSecAggMessage, readSecAggLedger, secAggStageClosed, type ClosingStage, type SecAggRoundParameters,
} from "./secAggLedgerOnChain.ts";

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
  /** Its quantised update, L words (it may still be training while the keys and shares stages run). */
  input: Promise<Uint32Array>;
  /** @default cryptographic randomness */
  random?: RandomBytes;
};

/** Waits until `stage` of the round closed; a stage closes by the chain's clock at the latest. */
async function closed(parameters: SecureRoundParameters, stage: ClosingStage): Promise<void> {
  const open = new Error(`${stage} open`);
  await retry(async () => {
    if (!(await secAggStageClosed(parameters, stage))) throw open;
  }, { attempts: Infinity, delayMs: parameters.pollMs, backoff: 1, signal: parameters.signal, shouldRetry: (error) => error === open });
}

/** The entries of a ledger stage whose slots are in `members`. */
const within = (entries: ReadonlyMap<number, Uint8Array>, members: ReadonlySet<number>) => new Map([...entries].filter(([slot]) => members.has(slot)));

/** The key stage's outcome every party computes alike from the ledger: U1's keys, and each member's roster. */
async function collectKeys(parameters: SecureRoundParameters, ledger: RoundLedger) {
  const { store, config, bounded } = parameters;
  const { advertised } = ledgerSets(config, ledger);
  return collectPublicKeys(config, await fetchSecAggMessages(store, within(ledger.keys, advertised), "publicKeys", bounded), ledger);
}

/** The share stage's outcome every party computes alike: U2's commitments, and the envelopes addressed to each member. */
async function collectShares(parameters: SecureRoundParameters, ledger: RoundLedger) {
  const { store, config, bounded } = parameters;
  const { shared } = ledgerSets(config, ledger);
  const { state } = await collectKeys(parameters, ledger);
  return routeShares(state, await fetchSecAggMessages(store, within(ledger.shares, shared), "encryptedShares", bounded), ledger);
}

/**
 * A slot's part in one secure round over the chain (docs/secure-aggregation.md §4): there is no server to relay,
 * so each stage's messages go to the content store and their digests on the ledger, and the party builds for
 * itself what the server would have sent it (its key roster, its forwarded envelopes) from the messages the
 * ledger names, with the server's own checks. Stages: post the keys; once Keys closed, share with the roster's
 * neighbours; once Shares closed, mask the input and commit it as the slot's update; once training closed,
 * post the unmask shares the ledger's sets call for.
 *
 * @throws VeritrainError from the protocol's checks (`SECAGG_*`), `RESULT_NOT_FOUND` for a message no peer
 * serves, a decoded revert for a stage that closed before the slot posted (it dropped out of the round).
 * @example
 * await secureSlotRound({ chain, store, jobId, round, config, slot: 2, input: trainAndQuantise(), bounded, pollMs: 1000, signal });
 */
export async function secureSlotRound(parameters: SecureSlotRoundParameters): Promise<void> {
  const { config, slot, input, random } = parameters;
  // The update is awaited only at the masking stage; an earlier failure must not leave its rejection unhandled.
  input.catch(() => undefined);
  const advertised = advertiseKeys({ config, id: slot, random });
  await postSecAggMessage({ ...parameters, message: advertised.message });
  await closed(parameters, "keys");
  const afterKeys = (await readSecAggLedger(parameters)).ledger;
  const roster = (await collectKeys(parameters, afterKeys)).rosters.find((message) => message.to === slot);
  if (roster === undefined) throw new VeritrainError(`slot ${slot}'s keys are not on the round's ledger`, { code: "SECAGG_MESSAGE_INVALID", details: { slot } });
  const sharing = await shareKeys(advertised.state, roster, afterKeys, random);
  await postSecAggMessage({ ...parameters, message: sharing.message });
  await closed(parameters, "shares");
  const afterShares = (await readSecAggLedger(parameters)).ledger;
  const forwarded = (await collectShares(parameters, afterShares)).forwarded.find((message) => message.to === slot)!;
  const masked = maskInput(sharing.state, forwarded, await input, afterShares);
  await postSecAggMessage({ ...parameters, message: masked.message });
  await closed(parameters, "inputs");
  await postSecAggMessage({ ...parameters, message: revealShares(masked.state, (await readSecAggLedger(parameters)).ledger) });
}

/**
 * The round's sum mod 2^32 of the survivors' inputs, as anyone computes it once training closed: every message
 * the ledger names fetched and checked, the masked inputs summed, and the masks removed with the secrets rebuilt
 * from the unmask shares posted so far. The aggregator computes it to post the round's aggregate; a checker
 * computes it, once the aggregate is posted (the unmask stage is then over), to judge it.
 *
 * @throws VeritrainError `SECAGG_TOO_FEW_SHARES` while fewer than t unmask shares of a needed secret are posted;
 * the protocol's other checks; `RESULT_NOT_FOUND`.
 * @example
 * const { sum, survivors } = await secureRoundSum({ chain, store, jobId, round, config, bounded, pollMs: 1000, signal });
 */
export async function secureRoundSum(parameters: SecureRoundParameters): Promise<UnmaskedSum> {
  const { store, config, bounded } = parameters;
  await closed(parameters, "inputs");
  const { ledger, unmask } = await readSecAggLedger(parameters);
  const { survivors } = ledgerSets(config, ledger);
  const [routed, maskedInputs, unmaskShares] = await Promise.all([
    collectShares(parameters, ledger),
    fetchSecAggMessages(store, within(ledger.inputs, survivors), "maskedInput", bounded),
    fetchSecAggMessages(store, within(unmask, survivors), "unmaskShares", bounded),
  ]);
  return unmaskSum(collectMaskedInputs(routed.state, maskedInputs, ledger), unmaskShares);
}
