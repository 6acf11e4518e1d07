import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { Hex } from "viem";
import { VeritrainError } from "../errors.ts";

/** Leaf encoding: abi.encode(uint256 checkpointIndex, bytes32 checkpointHash). */
export const CHECKPOINT_LEAF_ENCODING = ["uint256", "bytes32"] as const;

/** A membership proof of one checkpoint, as Solidity's `MerkleProof.verify` takes it. */
export type CheckpointProof = {
  index: number;
  hash: Hex;
  /** The leaf: keccak256(bytes.concat(keccak256(abi.encode(index, hash)))). */
  leaf: Hex;
  proof: Hex[];
};

/**
 * The Merkle tree of a job's checkpoint hashes (OpenZeppelin StandardMerkleTree, leaves
 * [i, hash_i] in checkpoint order, `sortLeaves: false`). Its root is what goes on-chain.
 *
 * @example
 * const tree = new CheckpointTree(hashes);
 * tree.root; tree.proof(3);
 */
export class CheckpointTree {
  readonly hashes: readonly Hex[];
  private readonly tree: StandardMerkleTree<[bigint, Hex]>;

  constructor(hashes: readonly Hex[]) {
    this.hashes = hashes;
    this.tree = StandardMerkleTree.of(
      hashes.map((hash, index): [bigint, Hex] => [BigInt(index), hash]),
      [...CHECKPOINT_LEAF_ENCODING],
      { sortLeaves: false },
    );
  }

  /** The root to commit on-chain. */
  get root(): Hex {
    return this.tree.root as Hex;
  }

  /** Membership proof of checkpoint `index`. */
  proof(index: number): CheckpointProof {
    const hash = this.hashes[index];
    if (hash === undefined) {
      throw new VeritrainError(`no checkpoint ${index} (have ${this.hashes.length})`, {
        code: "CHECKPOINT_NOT_FOUND", details: { index, count: this.hashes.length },
      });
    }
    return {
      index,
      hash,
      leaf: this.tree.leafHash([BigInt(index), hash]) as Hex,
      proof: this.tree.getProof(index) as Hex[],
    };
  }

  /** Checks a proof against a root (same algorithm as OpenZeppelin's MerkleProof.verify). */
  static verify(root: Hex, proof: CheckpointProof): boolean {
    return StandardMerkleTree.verify(root, [...CHECKPOINT_LEAF_ENCODING], [BigInt(proof.index), proof.hash], proof.proof);
  }
}
