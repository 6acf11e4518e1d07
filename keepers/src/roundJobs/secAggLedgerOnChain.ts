import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { bytesToHex, encodeAbiParameters, hexToBytes, zeroHash, type Hex } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import type { ContentStore } from "../content/contentStore.ts";
import { rawDigestCid } from "../content/rawDigestCid.ts";
import { VeritrainError } from "../errors.ts";
import { chainTime } from "../jobs/jobOnChain.ts";
import { decodeSecAggMessage, encodeSecAggMessage } from "../privacy/secAgg/messageCodec.ts";
import type { SecAggMessage } from "../privacy/secAgg/messages.ts";
import type { RoundLedger } from "../privacy/secAgg/roundLedger.ts";
import { readRoundJob } from "./roundJobOnChain.ts";
import { RoundJobStatus } from "./roundJobStatus.ts";

/** The stages of SecureAggregationLedger (its `Stage` enum). */
export const SecAggStage = { Keys: 0, Shares: 1, Unmask: 2 } as const;

/** The stages whose close a party waits for before it reads the next: Keys, Shares, and the masked inputs (training). */
export type ClosingStage = "keys" | "shares" | "inputs";

const ROUND_SEED_LABEL = utf8ToBytes("veritrain/secagg/v1/round-seed");

/** Parameters naming one round of a job on the chain. */
export type SecAggRoundParameters = { chain: ProtocolConnection; jobId: bigint; round: number };

/**
 * The round's public seed (docs/secure-aggregation.md §4): SHA-256("veritrain/secagg/v1/round-seed" ‖
 * abi.encode(chainId, ledger, jobId, round, start)), where `start` is the digest the round trains from: the job's
 * spec digest in round 0, the aggregate of round − 1 after it (final once the round started). Nobody knows it
 * before the previous round's aggregate is posted; round 0's is known once the job is posted.
 *
 * @example
 * const roundSeed = await secAggRoundSeed({ chain, jobId: 1n, round: 0 });
 */
export async function secAggRoundSeed({ chain, jobId, round }: SecAggRoundParameters): Promise<Uint8Array> {
  const { RoundJobRegistry: registry, SecureAggregationLedger: ledger } = chain.contracts;
  const start = round === 0 ? (await readRoundJob(chain, jobId)).specDigest : await registry.read.aggregateOf([jobId, round - 1]);
  if (start === zeroHash) {
    throw new VeritrainError(`round ${round} of job ${jobId} has no start: round ${round - 1} has no aggregate`, { code: "SECAGG_ROUND_NOT_STARTED", details: { jobId: jobId.toString(), round } });
  }
  const chainId = await chain.publicClient.getChainId();
  const encoded = encodeAbiParameters(
    [{ type: "uint256" }, { type: "address" }, { type: "uint256" }, { type: "uint16" }, { type: "bytes32" }],
    [BigInt(chainId), ledger.address, jobId, round, start],
  );
  return sha256(concatBytes(ROUND_SEED_LABEL, hexToBytes(encoded)));
}

/** A round's ledger as the chain holds it: the three stages {@link RoundLedger} reads, and the unmask posts. */
export type SecAggLedgerOnChain = { ledger: RoundLedger; unmask: ReadonlyMap<number, Uint8Array> };

const posted = (digests: readonly Hex[]) => new Map(digests.flatMap((digest, slot) => (digest === zeroHash ? [] : [[slot, hexToBytes(digest)] as const])));

/**
 * The round's ledger: each slot's keys, shares and unmask digests (SecureAggregationLedger) and its update
 * commitment, the digest of its masked input (RoundJobRegistry). Read a stage only once it closed
 * ({@link secAggStageClosed}): until then it may still grow.
 *
 * @example
 * const { ledger, unmask } = await readSecAggLedger({ chain, jobId, round });
 */
export async function readSecAggLedger({ chain, jobId, round }: SecAggRoundParameters): Promise<SecAggLedgerOnChain> {
  const { RoundJobRegistry: registry, SecureAggregationLedger: ledger } = chain.contracts;
  const job = await readRoundJob(chain, jobId);
  const slots = Array.from({ length: job.slots }, (_, slot) => slot);
  const [digests, commitments] = await Promise.all([
    ledger.read.digestsOf([jobId, round]),
    Promise.all(slots.map((slot) => registry.read.commitmentOf([jobId, round, slot]))),
  ]);
  const ofSlots = (stage: number) => digests[stage]!.slice(0, job.slots);
  return {
    ledger: { keys: posted(ofSlots(SecAggStage.Keys)), shares: posted(ofSlots(SecAggStage.Shares)), inputs: posted(commitments) },
    unmask: posted(ofSlots(SecAggStage.Unmask)),
  };
}

/**
 * Whether `stage` of the round has closed, so its set is final: Keys once its quarter of the round period is
 * over or every active slot posted; Shares once half the period is over or every slot of Keys posted; the masked
 * inputs once the round's training closed. Every stage of a round the job has left is closed.
 *
 * @example
 * await waitFor("keys closed", () => secAggStageClosed({ chain, jobId, round }, "keys"));
 */
export async function secAggStageClosed({ chain, jobId, round }: SecAggRoundParameters, stage: ClosingStage): Promise<boolean> {
  const job = await readRoundJob(chain, jobId);
  if (job.round !== round || job.status !== RoundJobStatus.Training) return job.round > round || job.status > RoundJobStatus.Training;
  if (stage === "inputs") return false;
  const ledger = chain.contracts.SecureAggregationLedger;
  const [[keysEnd, sharesEnd], masks, now] = await Promise.all([ledger.read.stageEnds([jobId]), ledger.read.postedMasks([jobId, round]), chainTime(chain)]);
  const keysClosed = now >= keysEnd || (masks.keys & job.activeMask) === job.activeMask;
  if (stage === "keys") return keysClosed;
  const advertised = masks.keys & job.activeMask;
  return now >= sharesEnd || (keysClosed && (masks.shares & advertised) === advertised);
}

/** The messages a slot posts: on SecureAggregationLedger, at these stages, and the masked input on RoundJobRegistry. */
export type PostedSecAggMessage = Extract<SecAggMessage, { kind: "publicKeys" | "encryptedShares" | "maskedInput" | "unmaskShares" }>;

const LEDGER_STAGE = { publicKeys: SecAggStage.Keys, encryptedShares: SecAggStage.Shares, unmaskShares: SecAggStage.Unmask } as const;

/** Parameters of {@link postSecAggMessage}. */
export type PostSecAggMessageParameters = SecAggRoundParameters & { store: ContentStore; message: PostedSecAggMessage };

/**
 * Stores and pins a message (the slot serves it through the round's window) and posts its SHA-256 for the
 * caller's slot: keys, shares and unmask messages on SecureAggregationLedger, the masked input as the slot's
 * update commitment on RoundJobRegistry. Returns the digest.
 *
 * @throws VeritrainError `TRANSACTION_REVERTED` or the contract's decoded revert (e.g. a stage closed).
 * @example
 * await postSecAggMessage({ chain, store, jobId, round, message: advertised.message });
 */
export async function postSecAggMessage({ chain, store, jobId, round, message }: PostSecAggMessageParameters): Promise<Hex> {
  const bytes = encodeSecAggMessage(message);
  await store.pin(await store.put(bytes));
  const digest = bytesToHex(sha256(bytes));
  const { RoundJobRegistry: registry, SecureAggregationLedger: ledger } = chain.contracts;
  if (message.kind === "maskedInput") await chain.send(() => registry.write.commitUpdate([jobId, round, digest]));
  else await chain.send(() => ledger.write.post([jobId, round, LEDGER_STAGE[message.kind], digest]));
  return digest;
}

/**
 * The messages a ledger stage names, fetched from the content store by their digests (each checked to hash to it
 * by the store) and decoded; in ascending slot order.
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` (a slot does not serve its message: it is the slot to dispute),
 * `SECAGG_MESSAGE_INVALID` (not a message of `kind`).
 * @example
 * const publicKeys = await fetchSecAggMessages(store, ledger.keys, "publicKeys", bounded);
 */
export async function fetchSecAggMessages<Kind extends SecAggMessage["kind"]>(
  store: ContentStore,
  entries: ReadonlyMap<number, Uint8Array>,
  kind: Kind,
  bounded: () => AbortSignal,
): Promise<Extract<SecAggMessage, { kind: Kind }>[]> {
  const slots = [...entries.keys()].sort((a, b) => a - b);
  return Promise.all(slots.map(async (slot) => {
    const cid = rawDigestCid(bytesToHex(entries.get(slot)!));
    let bytes: Uint8Array;
    try {
      bytes = await store.get(cid, { signal: bounded() });
    } catch (cause) {
      throw new VeritrainError(`slot ${slot}'s ${kind} message ${cid} was not served by any connected peer`, { code: "RESULT_NOT_FOUND", details: { slot, kind, cid: cid.toString() }, cause });
    }
    const message = decodeSecAggMessage(bytes);
    if (message.kind !== kind) {
      throw new VeritrainError(`slot ${slot} posted a ${message.kind} message as its ${kind} message`, { code: "SECAGG_MESSAGE_INVALID", details: { slot, kind, found: message.kind } });
    }
    return message as Extract<SecAggMessage, { kind: Kind }>;
  }));
}
