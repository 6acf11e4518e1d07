import type { Logger } from "pino";
import { bytesToHex, concat, hexToBytes, type Hex } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { readEvents } from "../chain/readEvents.ts";
import { chunkedBlob, getBlob } from "../content/chunkedBlob.ts";
import type { ContentStore } from "../content/contentStore.ts";
import { rawDigestCid } from "../content/rawDigestCid.ts";
import { VeritrainError } from "../errors.ts";
import { AGGREGATE_SLOT } from "./roundJobStatus.ts";

// A round slot's update published on-chain, as an availability dispute of it asks (`challengeUpdate`; docs/dispute-game.md
// §5): its chunked blob (docs/distributed-training.md, "Chunked blobs"), chunk by chunk, each proven against the slot's
// commitment.

/** Parameters of {@link publishUpdateOnChain}. */
export type PublishUpdateOnChainParameters = {
  chain: ProtocolConnection;
  /** The open availability dispute of the update. */
  disputeId: bigint;
  /** The update's blob: the update blob, or the masked input message of a secure round. */
  bytes: Uint8Array;
  log: Logger;
  signal: AbortSignal;
};

/**
 * Answers update availability dispute `disputeId` by publishing the blob on-chain, every chunk with its proof; the last
 * one ends the dispute, the update standing. Resumes where an earlier run stopped (chunks already published skipped).
 *
 * @example
 * await publishUpdateOnChain({ chain, disputeId, bytes, log, signal });
 */
export async function publishUpdateOnChain({ chain, disputeId, bytes, log, signal }: PublishUpdateOnChainParameters): Promise<void> {
  const { Disputes } = chain.contracts;
  const blob = chunkedBlob(bytes);
  for (let index = 0; index < blob.chunkCount; index++) {
    signal.throwIfAborted();
    const args = [disputeId, BigInt(blob.length), blob.root, BigInt(index), bytesToHex(blob.chunk(index)), blob.proof(index)] as const;
    try {
      await chain.send(() => Disputes.write.publishUpdateChunk(args));
    } catch (error) {
      if (!(error instanceof VeritrainError && error.details.error === "DisputesChunkAlreadyPublished")) throw error;
    }
    log.debug({ disputeId: disputeId.toString(), chunk: index, of: blob.chunkCount }, "update chunk published");
  }
  log.info({ disputeId: disputeId.toString(), bytes: blob.length, chunks: blob.chunkCount }, "update published on-chain");
}

/**
 * The accused's answer to availability dispute `disputeId` of a round's blob (a slot's update, or slot 255: the
 * aggregate): the blob its store holds under the slot's commitment (or the posted aggregate), published on-chain
 * ({@link publishUpdateOnChain}). A keeper that does not hold it (it never stored it) leaves the dispute unanswered,
 * and loses it at the deadline.
 *
 * @example
 * await answerUpdateDispute({ chain, store, disputeId, jobId, roundSlot: dispute.checkpointIndex, log, signal });
 */
export async function answerUpdateDispute({ chain, store, disputeId, jobId, roundSlot, log, signal }: Omit<PublishUpdateOnChainParameters, "bytes"> & { store: ContentStore; jobId: bigint; roundSlot: bigint }): Promise<void> {
  const round = Number(roundSlot >> 8n);
  const slot = Number(roundSlot & 255n);
  const { RoundJobRegistry } = chain.contracts;
  const commitment = await (slot === AGGREGATE_SLOT ? RoundJobRegistry.read.aggregateOf([jobId, round]) : RoundJobRegistry.read.commitmentOf([jobId, round, slot]));
  if (!(await store.has(rawDigestCid(commitment), { signal }))) {
    log.warn({ disputeId: disputeId.toString(), jobId: jobId.toString(), round, slot }, "dispute unanswered: this keeper does not hold the update it committed");
    return;
  }
  await publishUpdateOnChain({ chain, disputeId, bytes: await getBlob(store, commitment, { signal }), log, signal });
}

/**
 * The chunked blob `digest` read back from the chain, if an update availability dispute published it
 * ({@link publishUpdateOnChain}): its `UpdateChunkPublished` events in chunk order, checked against `digest`.
 *
 * @throws VeritrainError `RESULT_INVALID` if the chunks do not form the blob (they were proven one by one, so only a
 * chain that lies could do that).
 * @example
 * const bytes = await readPublishedBlob({ chain, digest: commitment });
 */
export async function readPublishedBlob({ chain, digest }: { chain: Pick<ProtocolConnection, "contracts" | "publicClient" | "deploymentBlock">; digest: Hex }): Promise<Uint8Array | undefined> {
  const { Disputes } = chain.contracts;
  const disputeId = await Disputes.read.blobPublishedIn([digest]);
  if (disputeId === 0n) return undefined;
  const events = await readEvents({ chain, contract: Disputes, eventName: "UpdateChunkPublished", args: { disputeId } });
  const bytes = hexToBytes(concat(events.sort((a, b) => Number(a.args.chunk - b.args.chunk)).map((event) => event.args.bytes_)));
  if (bytes.length === 0 || chunkedBlob(bytes).digest !== digest) {
    throw new VeritrainError(`the chunks published in dispute ${disputeId} do not form the blob ${digest}`, {
      code: "RESULT_INVALID",
      details: { disputeId: disputeId.toString(), digest },
    });
  }
  return bytes;
}
