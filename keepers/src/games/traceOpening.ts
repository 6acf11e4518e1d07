import type { Hex } from "viem";
import { CheckpointTree } from "../training/checkpointTree.ts";
import type { VmProgram } from "../trainingVm/vmProgram.ts";

/** Disputes' `TraceOpening`: what a game over one checkpoint's segment starts from. */
export type TraceOpening = { hashBefore: Hex; proofBefore: Hex[]; hashAfter: Hex; proofAfter: Hex[]; program: Hex };

/**
 * The opening of checkpoint `checkpoint`'s segment in the trace whose checkpoint hashes are `hashes` (the provider's,
 * as its `traceRoot` commits them): leaves `checkpoint − 1` and `checkpoint` with their proofs, and the preimage of
 * the job's program (docs/dispute-game.md §5). A checkpoint without a segment (0, or past the last) opens the leaves
 * nearest to it: Disputes dismisses such a dispute without reading them.
 *
 * @example
 * await Disputes.write.challengeByGame([jobId, 3n, hash, traceOpening(result.hashes, 3, program)]);
 */
export function traceOpening(hashes: readonly Hex[], checkpoint: number, program: VmProgram): TraceOpening {
  const tree = new CheckpointTree(hashes);
  const last = hashes.length - 1;
  const before = tree.proof(Math.min(Math.max(checkpoint - 1, 0), last));
  const after = tree.proof(Math.min(checkpoint, last));
  return { hashBefore: before.hash, proofBefore: before.proof, hashAfter: after.hash, proofAfter: after.proof, program: program.segmentWitness() };
}
