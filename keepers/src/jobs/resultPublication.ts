import type { Logger } from "pino";
import { bytesToHex, hexToBytes, type Hex } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { readEvents } from "../chain/readEvents.ts";
import { VeritrainError } from "../errors.ts";
import { checkpointLength } from "../training/checkpoint.ts";
import { CheckpointTree } from "../training/checkpointTree.ts";
import type { VmProgram } from "../trainingVm/vmProgram.ts";
import { WORD, WordTree, wordTreeRoot } from "../trainingVm/wordTree.ts";

// A job's result published on-chain, as an availability dispute asks (docs/dispute-game.md §5): its trace's checkpoint
// hashes, in batches proven against the trace root, then its last checkpoint, chunk by chunk, each proven against
// that checkpoint's hash.

/** Checkpoint hashes per `publishTrace` transaction. */
const TRACE_BATCH = 256;

/** One `publishChunk` call: chunk `chunk`'s words (none when they are all zero) and its subtree root's siblings. */
export type CheckpointChunk = { chunk: bigint; words: Hex[]; proof: Hex[] };

/**
 * The chunks of checkpoint `bytes` in its depth-`depth` word tree, as `publishChunk` takes them: `2^c` words each, `c`
 * = min(`chunkDepth`, `depth`), with the siblings from the chunk's subtree root up to the checkpoint's hash.
 *
 * @example
 * checkpointChunks(lastCheckpoint, 15, 10).length; // 32 for a LeNet-5 checkpoint with Adam
 */
export function checkpointChunks(bytes: Uint8Array, depth: number, chunkDepth: number): CheckpointChunk[] {
  const tree = new WordTree(bytes, depth);
  const height = Math.min(depth, chunkDepth);
  const chunkBytes = WORD * 2 ** height;
  return Array.from({ length: 2 ** (depth - height) }, (_, c) => {
    const slice = new Uint8Array(chunkBytes);
    slice.set(bytes.subarray(c * chunkBytes, Math.min(bytes.length, (c + 1) * chunkBytes)));
    const words = slice.every((b) => b === 0) ? [] : Array.from({ length: 2 ** height }, (_, i) => bytesToHex(slice.subarray(i * WORD, (i + 1) * WORD)));
    return { chunk: BigInt(c), words, proof: tree.proof(c * 2 ** height).siblings.slice(height) };
  });
}

/** Parameters of {@link publishResultOnChain}. */
export type PublishResultOnChainParameters = {
  chain: ProtocolConnection;
  /** The open availability dispute of the job. */
  disputeId: bigint;
  /** The job's checkpoint hashes, as its trace root commits them. */
  hashes: readonly Hex[];
  /** The last checkpoint's bytes. */
  lastCheckpoint: Uint8Array;
  /** The job's program (its preimage gives the schedule and the checkpoint tree's depth). */
  program: VmProgram;
  log: Logger;
  signal: AbortSignal;
};

/**
 * Answers availability dispute `disputeId` by publishing the result on-chain: the trace, then every chunk of the last
 * checkpoint; the last chunk ends the dispute, the result standing. Resumes where an earlier run stopped (the trace
 * from the first hash not on-chain, chunks already published skipped).
 *
 * @example
 * await publishResultOnChain({ chain, disputeId, hashes, lastCheckpoint, program, log, signal });
 */
export async function publishResultOnChain({ chain, disputeId, hashes, lastCheckpoint, program, log, signal }: PublishResultOnChainParameters): Promise<void> {
  const { Disputes } = chain.contracts;
  const context = { disputeId: disputeId.toString() };
  const tree = new CheckpointTree(hashes);
  const witness = program.segmentWitness();
  const { traced } = await Disputes.read.getPublication([disputeId]);
  for (let from = Number(traced); from < hashes.length; from += TRACE_BATCH) {
    signal.throwIfAborted();
    const { hashes: batch, proof, proofFlags } = tree.multiProof(from, Math.min(TRACE_BATCH, hashes.length - from));
    await chain.send(() => Disputes.write.publishTrace([disputeId, { from: BigInt(from), hashes: batch, proof, proofFlags }, witness]));
  }
  const { depth } = await Disputes.read.getPublication([disputeId]);
  const chunks = checkpointChunks(lastCheckpoint, depth, await Disputes.read.CHUNK_DEPTH());
  for (const { chunk, words, proof } of chunks) {
    signal.throwIfAborted();
    try {
      await chain.send(() => Disputes.write.publishChunk([disputeId, chunk, words, proof]));
    } catch (error) {
      if (!(error instanceof VeritrainError && error.details.error === "DisputesChunkAlreadyPublished")) throw error;
    }
    log.debug({ ...context, chunk: Number(chunk), of: chunks.length }, "checkpoint chunk published");
  }
  log.info({ ...context, checkpoints: hashes.length, chunks: chunks.length }, "result published on-chain");
}

/** A result published on-chain: the trace's checkpoint hashes and the last checkpoint's bytes. */
export type OnChainResult = { disputeId: bigint; hashes: Hex[]; lastCheckpoint: Uint8Array };

/**
 * Reads job `jobId`'s result back from the chain, if an availability dispute published it ({@link publishResultOnChain}):
 * the hashes from its `TracePublished` events, the last checkpoint from its `CheckpointChunkPublished` events, checked
 * against the hash the contract proved them to.
 *
 * @example
 * const published = await readPublishedResult({ chain, jobId });
 */
export async function readPublishedResult({ chain, jobId }: { chain: Pick<ProtocolConnection, "contracts" | "publicClient" | "deploymentBlock">; jobId: bigint }): Promise<OnChainResult | undefined> {
  const { Disputes } = chain.contracts;
  const disputeId = await Disputes.read.publishedIn([jobId]);
  if (disputeId === 0n) return undefined;
  const { depth, lastHash } = await Disputes.read.getPublication([disputeId]);
  const traces = await readEvents({ chain, contract: Disputes, eventName: "TracePublished", args: { disputeId } });
  const hashes = traces.sort((a, b) => Number(a.args.from - b.args.from)).flatMap((event) => [...event.args.hashes]);
  const height = Math.min(depth, await Disputes.read.CHUNK_DEPTH());
  const chunkBytes = WORD * 2 ** height;
  const padded = new Uint8Array(WORD * 2 ** depth);
  for (const event of await readEvents({ chain, contract: Disputes, eventName: "CheckpointChunkPublished", args: { disputeId } })) {
    event.args.words.forEach((word, i) => padded.set(hexToBytes(word), Number(event.args.chunk) * chunkBytes + i * WORD));
  }
  if (wordTreeRoot(padded, depth) !== lastHash) throw new Error(`the chunks published in dispute ${disputeId} do not form the checkpoint ${lastHash}`);
  return { disputeId, hashes, lastCheckpoint: padded.slice(0, Math.min(padded.length, checkpointLength(padded))) };
}
