import type { IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { readFileSync } from "node:fs";
import { verifyingKeyHash } from "../../keepers/src/proofs/verifyingKeyHash.ts";

const developmentKey = JSON.parse(readFileSync(new URL("../../circuits/build/verification_key.json", import.meta.url), "utf8"));

/** The hash of the development ceremony's verifying key (`circuits/build/verification_key.json`). */
export const DEVELOPMENT_VERIFYING_KEY_HASH = verifyingKeyHash(developmentKey);

/**
 * Deploys `StorageProofVerifierV1`, the verifier of the development ceremony's keys: the ceremony is
 * beacon-only, so its toxic waste is public and anyone can forge proofs for it. Local chains only,
 * or a public one when the deployer says so explicitly (see the `Veritrain` module).
 */
export function developmentVerifier(m: IgnitionModuleBuilder) {
  return { address: m.contract("StorageProofVerifierV1"), verifyingKeyHash: DEVELOPMENT_VERIFYING_KEY_HASH };
}
