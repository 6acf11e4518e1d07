// Loaded with import() when a reader asks to verify a proof: it carries mcl-wasm (BN254) and the
// storage circuit's verifying key, far too heavy for the first load.
import type { Hex } from "viem";
import verificationKey from "../../../circuits/build/verification_key.json" with { type: "json" };
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { parseVerifyingKey, type PreparedVerifyingKey, type SnarkjsVerificationKey, verifyGroth16Proof } from "../../../keepers/src/proofs/groth16Verification.ts";
import { PROOF_MALFORMED, proofFromCalldata } from "../../../keepers/src/proofs/proofEncoding.ts";
import { verifyingKeyHash } from "../../../keepers/src/proofs/verifyingKeyHash.ts";

/** Parameters of {@link verifyStoredProof}. */
export type VerifyStoredProofParameters = {
  /** The `uint256[8]` proof the chain received (`submitProof` calldata). */
  proof: readonly bigint[];
  /** The public signals `[columnRoot, prover, seed]` from the chain's records. */
  statement: readonly [bigint, bigint, bigint];
  /** The verifying-key hash of the verifier version the dataset is bound to. */
  boundKeyHash: Hex;
};

/** What {@link verifyStoredProof} found: valid, or the reason it is not. */
export type StoredProofVerdict = { valid: boolean; reason: string };

const KEY_HASH = verifyingKeyHash(verificationKey as unknown as SnarkjsVerificationKey);
let prepared: Promise<PreparedVerifyingKey> | undefined;

/**
 * Verifies a storage proof in the browser with the keepers' Groth16 verifier (mcl-wasm), on this
 * thread, against the storage circuit's committed verifying key, which must be the dataset's bound
 * key (same hash as the one anchored on-chain for the dataset's verifier version).
 *
 * @example
 * const { valid, reason } = await verifyStoredProof({ proof, statement: [root, prover, seed], boundKeyHash });
 */
export async function verifyStoredProof({ proof, statement, boundKeyHash }: VerifyStoredProofParameters): Promise<StoredProofVerdict> {
  if (KEY_HASH !== boundKeyHash.toLowerCase()) {
    return { valid: false, reason: `the app's verifying key (hash ${KEY_HASH}) is not the dataset's bound key (${boundKeyHash}): it cannot check this proof` };
  }
  // Prepared once per page; a failed preparation is tried again on the next press.
  prepared ??= parseVerifyingKey(verificationKey).catch((error: unknown) => {
    prepared = undefined;
    throw error;
  });
  try {
    const valid = verifyGroth16Proof({ verifyingKey: await prepared, proof: proofFromCalldata(proof), publicSignals: statement });
    return valid
      ? { valid, reason: "the pairing equation holds for [column root, prover, seed] with the dataset's verifying key" }
      : { valid, reason: "the pairing equation fails: this is not a proof of [column root, prover, seed] for the dataset's verifying key" };
  } catch (error) {
    // A malformed proof (a coordinate ≥ p, a point off its curve) is an invalid one, as on-chain.
    if (error instanceof VeritrainError && error.code === PROOF_MALFORMED) return { valid: false, reason: `the proof is malformed: ${error.message}` };
    throw error;
  }
}
