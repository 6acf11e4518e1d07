import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { config, globalOptions } from "hardhat";
import { checkBuildProfile } from "../buildProfileCheck.ts";
import { developmentVerifier } from "./developmentVerifier.ts";
import { deployProtocol } from "./protocol.ts";

/** The value of VERITRAIN_DEVELOPMENT_KEYS that lets a public deployment use the insecure development verifier. */
export const DEVELOPMENT_KEYS_CONSENT = "insecure";

/**
 * The protocol on a public network (zkEVM L2 testnets): the token and the Chainlink VRF v2.5
 * coordinator and subscription already exist and come from the network's parameter file, and so does
 * the storage-proof verifier of a real ceremony (`storageProofVerifier`, `storageProofVerifyingKeyHash`).
 * The development verifier (a beacon-only ceremony: anyone can forge its proofs) is refused, unless the
 * environment variable `VERITRAIN_DEVELOPMENT_KEYS=insecure` says otherwise; the deployment then deploys
 * it and prints a warning. After deployment, add ValidatorCommittee, DatasetRegistry and StorageProofs as
 * consumers of the VRF subscription. A network of ignition/evmTargets.ts must be deployed with a build
 * profile of its EVM version (its own: `--build-profile <network>`); any other is refused before a transaction.
 */
export default buildModule("Veritrain", (m) => {
  checkBuildProfile({ network: globalOptions.network, buildProfile: globalOptions.buildProfile, profiles: config.solidity.profiles });
  const token = m.getParameter<string>("token");
  const vrfCoordinator = m.getParameter<string>("vrfCoordinator");
  return deployProtocol(m, {
    token,
    vrfCoordinator,
    vrfSubscriptionId: m.getParameter<bigint>("vrfSubscriptionId"),
    storageProofVerifier: storageProofVerifier(m),
  });
});

function storageProofVerifier(m: IgnitionModuleBuilder) {
  if (process.env.VERITRAIN_DEVELOPMENT_KEYS === DEVELOPMENT_KEYS_CONSENT) {
    console.warn(
      "WARNING: VERITRAIN_DEVELOPMENT_KEYS=insecure: this deployment registers the development storage-proof " +
        "verifier, whose ceremony's toxic waste is public: anyone can forge storage proofs. Never use it for real data.",
    );
    return developmentVerifier(m);
  }
  return {
    address: m.getParameter<string>("storageProofVerifier"),
    verifyingKeyHash: m.getParameter<string>("storageProofVerifyingKeyHash"),
  };
}
