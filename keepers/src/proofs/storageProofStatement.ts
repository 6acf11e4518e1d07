import { type Address, hexToBigInt } from "viem";

/** Parameters of {@link storageProofStatement}. */
export type StorageProofStatementParameters = {
  /** The column's root as registered on-chain (0x-hex field element, or its value). */
  columnRoot: `0x${string}` | bigint;
  /** The column's holder, who proves it: the proof is bound to this address. */
  prover: Address;
  /** The round's seed (`RoundOpened`). */
  seed: bigint;
};

/**
 * The public signals of a storage proof, in circuit order: `[columnRoot, prover, seed]`
 * (docs/storage-proofs.md), the statement the verifier checks a proof against.
 *
 * @example
 * verifyGroth16Proof({ verifyingKey, proof, publicSignals: storageProofStatement({ columnRoot, prover, seed }) });
 */
export function storageProofStatement({ columnRoot, prover, seed }: StorageProofStatementParameters): readonly [bigint, bigint, bigint] {
  return [BigInt(columnRoot), hexToBigInt(prover), seed];
}
