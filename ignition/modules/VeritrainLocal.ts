import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { readFileSync } from "node:fs";
import { verifyingKeyHash } from "../../keepers/src/proofs/verifyingKeyHash.ts";
import { deployProtocol } from "./protocol.ts";

const storageVerificationKey = JSON.parse(readFileSync(new URL("../../circuits/build/verification_key.json", import.meta.url), "utf8"));

/**
 * The protocol on a local chain: a test token with permit minted to the deployer, Chainlink's
 * `VRFCoordinatorV2_5Mock` with a funded subscription (anyone calls its `fulfillRandomWords`), and
 * the protocol wired to both, with the development storage-proof verifier registered as version 1
 * (the deployer is the verifier admin here).
 */
export default buildModule("VeritrainLocal", (m) => {
  const deployer = m.getAccount(0);
  const token = m.contract("VeritrainToken", [deployer, m.getParameter("tokenSupply", 10n ** 9n * 10n ** 18n)]);
  const vrfCoordinator = m.contract("VRFCoordinatorV2_5Mock", [
    m.getParameter("vrfMockBaseFee", 10n ** 17n),
    m.getParameter("vrfMockGasPrice", 10n ** 9n),
    m.getParameter("vrfMockWeiPerUnitLink", 4n * 10n ** 15n),
  ]);
  const createSubscription = m.call(vrfCoordinator, "createSubscription", []);
  const vrfSubscriptionId = m.readEventArgument(createSubscription, "SubscriptionCreated", "subId");
  m.call(vrfCoordinator, "fundSubscription", [vrfSubscriptionId, m.getParameter("vrfMockFunding", 10n ** 24n)]);
  const protocol = deployProtocol(m, { token, vrfCoordinator, vrfSubscriptionId });
  m.call(vrfCoordinator, "addConsumer", [vrfSubscriptionId, protocol.committee], { id: "addCommitteeConsumer" });
  m.call(vrfCoordinator, "addConsumer", [vrfSubscriptionId, protocol.datasetRegistry], { id: "addDatasetRegistryConsumer" });
  m.call(vrfCoordinator, "addConsumer", [vrfSubscriptionId, protocol.storageProofs], { id: "addStorageProofsConsumer" });
  m.call(protocol.storageProofs, "addVerifier", [protocol.storageProofVerifier, verifyingKeyHash(storageVerificationKey)], {
    id: "addStorageProofVerifierV1",
  });
  return { token, vrfCoordinator, ...protocol };
});
