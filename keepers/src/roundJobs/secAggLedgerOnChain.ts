import { equalBytes } from "@noble/curves/utils.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { bytesToHex, encodeAbiParameters, hexToBytes, zeroHash, type Hex } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { readEvents } from "../chain/readEvents.ts";
import { blobDigest, putBlob } from "../content/chunkedBlob.ts";
import type { ContentStore } from "../content/contentStore.ts";
import { VeritrainError } from "../errors.ts";
import { chainTime } from "../jobs/jobOnChain.ts";
import { decodeSecAggMessage, encodeSecAggMessage } from "../privacy/secAgg/messageCodec.ts";
import type { MaskedInputMessage, SecAggMessage, UnmaskSharesMessage } from "../privacy/secAgg/messages.ts";
import type { RoundLedger } from "../privacy/secAgg/roundLedger.ts";
import { fetchCommitted } from "./roundContent.ts";
import { readRoundJob } from "./roundJobOnChain.ts";
import { RoundJobStatus } from "./roundJobStatus.ts";

/** The stages of SecureAggregationLedger (its `Stage` enum). */
export const SecAggStage = { Keys: 0, Shares: 1, Complaints: 2, Unmask: 3 } as const;

/** The stages whose close a party waits for before it reads the next: Keys, Shares, Complaints, and the masked inputs (training). */
export type ClosingStage = "keys" | "shares" | "complaints" | "inputs";

const ROUND_SEED_LABEL = utf8ToBytes("veritrain/secagg/v1/round-seed");

/** Parameters naming one round of a job on the chain. */
export type SecAggRoundParameters = { chain: ProtocolConnection; jobId: bigint; round: number };

/**
 * The round's public seed (docs/secure-aggregation.md §4): SHA-256("veritrain/secagg/v1/round-seed" ‖
 * abi.encode(chainId, ledger, jobId, round, jobSeed)), where `jobSeed` is the job's seed on the registry
 * (`seedOf`: the VRF word its settlement requested). Nobody knows it before the slots are taken, and nobody
 * (bidder, slot or sequencer) chooses it.
 *
 * @throws VeritrainError `SECAGG_ROUND_NOT_STARTED` before the job's seed arrived.
 * @example
 * const roundSeed = await secAggRoundSeed({ chain, jobId: 1n, round: 0 });
 */
export async function secAggRoundSeed({ chain, jobId, round }: SecAggRoundParameters): Promise<Uint8Array> {
  const { RoundJobRegistry: registry, SecureAggregationLedger: ledger } = chain.contracts;
  const jobSeed = await registry.read.seedOf([jobId]);
  if (jobSeed === zeroHash) {
    throw new VeritrainError(`round ${round} of job ${jobId} has no seed yet: its auction is not settled or its random seed has not arrived`, {
      code: "SECAGG_ROUND_NOT_STARTED",
      details: { jobId: jobId.toString(), round },
    });
  }
  const chainId = await chain.publicClient.getChainId();
  const encoded = encodeAbiParameters(
    [{ type: "uint256" }, { type: "address" }, { type: "uint256" }, { type: "uint16" }, { type: "bytes32" }],
    [BigInt(chainId), ledger.address, jobId, round, jobSeed],
  );
  return sha256(concatBytes(ROUND_SEED_LABEL, hexToBytes(encoded)));
}

/**
 * Whether a slot that committed its masked input in round `round` had it withdrawn (docs/secure-aggregation.md §7): the
 * registry dropped the slot in that round, so its rounds earned stopped at this one.
 */
export const droppedIn = (view: { active: boolean; roundsEarned: number }, round: number): boolean => !view.active && view.roundsEarned === round;

/** Per ledger stage, slot → the bytes of the message it posted (each hashing to its digest on the ledger); the recovery answers by owner (a slot of Complaints the registry dropped), then poster. */
export type LedgerMessages = {
  keys: ReadonlyMap<number, Uint8Array>;
  shares: ReadonlyMap<number, Uint8Array>;
  complaints: ReadonlyMap<number, Uint8Array>;
  unmask: ReadonlyMap<number, Uint8Array>;
  recoveries: ReadonlyMap<number, ReadonlyMap<number, Uint8Array>>;
};

/**
 * A round's ledger as the chain holds it: the four stages {@link RoundLedger} reads (Complaints as posted), the unmask posts, the slots of
 * U3's inputs that the registry dropped in the round after they committed (`withdrawn`: a dispute found their masked
 * input withheld or invalid), and the messages themselves, which SecureAggregationLedger's posts carry (so no slot
 * can withhold one it posted).
 */
export type SecAggLedgerOnChain = { ledger: RoundLedger; unmask: ReadonlyMap<number, Uint8Array>; withdrawn: ReadonlySet<number>; messages: LedgerMessages };

const posted = (digests: readonly Hex[]) => new Map(digests.flatMap((digest, slot) => (digest === zeroHash ? [] : [[slot, hexToBytes(digest)] as const])));

/**
 * The round's ledger: each slot's keys, shares, complaints and unmask digests (SecureAggregationLedger) and its update
 * commitment, the digest of its masked input (RoundJobRegistry), the withdrawn inputs and their recovery shares,
 * with the bytes of every message posted on the ledger, taken from its `SecAggPosted` and `SecAggRecovered` events
 * and each checked to hash to the digest the ledger holds. Read a
 * stage only once it closed ({@link secAggStageClosed}): until then it may still grow.
 *
 * @throws VeritrainError `CHAIN_LOGS_INCOMPLETE` when the node's logs lack a message whose digest the ledger holds
 * (a node still indexing, or one that serves partial logs): ask again, or another node.
 * @example
 * const { ledger, unmask, messages } = await readSecAggLedger({ chain, jobId, round });
 */
export async function readSecAggLedger({ chain, jobId, round }: SecAggRoundParameters): Promise<SecAggLedgerOnChain> {
  const { RoundJobRegistry: registry, SecureAggregationLedger: ledger } = chain.contracts;
  const job = await readRoundJob(chain, jobId);
  const slots = Array.from({ length: job.slots }, (_, slot) => slot);
  // The digests first, then the logs up to a head read after them: the logs hold every message the digests name,
  // even while slots go on posting.
  const [digests, commitments, views] = await Promise.all([
    ledger.read.digestsOf([jobId, round]),
    Promise.all(slots.map((slot) => registry.read.commitmentOf([jobId, round, slot]))),
    registry.read.slotsOf([jobId]),
  ]);
  const inputs = posted(commitments);
  const withdrawn = new Set([...inputs.keys()].filter((slot) => droppedIn(views[slot]!, round)));
  const stage = (index: number) => posted(digests[index]!.slice(0, job.slots));
  // Recovery answers are taken for a slot of this round's Complaints that is no longer active (SecureAggregationLedger.recover).
  const outOfSum = [...stage(SecAggStage.Complaints).keys()].filter((slot) => !views[slot]!.active);
  const recoveryDigests = await Promise.all(outOfSum.map((owner) => ledger.read.recoveryDigestsOf([jobId, round, owner])));
  const [events, recoveryEvents] = await Promise.all([
    readEvents({ chain, contract: ledger, eventName: "SecAggPosted", args: { jobId, round: BigInt(round) } }),
    recoveryDigests.every((digests) => digests.every((digest) => digest === zeroHash)) ? [] : readEvents({ chain, contract: ledger, eventName: "SecAggRecovered", args: { jobId, round: BigInt(round) } }),
  ]);
  const bytesByDigest = new Map([...events, ...recoveryEvents].map(({ args }) => [args.digest, hexToBytes(args.message)]));
  const messagesOf = (name: string, entries: ReadonlyMap<number, Uint8Array>) => new Map([...entries].map(([slot, digest]) => {
    const bytes = bytesByDigest.get(bytesToHex(digest));
    if (bytes === undefined || !equalBytes(sha256(bytes), digest)) {
      throw new VeritrainError(`the chain node's logs lack slot ${slot}'s ${name} message of round ${round} of job ${jobId}, whose digest the ledger holds: it serves partial logs; ask again or ask another node`, { code: "CHAIN_LOGS_INCOMPLETE", details: { jobId: jobId.toString(), round, slot, stage: name } });
    }
    return [slot, bytes] as const;
  }));
  const [keys, shares, complaints, unmask] = [stage(SecAggStage.Keys), stage(SecAggStage.Shares), stage(SecAggStage.Complaints), stage(SecAggStage.Unmask)];
  return {
    ledger: { keys, shares, complaints, inputs },
    unmask,
    withdrawn,
    messages: {
      keys: messagesOf("keys", keys),
      shares: messagesOf("shares", shares),
      complaints: messagesOf("complaints", complaints),
      unmask: messagesOf("unmask", unmask),
      recoveries: new Map(outOfSum.map((owner, i) => [owner, messagesOf(`recovery of ${owner}`, posted(recoveryDigests[i]!.slice(0, job.slots)))])),
    },
  };
}

/**
 * Whether `stage` of the round has closed, so its set is final: Keys once its quarter of the round period is
 * over or every active slot posted; Shares once half the period is over or every slot of Keys posted; Complaints once
 * three quarters are over or every slot of Shares posted; the masked inputs once the round's training closed. Every
 * stage of a round the job has left is closed.
 *
 * @example
 * await waitFor("keys closed", () => secAggStageClosed({ chain, jobId, round }, "keys"));
 */
export async function secAggStageClosed({ chain, jobId, round }: SecAggRoundParameters, stage: ClosingStage): Promise<boolean> {
  const job = await readRoundJob(chain, jobId);
  if (job.round !== round || job.status !== RoundJobStatus.Training) return job.round > round || job.status > RoundJobStatus.Training;
  if (stage === "inputs") return false;
  const ledger = chain.contracts.SecureAggregationLedger;
  const [[keysEnd, sharesEnd, complaintsEnd], masks, now] = await Promise.all([ledger.read.stageEnds([jobId]), ledger.read.postedMasks([jobId, round]), chainTime(chain)]);
  const keysClosed = now >= keysEnd || (masks.keys & job.activeMask) === job.activeMask;
  if (stage === "keys") return keysClosed;
  const advertised = masks.keys & job.activeMask;
  const sharesClosed = now >= sharesEnd || (keysClosed && (masks.shares & advertised) === advertised);
  if (stage === "shares") return sharesClosed;
  const shared = masks.shares & advertised;
  return now >= complaintsEnd || (sharesClosed && (masks.complaints & shared) === shared);
}

/** The messages a slot posts: on SecureAggregationLedger, at these stages, and the masked input on RoundJobRegistry. */
export type PostedSecAggMessage = Extract<SecAggMessage, { kind: "publicKeys" | "encryptedShares" | "complaints" | "maskedInput" | "unmaskShares" }>;

const LEDGER_STAGE = { publicKeys: SecAggStage.Keys, encryptedShares: SecAggStage.Shares, complaints: SecAggStage.Complaints, unmaskShares: SecAggStage.Unmask } as const;

/** Parameters of {@link postSecAggMessage}. */
export type PostSecAggMessageParameters = SecAggRoundParameters & {
  store: ContentStore;
  message: PostedSecAggMessage;
  /** Devnet fault demo: commit a masked input without storing it, so no peer can serve it. */
  withholdInput?: boolean;
};

/**
 * Posts a message for the caller's slot and returns its digest: keys, shares, complaints and unmask messages whole on
 * SecureAggregationLedger (the chain keeps them); the masked input, a whole vector, stored and pinned as a chunked
 * blob (the slot serves it through the round's window) and its digest (`ledgerDigest`) committed as the slot's update
 * on RoundJobRegistry.
 *
 * @throws VeritrainError `TRANSACTION_REVERTED` or the contract's decoded revert (e.g. a stage closed).
 * @example
 * await postSecAggMessage({ chain, store, jobId, round, message: advertised.message });
 */
export async function postSecAggMessage({ chain, store, jobId, round, message, withholdInput = false }: PostSecAggMessageParameters): Promise<Hex> {
  const bytes = encodeSecAggMessage(message);
  const { RoundJobRegistry: registry, SecureAggregationLedger: ledger } = chain.contracts;
  if (message.kind !== "maskedInput") {
    await chain.send(() => ledger.write.post([jobId, round, LEDGER_STAGE[message.kind], bytesToHex(bytes)]));
    return bytesToHex(sha256(bytes));
  }
  const digest = withholdInput ? blobDigest(bytes) : await putBlob(store, bytes);
  await chain.send(() => registry.write.commitUpdate([jobId, round, digest]));
  return digest;
}

/**
 * Posts the caller's recovery share of withdrawn slot `owner`'s mask key (`recoveryShares`) on SecureAggregationLedger.
 *
 * @throws VeritrainError `TRANSACTION_REVERTED` or the contract's decoded revert (e.g. `owner` still counted).
 * @example
 * await postRecoveryShares({ chain, jobId, round, owner: 3, message: recoveryShares(state, ledger, 3) });
 */
export async function postRecoveryShares({ chain, jobId, round, owner, message }: SecAggRoundParameters & { owner: number; message: UnmaskSharesMessage }): Promise<void> {
  await chain.send(() => chain.contracts.SecureAggregationLedger.write.recover([jobId, round, owner, bytesToHex(encodeSecAggMessage(message))]));
}

/**
 * Slot `slot`'s posted message decoded as a message of `kind`.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` (bytes that do not decode, or a message of another kind).
 * @example
 * const keys = decodeLedgerMessage(3, messages.keys.get(3)!, "publicKeys");
 */
export function decodeLedgerMessage<Kind extends SecAggMessage["kind"]>(slot: number, bytes: Uint8Array, kind: Kind): Extract<SecAggMessage, { kind: Kind }> {
  const message = decodeSecAggMessage(bytes);
  if (message.kind !== kind) {
    throw new VeritrainError(`slot ${slot} posted a ${message.kind} message as its ${kind} message`, { code: "SECAGG_MESSAGE_INVALID", details: { slot, kind, found: message.kind } });
  }
  return message as Extract<SecAggMessage, { kind: Kind }>;
}

/**
 * The masked inputs the ledger's input entries name, each fetched by its commitment (`fetchCommitted`: from the
 * chain if an availability dispute published it, else from the content store, checked against it) and decoded; in
 * ascending slot order.
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` (a slot does not serve its input: it is the slot to dispute),
 * `RESULT_INVALID` (blocks that contradict the commitment), `SECAGG_MESSAGE_INVALID` (not a maskedInput message).
 * @example
 * const inputs = await fetchMaskedInputs({ chain, store }, ledger.inputs, bounded);
 */
export async function fetchMaskedInputs(
  { chain, store }: Pick<SecAggRoundParameters, "chain"> & { store: ContentStore },
  entries: ReadonlyMap<number, Uint8Array>,
  bounded: () => AbortSignal,
): Promise<MaskedInputMessage[]> {
  const slots = [...entries.keys()].sort((a, b) => a - b);
  return Promise.all(
    slots.map(async (slot) => {
      const what = `slot ${slot}'s masked input`;
      const bytes = await fetchCommitted({ chain, store, signal: bounded(), commitment: bytesToHex(entries.get(slot)!) }, what);
      return decodeLedgerMessage(slot, bytes, "maskedInput");
    }),
  );
}
