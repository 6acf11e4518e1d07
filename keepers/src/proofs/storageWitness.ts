import { type Address, hexToBigInt } from "viem";
import { merkleProofs } from "../commitments/merkleProof.ts";
import { VeritrainError } from "../errors.ts";
import { challengeIndices } from "./challengeIndices.ts";
import { STORAGE_CIRCUIT } from "./circuitParameters.ts";

/** The storage circuit's input signals, as decimal strings (snarkjs's input format). */
export type StorageWitnessInput = {
  columnRoot: string;
  prover: string;
  seed: string;
  merkleRoot: string;
  leafCount: string;
  chunks: string[][];
  /** Per sample, per level (leaves up), the three siblings. */
  siblings: string[][][];
};

/** Parameters of {@link storageWitness}. */
export type StorageWitnessParameters = {
  /** The whole shard column, streamed once. */
  column: Uint8Array | AsyncIterable<Uint8Array>;
  /** The registered column root (first public input). */
  columnRoot: bigint;
  /** The prover's address (second public input). */
  prover: Address;
  /** The round's seed, its VRF word mod r (third public input). */
  seed: bigint;
  /** Leaves of the committed column (from the manifest: ceil(column bytes / 496)). */
  leafCount: number;
};

/**
 * Builds the circuit input proving that `column` is the column committed by `columnRoot`, for
 * the challenge drawn from `seed` and `prover`.
 * Throws COLUMN_ROOT_MISMATCH when the column's bytes do not commit to `columnRoot` (no proof
 * could verify: a corrupted or wrong column).
 *
 * @example
 * const input = await storageWitness({ column, columnRoot, prover, seed, leafCount });
 */
export async function storageWitness({ column, columnRoot, prover, seed, leafCount }: StorageWitnessParameters): Promise<StorageWitnessInput> {
  const indices = challengeIndices({ seed, prover, leafCount });
  const proofs = await merkleProofs({ column, depth: STORAGE_CIRCUIT.depth, indices });
  const first = proofs[0]!;
  if (first.root !== columnRoot || first.leafCount !== leafCount) {
    throw new VeritrainError("the local column does not commit to the on-chain column root", {
      code: "COLUMN_ROOT_MISMATCH",
      details: { expected: columnRoot.toString(), actual: first.root.toString(), leafCount: first.leafCount },
    });
  }
  return {
    columnRoot: columnRoot.toString(),
    prover: hexToBigInt(prover).toString(),
    seed: seed.toString(),
    merkleRoot: first.merkleRoot.toString(),
    leafCount: String(leafCount),
    chunks: proofs.map((proof) => proof.chunk.map(String)),
    siblings: proofs.map((proof) => proof.pathElements.map((siblings) => siblings.map(String))),
  };
}
