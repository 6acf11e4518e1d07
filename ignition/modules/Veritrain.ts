import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { deployProtocol } from "./protocol.ts";

/**
 * The protocol on a public network (zkEVM L2 testnets): the token and the Chainlink VRF v2.5
 * coordinator and subscription already exist and come from the network's parameter file.
 * After deployment, add ValidatorCommittee, DatasetRegistry and StorageProofs as consumers of the VRF
 * subscription, and register the storage-proof verifier with `StorageProofs.addVerifier` (verifierAdmin).
 */
export default buildModule("Veritrain", (m) => {
  const token = m.getParameter<string>("token");
  const vrfCoordinator = m.getParameter<string>("vrfCoordinator");
  const protocol = deployProtocol(m, {
    token,
    vrfCoordinator,
    vrfSubscriptionId: m.getParameter<bigint>("vrfSubscriptionId"),
  });
  return protocol;
});
