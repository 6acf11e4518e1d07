import { decodeFunctionData, type Hex } from "viem";
import { StorageProofsAbi } from "../generated/abis.ts";

/** The arguments of a `StorageProofs.submitProof` call: what the chain verified. */
export type SubmittedProof = {
  datasetId: bigint;
  round: bigint;
  column: bigint;
  /** The proof as `uint256[8]` (docs/proof-encoding.md: the snarkjs Solidity verifier's order). */
  proof: readonly bigint[];
};

/**
 * Decodes the calldata of the transaction that submitted a storage proof (the subgraph keeps the
 * proof's outcome and transaction, not its bytes). Throws when the input is not a `submitProof` call.
 *
 * @example
 * const { proof } = submittedProof((await client.getTransaction({ hash })).input);
 */
export function submittedProof(input: Hex): SubmittedProof {
  const call = decodeFunctionData({ abi: StorageProofsAbi, data: input });
  if (call.functionName !== "submitProof") throw new Error(`the transaction calls ${call.functionName}, not submitProof`);
  const [datasetId, round, column, proof] = call.args;
  return { datasetId, round, column, proof };
}
