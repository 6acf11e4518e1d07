import { equalBytes } from "@noble/curves/utils.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { hexToBytes } from "viem";
import { blobDigest } from "../../content/chunkedBlob.ts";
import { encodeSecAggMessage } from "./messageCodec.ts";
import type { ComplaintsMessage, EncryptedSharesMessage, MaskedInputMessage, PublicKeyEntry, PublicKeysMessage } from "./messages.ts";
import { assertIdsWithin, protocolViolation } from "./protocolChecks.ts";
import type { SecAggConfig } from "./secAggConfig.ts";

/**
 * What a public, append-only ledger that every party reads alike (the chain, for the keepers) records of one
 * round (docs/secure-aggregation.md §4): for each stage, the digest of each participant's message, posted by
 * the participant itself. A stage's map is read only once the ledger has closed that stage, so every reader
 * sees the same sets.
 */
export type RoundLedger = {
  /** Stage 0: {@link ledgerDigest} of each participant's publicKeys message. */
  keys: ReadonlyMap<number, Uint8Array>;
  /** Stage 1: of each participant's encryptedShares message. */
  shares: ReadonlyMap<number, Uint8Array>;
  /**
   * Stage 2: of each participant's complaints message, once checked (`collectComplaints`): without the posts of
   * participants that a true complaint accuses or that complain falsely.
   */
  complaints: ReadonlyMap<number, Uint8Array>;
  /** Stage 3: of each participant's maskedInput message (its chunked-blob digest, {@link ledgerDigest}). */
  inputs: ReadonlyMap<number, Uint8Array>;
};

/**
 * The sets a ledger fixes: U1 advertised keys, U2 ⊆ U1 also shared, C ⊆ U2 also cleared the complaints stage (posted,
 * accused of nothing), U3 ⊆ C also sent a masked input (the survivors).
 */
export type LedgerSets = { advertised: ReadonlySet<number>; shared: ReadonlySet<number>; cleared: ReadonlySet<number>; survivors: ReadonlySet<number> };

/** The message whose digest a participant posts at one stage. */
export type LedgerMessage = PublicKeysMessage | EncryptedSharesMessage | ComplaintsMessage | MaskedInputMessage;

/**
 * What a participant posts on the ledger for a message: SHA-256 of its bytes (`encodeSecAggMessage`); for a masked
 * input, a whole vector, the digest of those bytes as a chunked blob (docs/distributed-training.md, "Chunked blobs"),
 * so that it can be published on-chain chunk by chunk, each proven against it.
 *
 * @example
 * ledger.keys.set(3, ledgerDigest(advertised.message));
 */
export function ledgerDigest(message: LedgerMessage): Uint8Array {
  const bytes = encodeSecAggMessage(message);
  return message.kind === "maskedInput" ? hexToBytes(blobDigest(bytes)) : sha256(bytes);
}

/** The publicKeys message a roster entry was taken from, for its {@link ledgerDigest}. */
export function publicKeysMessage(config: SecAggConfig, { id, ...keys }: PublicKeyEntry): PublicKeysMessage {
  return { kind: "publicKeys", roundSeed: config.roundSeed, from: id, ...keys };
}

/**
 * Whether the ledger stage `entries` holds `digest` as participant `id`'s post.
 *
 * @example
 * isPosted(ledger.inputs, 3, ledgerDigest(message)); // true once participant 3 posted it
 */
export function isPosted(entries: ReadonlyMap<number, Uint8Array>, id: number, digest: Uint8Array): boolean {
  const posted = entries.get(id);
  return posted !== undefined && equalBytes(posted, digest);
}

/**
 * U1, U2, C and U3 as the ledger fixes them: a participant counts at a stage only if it counted at the previous
 * one (shares posted without keys, or an input without cleared complaints, are ignored).
 *
 * @example
 * const { survivors } = ledgerSets(config, ledger);
 */
export function ledgerSets(config: SecAggConfig, ledger: RoundLedger): LedgerSets {
  const advertised = new Set([...ledger.keys.keys()].filter((id) => Number.isSafeInteger(id) && id >= 0 && id < config.participants));
  const shared = new Set([...ledger.shares.keys()].filter((id) => advertised.has(id)));
  const cleared = new Set([...ledger.complaints.keys()].filter((id) => shared.has(id)));
  const survivors = new Set([...ledger.inputs.keys()].filter((id) => cleared.has(id)));
  return { advertised, shared, cleared, survivors };
}

/**
 * The messages of one stage, each checked against the ledger: exactly one message from every member of
 * `members`, each the message whose digest its sender posted. Returned by sender, ascending.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID`: a sender outside `members` or twice, a message that is not the
 * one on the ledger, or a member's message missing (it is on the ledger: fetch it by its digest).
 * @example
 * const inputs = matchLedger(ledger.inputs, messages, sets.survivors, "maskedInput");
 */
export function matchLedger<M extends LedgerMessage>(entries: ReadonlyMap<number, Uint8Array>, messages: readonly M[], members: ReadonlySet<number>, kind: string): Map<number, M> {
  assertIdsWithin(messages.map((message) => message.from), members, `${kind} senders`);
  const byId = new Map(messages.map((message) => [message.from, message]));
  for (const id of [...members].sort((a, b) => a - b)) {
    const message = byId.get(id);
    if (message === undefined) throw protocolViolation(`the ${kind} message of participant ${id}, posted on the ledger, is missing: fetch it by its digest`, { kind, id });
    if (!isPosted(entries, id, ledgerDigest(message))) throw protocolViolation(`the ${kind} message of participant ${id} is not the one whose digest it posted on the ledger`, { kind, id });
  }
  return new Map([...byId].sort(([a], [b]) => a - b));
}
