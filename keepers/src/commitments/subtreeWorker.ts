/**
 * Worker thread of {@link columnRoot}: receives whole segments of a column (2^levels leaves,
 * the last one possibly shorter) and answers each with the root of its zero-padded subtree.
 * Message in: { id, levels, block }. Message out: { id, root } (root as a canonical bigint).
 */
import { parentPort } from "node:worker_threads";
import { CHUNK_BYTES } from "./chunkPacking.ts";
import { LeafHasher } from "./leafHasher.ts";
import { MerkleFrontier } from "./merkleFrontier.ts";
import { PoseidonWasm } from "./poseidonWasm.ts";

/** A segment to hash. */
export type SubtreeRequest = { id: number; levels: number; block: Uint8Array };
/** The root of that segment's subtree. */
export type SubtreeResponse = { id: number; root: bigint };

const poseidon = PoseidonWasm.create();
/** One leaf hasher and frontier per segment height, reused so wasm memory does not grow per segment. */
const engines = new Map<number, { leaves: LeafHasher; frontier: MerkleFrontier }>();

parentPort?.on("message", ({ id, levels, block }: SubtreeRequest) => {
  let engine = engines.get(levels);
  if (engine === undefined) {
    engine = {
      leaves: new LeafHasher({ poseidon, blockBytes: 2 ** levels * CHUNK_BYTES }),
      frontier: new MerkleFrontier({ poseidon, depth: levels }),
    };
    engines.set(levels, engine);
  }
  const { leaves, frontier } = engine;
  frontier.reset();
  leaves.pushBlock(block, frontier);
  const response: SubtreeResponse = { id, root: poseidon.readElement(frontier.finish()) };
  parentPort?.postMessage(response);
});
