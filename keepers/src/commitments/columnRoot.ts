import { Worker } from "node:worker_threads";
import { VeritrainError } from "../errors.ts";
import { CHUNK_BYTES, leafCountOf } from "./chunkPacking.ts";
import { columnBlocks } from "./columnBlocks.ts";
import { LeafHasher } from "./leafHasher.ts";
import { MerkleFrontier } from "./merkleFrontier.ts";
import { PoseidonWasm } from "./poseidonWasm.ts";
import { ELEMENT_BYTES } from "./poseidonWat.ts";
import type { SubtreeRequest, SubtreeResponse } from "./subtreeWorker.ts";
import { assertDepth, assertFits, DEFAULT_COLUMN_DEPTH, leavesAtDepth } from "./treeDepth.ts";

/**
 * Height of the subtrees handed to worker threads: 4^5 = 1024 leaves ≈ 0.5 MB of column per
 * message, large enough to amortise messaging, small enough to keep every thread busy.
 */
export const SEGMENT_LEVELS = 5;
const SEGMENT_BYTES = leavesAtDepth(SEGMENT_LEVELS) * CHUNK_BYTES;

/** Parameters of {@link columnRoot}. */
export type ColumnRootParameters = {
  /** The column bytes, in memory or streamed in pieces of any size. */
  column: Uint8Array | AsyncIterable<Uint8Array>;
  /** Merkle tree depth (default 13); the column must have at most 4^depth leaves. */
  depth?: number;
  /**
   * Worker threads (default 1 = hash on the calling thread). The root does not depend on it.
   * Trees of depth <= 5 are a single worker segment, so they are always hashed on the calling thread.
   */
  threads?: number;
};

/** The commitment to one column. */
export type ColumnCommitment = {
  /** Poseidon2(merkleRoot, leafCount): the value registered on chain. */
  root: bigint;
  /** Root of the depth-`depth` 4-ary Poseidon tree over the leaves, zero-padded. */
  merkleRoot: bigint;
  /** ceil(byteLength / 496). */
  leafCount: number;
  /** Column length in bytes (not bound by the root: shard sizes are fixed by the dataset's metadata). */
  byteLength: number;
};

/**
 * Commits to a column: leaves are Poseidon16 of 496-byte chunks, the tree is a fixed-depth 4-ary
 * Merkle tree (node = Poseidon4 of its children) padded with zero leaves, and the root binds the
 * leaf count. Streams: memory is one ~0.5 MB block per thread plus O(depth) nodes, whatever the
 * column size.
 *
 * @example
 * const { root, leafCount } = await columnRoot({ column: fs.createReadStream(path), threads: 2 });
 * const onChain = fieldToBytes32Hex(root);
 */
export async function columnRoot({ column, depth = DEFAULT_COLUMN_DEPTH, threads = 1 }: ColumnRootParameters): Promise<ColumnCommitment> {
  assertDepth(depth);
  if (!Number.isInteger(threads) || threads < 1) {
    throw new VeritrainError(`threads must be a positive integer, got ${threads}`, {
      code: "THREADS_INVALID",
      details: { field: "threads", value: threads },
    });
  }
  const poseidon = PoseidonWasm.create();
  // Each segment of 4^SEGMENT_LEVELS leaves (the whole tree if it is smaller) is hashed as one
  // zero-padded subtree, on this thread or in a worker; a frontier starting at that level
  // combines the subtree roots left to right, so the tree does not depend on the thread count.
  const segmentLevels = Math.min(depth, SEGMENT_LEVELS);
  const frontier = new MerkleFrontier({ poseidon, depth, baseLevel: segmentLevels });
  let byteLength = 0;
  const countBlock = (block: Uint8Array): void => {
    byteLength += block.length;
    assertFits(leafCountOf(byteLength), depth);
  };
  if (threads > 1 && depth > SEGMENT_LEVELS) {
    await hashSegmentsInWorkers({ column, threads, poseidon, frontier, countBlock });
  } else {
    const leaves = new LeafHasher({ poseidon, blockBytes: SEGMENT_BYTES });
    for await (const block of columnBlocks(column, SEGMENT_BYTES)) {
      countBlock(block);
      frontier.push(leaves.subtreeRoot(block, segmentLevels));
    }
  }
  const merkleRoot = poseidon.readElement(frontier.finish());
  const leafCount = leafCountOf(byteLength);
  return { root: poseidon.hash([merkleRoot, BigInt(leafCount)]), merkleRoot, leafCount, byteLength };
}

type SegmentParameters = {
  column: Uint8Array | AsyncIterable<Uint8Array>;
  threads: number;
  poseidon: PoseidonWasm;
  frontier: MerkleFrontier;
  countBlock: (block: Uint8Array) => void;
};

/**
 * Sends segments round-robin to `threads` workers, at most two in flight per worker (bounded
 * memory), and pushes their subtree roots into the frontier strictly in segment order.
 */
async function hashSegmentsInWorkers({ column, threads, poseidon, frontier, countBlock }: SegmentParameters): Promise<void> {
  const workers = Array.from({ length: threads }, () => new Worker(new URL("./subtreeWorker.ts", import.meta.url)));
  const pending = new Map<number, { resolve: (root: bigint) => void; reject: (error: unknown) => void }>();
  const fail = (error: unknown): void => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  for (const worker of workers) {
    worker.on("message", ({ id, root }: SubtreeResponse) => {
      pending.get(id)?.resolve(root);
      pending.delete(id);
    });
    worker.on("error", fail);
  }
  const root = poseidon.allocate(ELEMENT_BYTES);
  const inFlight: Promise<bigint>[] = [];
  const pushOldest = async (): Promise<void> => {
    const oldest = inFlight.shift();
    if (oldest === undefined) return;
    poseidon.writeElement(root, await oldest);
    frontier.push(root);
  };
  try {
    let id = 0;
    for await (const block of columnBlocks(column, SEGMENT_BYTES)) {
      countBlock(block);
      if (inFlight.length >= 2 * threads) await pushOldest();
      const worker = workers[id % threads];
      const request: SubtreeRequest = { id, levels: SEGMENT_LEVELS, block };
      const subtreeRoot = new Promise<bigint>((resolve, reject) => pending.set(request.id, { resolve, reject }));
      // Awaited later, in order; this handler only keeps an early worker failure from being "unhandled".
      subtreeRoot.catch(() => undefined);
      inFlight.push(subtreeRoot);
      worker?.postMessage(request);
      id++;
    }
    while (inFlight.length > 0) await pushOldest();
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
