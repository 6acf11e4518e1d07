import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { config, globalOptions } from "hardhat";
import { checkBuildProfile } from "../buildProfileCheck.ts";
import { developmentVerifier } from "./developmentVerifier.ts";
import { drandBeaconCoordinator, randomnessSource } from "./drandBeacon.ts";
import { deployProtocol } from "./protocol.ts";

/** The value of VERITRAIN_DEVELOPMENT_KEYS that lets a public deployment use the insecure development verifier. */
export const DEVELOPMENT_KEYS_CONSENT = "insecure";

/**
 * The protocol on a public network (zkEVM L2 testnets): the token and the storage-proof verifier of a real
 * ceremony (`storageProofVerifier`, `storageProofVerifyingKeyHash`) come from the network's parameter file.
 *
 * Randomness comes from the source `VERITRAIN_RANDOMNESS` names (read when the module is built, see
 * `drandBeacon.ts`):
 * - `drand-evmnet` (default; Chainlink VRF v2.5 is not offered on Cardona, Scroll Sepolia or Linea Sepolia): the
 *   module deploys a `DrandBeaconCoordinator` for drand's evmnet beacon (`drandPublicKey`, `drandGenesisTime`,
 *   `drandPeriod`, `drandMinDelay`) and gives it to the consumers as their coordinator; no subscription.
 * - `chainlink-vrf`: the network's VRF v2.5 coordinator and subscription (`vrfCoordinator`, `vrfSubscriptionId`,
 *   `vrfKeyHash`); after deployment, add ValidatorCommittee, DatasetRegistry, StorageProofs and RoundJobRegistry as consumers of
 *   the subscription.
 *
 * The development verifier (a beacon-only ceremony: anyone can forge its proofs) is refused, unless the
 * environment variable `VERITRAIN_DEVELOPMENT_KEYS=insecure` says otherwise; the deployment then deploys
 * it and prints a warning. A network of ignition/evmTargets.ts must be deployed with a build profile of its
 * EVM version (its own: `--build-profile <network>`); any other is refused before a transaction.
 */
export default buildModule("Veritrain", (m) => {
  checkBuildProfile({ network: globalOptions.network, buildProfile: globalOptions.buildProfile, profiles: config.solidity.profiles });
  const drandBeacon = randomnessSource() === "drand-evmnet" ? drandBeaconCoordinator(m) : undefined;
  const protocol = deployProtocol(m, {
    token: m.getParameter<string>("token"),
    vrfCoordinator: drandBeacon ?? m.getParameter<string>("vrfCoordinator"),
    // The drand coordinator takes no payment: requests carry subscription id 0.
    vrfSubscriptionId: drandBeacon === undefined ? m.getParameter<bigint>("vrfSubscriptionId") : 0n,
    storageProofVerifier: storageProofVerifier(m),
  });
  return drandBeacon === undefined ? protocol : { ...protocol, drandBeaconCoordinator: drandBeacon };
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
