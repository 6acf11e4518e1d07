import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import { developmentVerifier } from "./developmentVerifier.ts";
import { deployProtocol } from "./protocol.ts";

/**
 * The protocol on a local chain: a test token with permit minted to the deployer, Chainlink's
 * `VRFCoordinatorV2_5Mock` with a funded subscription (anyone calls its `fulfillRandomWords`), and
 * the protocol wired to both, with the development storage-proof verifier (insecure keys) as version 1.
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
  const storageProofVerifier = developmentVerifier(m);
  const protocol = deployProtocol(m, { token, vrfCoordinator, vrfSubscriptionId, storageProofVerifier });
  m.call(vrfCoordinator, "addConsumer", [vrfSubscriptionId, protocol.committee], { id: "addCommitteeConsumer" });
  m.call(vrfCoordinator, "addConsumer", [vrfSubscriptionId, protocol.datasetRegistry], { id: "addDatasetRegistryConsumer" });
  m.call(vrfCoordinator, "addConsumer", [vrfSubscriptionId, protocol.storageProofs], { id: "addStorageProofsConsumer" });
  m.call(vrfCoordinator, "addConsumer", [vrfSubscriptionId, protocol.roundJobRegistry], { id: "addRoundJobRegistryConsumer" });
  return { token, vrfCoordinator, storageProofVerifier: storageProofVerifier.address, ...protocol };
});
