import { VeritrainError } from "../errors.ts";
import { CHUNK_BYTES, ELEMENTS_PER_LEAF, leafCountOf, packChunk } from "./chunkPacking.ts";
import { columnBlocks } from "./columnBlocks.ts";
import { SEGMENT_LEVELS } from "./columnRoot.ts";
import { LeafHasher } from "./leafHasher.ts";
import { MerkleFrontier, zeroHashes } from "./merkleFrontier.ts";
import { PoseidonWasm } from "./poseidonWasm.ts";
import { ELEMENT_BYTES } from "./poseidonWat.ts";
import { ARITY, assertDepth, assertFits, DEFAULT_COLUMN_DEPTH, leavesAtDepth } from "./treeDepth.ts";

/** Parameters of {@link merkleProofs}. */
export type MerkleProofsParameters = {
  /** The whole column (streamed once: a proof needs every leaf to rebuild the siblings). */
  column: Uint8Array | AsyncIterable<Uint8Array>;
  /** Tree depth, as used for the column's commitment (default 13). */
  depth?: number;
  /** Indices of the challenged leaves, each in [0, leafCount); repeats allowed. */
  indices: readonly number[];
};

/**
 * Storage proof witness for one leaf: what the circuit takes as private inputs (`chunk`,
 * `pathElements`, `pathIndices`) and public inputs (`root`, `index`; `leafCount` opens the root).
 */
export type MerkleProof = {
  /** Column root Poseidon2(merkleRoot, leafCount). */
  root: bigint;
  merkleRoot: bigint;
  leafCount: number;
  index: number;
  /** The 16 field elements of the leaf's chunk. */
  chunk: bigint[];
  /** Poseidon16(chunk). */
  leaf: bigint;
  /** The three siblings at each level, from the leaves up (depth × 3), left to right without the path node. */
  pathElements: bigint[][];
  /** Base-4 digit l of index: the path node's position (0..3) among its parent's children at level l. */
  pathIndices: number[];
};

/**
 * Builds the Merkle proofs of the leaves at `indices` (in that order) by streaming the column
 * once (single thread; O(depth × indices) memory).
 *
 * @example
 * const [proof] = await merkleProofs({ column, depth: 13, indices: [12345] });
 * verifyMerkleProof(proof); // true
 */
export async function merkleProofs({ column, depth = DEFAULT_COLUMN_DEPTH, indices }: MerkleProofsParameters): Promise<MerkleProof[]> {
  assertDepth(depth);
  for (const index of indices) {
    if (!Number.isSafeInteger(index) || index < 0) {
      throw new VeritrainError(`index must be a non-negative integer, got ${index}`, {
        code: "LEAF_INDEX_INVALID",
        details: { field: "index", value: index },
      });
    }
  }
  const poseidon = PoseidonWasm.create();
  const zeros = zeroHashes(poseidon, depth);
  // Siblings in the zero padding are never emitted: they start as zero[level].
  const paths = indices.map(() =>
    Array.from({ length: depth }, (_, level) => new Array<bigint>(ARITY - 1).fill(poseidon.readElement(zeros + level * ELEMENT_BYTES))),
  );
  // Position of each path's node at each level.
  const positions = indices.map((index) => Array.from({ length: depth }, (_, level) => Math.floor(index / ARITY ** level)));
  const frontier = new MerkleFrontier({
    poseidon,
    depth,
    onNode: (level, position, pointer) => {
      if (level >= depth) return;
      positions.forEach((path, i) => {
        const own = path[level]!;
        if (position === own || Math.floor(position / ARITY) !== Math.floor(own / ARITY)) return;
        const child = position % ARITY;
        paths[i]![level]![child < own % ARITY ? child : child - 1] = poseidon.readElement(pointer);
      });
    },
  });
  const blockBytes = leavesAtDepth(SEGMENT_LEVELS) * CHUNK_BYTES;
  const leaves = new LeafHasher({ poseidon, blockBytes });
  let byteLength = 0;
  const chunks: (bigint[] | undefined)[] = indices.map(() => undefined);
  for await (const block of columnBlocks(column, blockBytes)) {
    indices.forEach((index, i) => {
      const offset = index * CHUNK_BYTES - byteLength;
      if (offset >= 0 && offset < block.length) chunks[i] = packChunk(block.subarray(offset, offset + CHUNK_BYTES));
    });
    byteLength += block.length;
    assertFits(leafCountOf(byteLength), depth);
    leaves.pushBlock(block, frontier);
  }
  const leafCount = leafCountOf(byteLength);
  const merkleRoot = poseidon.readElement(frontier.finish());
  const root = poseidon.hash([merkleRoot, BigInt(leafCount)]);
  return indices.map((index, i) => {
    const chunk = chunks[i];
    if (chunk === undefined) {
      throw new VeritrainError(`index must be below the column's leaf count ${leafCount}, got ${index}`, {
        code: "LEAF_INDEX_INVALID",
        details: { field: "index", value: index, leafCount },
      });
    }
    return {
      root,
      merkleRoot,
      leafCount,
      index,
      chunk,
      leaf: poseidon.hash(chunk),
      pathElements: paths[i]!,
      pathIndices: digitsOf(index, depth),
    };
  });
}

/** What {@link verifyMerkleProof} checks: a {@link MerkleProof} without the derived fields. */
export type VerifyMerkleProofParameters = Pick<MerkleProof, "root" | "leafCount" | "index" | "chunk" | "pathElements" | "pathIndices">;

/**
 * Checks a proof exactly as the circuit does: leaf = Poseidon16(chunk), fold the path with
 * Poseidon4 (the node inserted among its three siblings at its digit), then
 * Poseidon2(merkleRoot, leafCount) = root; also requires pathIndices to be the base-4 digits of
 * index and index < leafCount.
 *
 * @example
 * verifyMerkleProof({ root, leafCount, index, chunk, pathElements, pathIndices }); // true or false
 */
export function verifyMerkleProof({ root, leafCount, index, chunk, pathElements, pathIndices }: VerifyMerkleProofParameters): boolean {
  if (chunk.length !== ELEMENTS_PER_LEAF || pathIndices.length !== pathElements.length) return false;
  if (pathElements.some((siblings) => siblings.length !== ARITY - 1)) return false;
  if (!Number.isSafeInteger(index) || index < 0 || index >= leafCount || index >= ARITY ** pathElements.length) return false;
  const digits = digitsOf(index, pathElements.length);
  if (pathIndices.some((digit, level) => digit !== digits[level])) return false;
  const poseidon = PoseidonWasm.shared();
  let node = poseidon.hash(chunk);
  pathElements.forEach((siblings, level) => {
    node = poseidon.hash(siblings.toSpliced(digits[level]!, 0, node));
  });
  return poseidon.hash([node, BigInt(leafCount)]) === root;
}

/** The `depth` base-4 digits of `index`, least significant (the leaf level) first. */
function digitsOf(index: number, depth: number): number[] {
  return Array.from({ length: depth }, (_, level) => Math.floor(index / ARITY ** level) % ARITY);
}
