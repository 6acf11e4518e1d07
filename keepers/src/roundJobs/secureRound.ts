import type { ContentStore } from "../content/contentStore.ts";
import { VeritrainError } from "../errors.ts";
import { advertisedEntry, collectMaskedInputs, collectPublicKeys, routeShares, unmaskSum, type UnmaskedSum } from "../privacy/secAgg/aggregator.ts";
import type { PublicKeysMessage } from "../privacy/secAgg/messages.ts";
import { advertiseKeys, maskInput, revealShares, shareKeys, type RandomBytes } from "../privacy/secAgg/participant.ts";
import { ledgerSets } from "../privacy/secAgg/roundLedger.ts";
import type { SecAggConfig } from "../privacy/secAgg/secAggConfig.ts";
import { retry } from "../runtime/retry.ts";
import {
  fetchSecAggMessages, postSecAggMessage, readSecAggLedger, secAggStageClosed, type ClosingStage, type SecAggLedgerOnChain, type SecAggRoundParameters,
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

/** The round's ledger as every party reads it ({@link checkedSecAggLedger}), with U1's publicKeys messages. */
export type CheckedSecAggLedger = SecAggLedgerOnChain & { publicKeys: PublicKeysMessage[] };

/**
 * The round's ledger from the chain with every Keys post struck out whose message fails its checks (not a
 * publicKeys message, another round or party, keys not 32 bytes, a possession proof that does not verify:
 * `advertisedEntry`). Those checks depend on the message alone and every party fetches the same messages by the
 * same digests, so every party strikes the same posts: such a sender is out of U1, hence out of the round, for
 * all, instead of stopping it. A message no peer serves cannot be struck so (one party may fetch it, another
 * not): it stops the party that cannot fetch it (`RESULT_NOT_FOUND`).
 *
 * @example
 * const { ledger, unmask, publicKeys } = await checkedSecAggLedger({ chain, store, jobId, round, config, bounded });
 */
export async function checkedSecAggLedger(parameters: SecAggRoundParameters & Pick<SecureRoundParameters, "store" | "config" | "bounded">): Promise<CheckedSecAggLedger> {
  const { store, config, bounded } = parameters;
  const onChain = await readSecAggLedger(parameters);
  const { advertised } = ledgerSets(config, onChain.ledger);
  const publicKeys: PublicKeysMessage[] = [];
  for (const [slot, digest] of [...within(onChain.ledger.keys, advertised)].sort(([a], [b]) => a - b)) {
    try {
      const [message] = await fetchSecAggMessages(store, new Map([[slot, digest]]), "publicKeys", bounded);
      advertisedEntry(config, slot, message!);
      publicKeys.push(message!);
    } catch (error) {
      if (!(error instanceof VeritrainError && (error.code === "SECAGG_MESSAGE_INVALID" || error.code === "SECAGG_KEY_INVALID"))) throw error;
    }
  }
  const valid = new Set(publicKeys.map((message) => message.from));
  return { ...onChain, ledger: { ...onChain.ledger, keys: within(onChain.ledger.keys, valid) }, publicKeys };
}

/** The share stage's outcome every party computes alike: U2's commitments, and the envelopes addressed to each member. */
async function collectShares(parameters: SecureRoundParameters, { ledger, publicKeys }: CheckedSecAggLedger) {
  const { store, config, bounded } = parameters;
  const { shared } = ledgerSets(config, ledger);
  const { state } = collectPublicKeys(config, publicKeys, ledger);
  return routeShares(state, await fetchSecAggMessages(store, within(ledger.shares, shared), "encryptedShares", bounded), ledger);
}

/**
 * A slot's part in one secure round over the chain (docs/secure-aggregation.md §4): there is no server to relay,
 * so each stage's messages go to the content store and their digests on the ledger, and the party builds for
 * itself what the server would have sent it (its key roster, its forwarded envelopes) from the messages the
 * ledger names ({@link checkedSecAggLedger}), with the server's own checks. Stages: post the keys; once Keys closed, share with the roster's
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
  const afterKeys = await checkedSecAggLedger(parameters);
  const roster = collectPublicKeys(config, afterKeys.publicKeys, afterKeys.ledger).rosters.find((message) => message.to === slot);
  if (roster === undefined) throw new VeritrainError(`slot ${slot}'s keys are not on the round's ledger`, { code: "SECAGG_MESSAGE_INVALID", details: { slot } });
  const sharing = await shareKeys(advertised.state, roster, afterKeys.ledger, random);
  await postSecAggMessage({ ...parameters, message: sharing.message });
  await closed(parameters, "shares");
  const afterShares = await checkedSecAggLedger(parameters);
  const forwarded = (await collectShares(parameters, afterShares)).forwarded.find((message) => message.to === slot)!;
  const masked = maskInput(sharing.state, forwarded, await input, afterShares.ledger);
  await postSecAggMessage({ ...parameters, message: masked.message });
  await closed(parameters, "inputs");
  await postSecAggMessage({ ...parameters, message: revealShares(masked.state, (await checkedSecAggLedger(parameters)).ledger) });
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
  const checked = await checkedSecAggLedger(parameters);
  const { ledger, unmask } = checked;
  const { survivors } = ledgerSets(config, ledger);
  const [routed, maskedInputs, unmaskShares] = await Promise.all([
    collectShares(parameters, checked),
    fetchSecAggMessages(store, within(ledger.inputs, survivors), "maskedInput", bounded),
    fetchSecAggMessages(store, within(unmask, survivors), "unmaskShares", bounded),
  ]);
  return unmaskSum(collectMaskedInputs(routed.state, maskedInputs, ledger), unmaskShares);
}
