/**
 * Worker thread of {@link columnRoot}: receives whole segments of a column (4^levels leaves,
 * the last one possibly shorter) and answers each with the root of its zero-padded subtree.
 * Message in: { id, levels, block }. Message out: { id, root } (root as a canonical bigint).
 */
import { parentPort } from "node:worker_threads";
import { CHUNK_BYTES } from "./chunkPacking.ts";
import { LeafHasher } from "./leafHasher.ts";
import { PoseidonWasm } from "./poseidonWasm.ts";
import { leavesAtDepth } from "./treeDepth.ts";

/** A segment to hash. */
export type SubtreeRequest = { id: number; levels: number; block: Uint8Array };
/** The root of that segment's subtree. */
export type SubtreeResponse = { id: number; root: bigint };

const poseidon = PoseidonWasm.create();
/** One leaf hasher per segment height, reused so wasm memory does not grow per segment. */
const hashers = new Map<number, LeafHasher>();

parentPort?.on("message", ({ id, levels, block }: SubtreeRequest) => {
  let leaves = hashers.get(levels);
  if (leaves === undefined) {
    leaves = new LeafHasher({ poseidon, blockBytes: leavesAtDepth(levels) * CHUNK_BYTES });
    hashers.set(levels, leaves);
  }
  const response: SubtreeResponse = { id, root: poseidon.readElement(leaves.subtreeRoot(block, levels)) };
  parentPort?.postMessage(response);
});
