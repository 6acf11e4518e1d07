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

  /**
   * An OpenZeppelin multiproof of checkpoints `from` … `from + count − 1`, as Disputes' `TraceBatch` takes it: the
   * hashes in checkpoint order, and the proof and flags `MerkleProof.multiProofVerify` checks their leaves with.
   */
  multiProof(from: number, count: number): { from: number; hashes: Hex[]; proof: Hex[]; proofFlags: boolean[] } {
    if (!Number.isInteger(from) || !Number.isInteger(count) || from < 0 || count < 1 || from + count > this.hashes.length) {
      throw new RangeError(`checkpoints ${from} … ${from + count - 1} are not all in a trace of ${this.hashes.length}`);
    }
    const indices = Array.from({ length: count }, (_, i) => from + i);
    const { leaves, proof, proofFlags } = this.tree.getMultiProof(indices);
    // The library orders a multiproof's leaves by their place in its tree, which puts checkpoints in ascending order.
    const hashes = leaves.map(([index, hash], i) => {
      if (Number(index) !== from + i) throw new Error(`multiproof leaf ${i} is checkpoint ${index}, not ${from + i}`);
      return hash;
    });
    return { from, hashes, proof: proof as Hex[], proofFlags };
  }

  /** Checks a proof against a root (same algorithm as OpenZeppelin's MerkleProof.verify). */
  static verify(root: Hex, proof: CheckpointProof): boolean {
    return StandardMerkleTree.verify(root, [...CHECKPOINT_LEAF_ENCODING], [BigInt(proof.index), proof.hash], proof.proof);
  }
}
