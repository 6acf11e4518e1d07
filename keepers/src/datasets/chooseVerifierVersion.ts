import { readFileSync } from "node:fs";
import type { Address, Hex } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { VeritrainError } from "../errors.ts";
import { verifyingKeyHash } from "../proofs/verifyingKeyHash.ts";

/** Parameters of {@link chooseVerifierVersion}. */
export type ChooseVerifierVersionParameters = {
  chain: ProtocolConnection;
  /** The StorageProofs verifier version to name. @default the latest registered (`versionCount`) */
  version?: bigint;
  /**
   * Accept a version whose verifying key is the development ceremony's (`circuits/build/verification_key.json`,
   * beacon-only: anyone can forge its proofs). Local devnets only. @default false
   */
  allowDevelopmentKeys?: boolean;
  /** The development verifying key file. @default circuits/build/verification_key.json */
  developmentKeyFile?: URL | string;
};

/** The version a registration will name, with what its owner should see before naming it. */
export type ChooseVerifierVersionReturnType = {
  version: bigint;
  verifier: Address;
  verifyingKeyHash: Hex;
  /** Whether its key is the development ceremony's. */
  development: boolean;
};

const DEVELOPMENT_KEY_FILE = new URL("../../../circuits/build/verification_key.json", import.meta.url);

/**
 * The StorageProofs verifier version a dataset registration names (DatasetRegistry binds the
 * dataset to it for good): `version`, or the latest registered one, read with its verifier and
 * verifying-key hash. Refuses (`VERIFIER_VERSION_DEVELOPMENT`) a version whose key hash is the
 * development key's unless `allowDevelopmentKeys`, and (`VERIFIER_VERSION_UNKNOWN`) a version that
 * does not exist.
 *
 * @example
 * const { version, verifyingKeyHash } = await chooseVerifierVersion({ chain });
 */
export async function chooseVerifierVersion({
  chain,
  version,
  allowDevelopmentKeys = false,
  developmentKeyFile = DEVELOPMENT_KEY_FILE,
}: ChooseVerifierVersionParameters): Promise<ChooseVerifierVersionReturnType> {
  const { StorageProofs } = chain.contracts;
  const count = await StorageProofs.read.versionCount();
  const chosen = version ?? count;
  if (chosen < 1n || chosen > count) {
    throw new VeritrainError(`verifier version ${chosen} is not registered (versions 1 to ${count})`, {
      code: "VERIFIER_VERSION_UNKNOWN",
      details: { version: chosen, versionCount: count },
    });
  }
  const { verifier, verifyingKeyHash: keyHash } = await StorageProofs.read.verifierVersion([chosen]);
  const development = keyHash === verifyingKeyHash(JSON.parse(readFileSync(developmentKeyFile, "utf8")));
  if (development && !allowDevelopmentKeys) {
    throw new VeritrainError(
      `verifier version ${chosen} checks proofs with the development ceremony's key (${keyHash}), whose proofs anyone can forge; name another version, or pass --allow-development-keys on a local devnet`,
      { code: "VERIFIER_VERSION_DEVELOPMENT", details: { version: chosen, verifyingKeyHash: keyHash } },
    );
  }
  return { version: chosen, verifier, verifyingKeyHash: keyHash, development };
}
