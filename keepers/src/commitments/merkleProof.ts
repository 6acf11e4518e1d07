import { VeritrainError } from "../errors.ts";
import { CHUNK_BYTES, ELEMENTS_PER_LEAF, leafCountOf, packChunk } from "./chunkPacking.ts";
import { columnBlocks } from "./columnBlocks.ts";
import { SEGMENT_LEVELS } from "./columnRoot.ts";
import { LeafHasher } from "./leafHasher.ts";
import { MerkleFrontier } from "./merkleFrontier.ts";
import { PoseidonWasm } from "./poseidonWasm.ts";
import { assertDepth, assertFits, DEFAULT_COLUMN_DEPTH } from "./treeDepth.ts";

/** Parameters of {@link merkleProofs}. */
export type MerkleProofsParameters = {
  /** The whole column (streamed once: a proof needs every leaf to rebuild the siblings). */
  column: Uint8Array | AsyncIterable<Uint8Array>;
  /** Tree depth, as used for the column's commitment (default 25). */
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
  /** Sibling at each level, from the leaves up (length = depth). */
  pathElements: bigint[];
  /** Bit l of index: 0 when the path node at level l is a left child, 1 when it is a right child. */
  pathIndices: number[];
};

/**
 * Builds the Merkle proofs of the leaves at `indices` (in that order) by streaming the column
 * once (single thread; O(depth × indices) memory).
 *
 * @example
 * const [proof] = await merkleProofs({ column, depth: 25, indices: [12345] });
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
  const zeros = new MerkleFrontier({ poseidon, depth });
  const paths = indices.map(() => Array.from({ length: depth }, (_, level) => poseidon.readElement(zeros.zero(level))));
  const frontier = new MerkleFrontier({
    poseidon,
    depth,
    onNode: (level, position, pointer) => {
      if (level >= depth) return;
      indices.forEach((index, i) => {
        if (position === (Math.floor(index / 2 ** level) ^ 1)) paths[i]![level] = poseidon.readElement(pointer);
      });
    },
  });
  const blockBytes = 2 ** SEGMENT_LEVELS * CHUNK_BYTES;
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
      pathIndices: Array.from({ length: depth }, (_, level) => Math.floor(index / 2 ** level) % 2),
    };
  });
}

/** What {@link verifyMerkleProof} checks: a {@link MerkleProof} without the derived fields. */
export type VerifyMerkleProofParameters = Pick<MerkleProof, "root" | "leafCount" | "index" | "chunk" | "pathElements" | "pathIndices">;

/**
 * Checks a proof exactly as the circuit does: leaf = Poseidon16(chunk), fold the path with
 * Poseidon2 (bit 0: node on the left), then Poseidon2(merkleRoot, leafCount) = root; also
 * requires pathIndices to be the bits of index and index < leafCount.
 *
 * @example
 * verifyMerkleProof({ root, leafCount, index, chunk, pathElements, pathIndices }); // true or false
 */
export function verifyMerkleProof({ root, leafCount, index, chunk, pathElements, pathIndices }: VerifyMerkleProofParameters): boolean {
  if (chunk.length !== ELEMENTS_PER_LEAF || pathIndices.length !== pathElements.length) return false;
  if (!Number.isSafeInteger(index) || index < 0 || index >= leafCount || index >= 2 ** pathElements.length) return false;
  if (pathIndices.some((bit, level) => bit !== Math.floor(index / 2 ** level) % 2)) return false;
  const poseidon = PoseidonWasm.shared();
  let node = poseidon.hash(chunk);
  pathElements.forEach((sibling, level) => {
    node = pathIndices[level] === 1 ? poseidon.hash([sibling, node]) : poseidon.hash([node, sibling]);
  });
  return poseidon.hash([node, BigInt(leafCount)]) === root;
}
