import { type Address, encodeAbiParameters, hexToBigInt, keccak256 } from "viem";
import { FIELD_MODULUS } from "../commitments/field.ts";

/** What a proof's second public input binds: one round's seed, one column, one prover. */
export type BoundSeedParameters = {
  /** The round's VRF seed. */
  seed: bigint;
  datasetId: bigint;
  column: number;
  prover: Address;
};

/**
 * The second public input of a storage proof, as StorageProofs computes it:
 * `uint256(keccak256(abi.encode(seed, datasetId, column, prover))) % r`.
 *
 * @example
 * boundSeed({ seed: 7n, datasetId: 1n, column: 3, prover: "0x…" }); // < r
 */
export function boundSeed({ seed, datasetId, column, prover }: BoundSeedParameters): bigint {
  const encoded = encodeAbiParameters(
    [{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }, { type: "address" }],
    [seed, datasetId, BigInt(column), prover],
  );
  return hexToBigInt(keccak256(encoded)) % FIELD_MODULUS;
}
