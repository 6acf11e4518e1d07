import { buildPoseidon } from "circomlibjs";
import { CHUNK_BYTES, leafCountOf, packChunk } from "../../../keepers/src/commitments/chunkPacking.ts";

const reference = await buildPoseidon();

/** circomlibjs Poseidon as a bigint function: the independent reference for the tests. */
export function referencePoseidon(inputs: readonly bigint[]): bigint {
  return reference.F.toObject(reference(inputs));
}

/**
 * The column commitment (4-ary tree) computed the naive way with circomlibjs (all leaves, whole levels), to
 * check the streaming wasm implementation against an independent one on small trees.
 */
export function referenceColumnRoot({ column, depth }: { column: Uint8Array; depth: number }): { root: bigint; merkleRoot: bigint; leaves: bigint[] } {
  const leaves = Array.from({ length: leafCountOf(column.length) }, (_, i) =>
    referencePoseidon(packChunk(column.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES))),
  );
  let level = [...leaves];
  let zero = 0n;
  for (let height = 0; height < depth; height++) {
    level = Array.from({ length: Math.max(1, Math.ceil(level.length / 4)) }, (_, i) =>
      referencePoseidon([0, 1, 2, 3].map((child) => level[4 * i + child] ?? zero)),
    );
    zero = referencePoseidon([zero, zero, zero, zero]);
  }
  const merkleRoot = level[0] ?? zero;
  return { root: referencePoseidon([merkleRoot, BigInt(leaves.length)]), merkleRoot, leaves };
}
