import type { ArgumentType, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";

/** Futures (or parameters) of the external contracts the protocol builds on. */
export type ProtocolDependencies = {
  /** The protocol token (escrow, stake, bonds). */
  token: ArgumentType;
  /** The Chainlink VRF v2.5 coordinator. */
  vrfCoordinator: ArgumentType;
  /** The VRF v2.5 subscription that pays for committee draws, placements and audit rounds. */
  vrfSubscriptionId: ArgumentType;
};

/**
 * Deploys and wires the protocol's contracts inside an Ignition module: StakeManager,
 * JobRegistry, ValidatorCommittee, Disputes, DatasetRegistry, StorageProofs. Every module role goes to a
 * contract and DatasetRegistry's acceptance listener is StorageProofs, then the deployer renounces every
 * admin role, so no account can move escrow, stake or bonds.
 * `verifierAdmin` (default: the deployer) keeps StorageProofs' VERIFIER_ADMIN_ROLE to register the
 * storage-proof verifiers; the development verifier `StorageProofVerifierV1` is deployed alongside
 * (registered by VeritrainLocal; on a testnet the verifier admin calls `addVerifier` itself, before any
 * column is accepted: an acceptance binds the dataset to the latest version and needs one).
 * Parameters (with defaults) are read from the calling module's parameter file.
 */
export function deployProtocol(m: IgnitionModuleBuilder, { token, vrfCoordinator, vrfSubscriptionId }: ProtocolDependencies) {
  const deployer = m.getAccount(0);
  const stakeManager = m.contract("StakeManager", [
    token,
    m.getParameter("treasury", deployer),
    m.getParameter("unbondingDelay", 7n * 24n * 3600n),
    m.getParameter("slashBeneficiaryShareBps", 5000n),
    deployer,
  ]);
  const vrf = {
    keyHash: m.getParameter("vrfKeyHash", `0x${"00".repeat(32)}`),
    subscriptionId: vrfSubscriptionId,
    callbackGasLimit: m.getParameter("vrfCallbackGasLimit", 2_000_000n),
    requestConfirmations: m.getParameter("vrfRequestConfirmations", 3n),
  };
  const committee = m.contract("ValidatorCommittee", [
    vrfCoordinator,
    stakeManager,
    {
      ...vrf,
      size: m.getParameter("committeeSize", 9n),
      threshold: m.getParameter("committeeThreshold", 5n),
      validatorStake: m.getParameter("validatorStake", 1_000n * 10n ** 18n),
    },
    deployer,
  ]);
  const datasetRegistry = m.contract("DatasetRegistry", [
    vrfCoordinator,
    stakeManager,
    m.getParameter("providerStake", 1_000n * 10n ** 18n),
    m.getParameter("faultPenalty", 250n * 10n ** 18n),
    vrf,
    deployer,
  ]);
  const storageProofs = m.contract("StorageProofs", [
    vrfCoordinator,
    datasetRegistry,
    vrf,
    m.getParameter("roundInterval", 24n * 3600n),
    m.getParameter("proofWindow", 3600n),
    m.getParameter("verifierAdmin", deployer),
    deployer,
  ]);

  // The development verifier (circuits/build, insecure keys); `verifierAdmin` registers it with addVerifier.
  const storageProofVerifier = m.contract("StorageProofVerifierV1");

  const jobRegistry = m.contract("JobRegistry", [stakeManager, datasetRegistry, deployer]);
  const disputes = m.contract("Disputes", [
    jobRegistry,
    committee,
    m.getParameter("challengeBond", 100n * 10n ** 18n),
    m.getParameter("verdictPeriod", 24n * 3600n),
  ]);

  const moduleRole = m.staticCall(stakeManager, "MODULE_ROLE", []);
  const adminRole = m.staticCall(stakeManager, "DEFAULT_ADMIN_ROLE", []);
  const grants = [
    m.call(stakeManager, "grantRole", [moduleRole, jobRegistry], { id: "grantModuleRoleToJobRegistry" }),
    m.call(stakeManager, "grantRole", [moduleRole, committee], { id: "grantModuleRoleToCommittee" }),
    m.call(stakeManager, "grantRole", [moduleRole, datasetRegistry], { id: "grantModuleRoleToDatasetRegistry" }),
    m.call(jobRegistry, "grantRole", [m.staticCall(jobRegistry, "DISPUTES_ROLE", []), disputes], {
      id: "grantDisputesRole",
    }),
    m.call(committee, "grantRole", [m.staticCall(committee, "REQUESTER_ROLE", []), disputes], {
      id: "grantRequesterRole",
    }),
    m.call(datasetRegistry, "grantRole", [m.staticCall(datasetRegistry, "FAULT_REPORTER_ROLE", []), storageProofs], {
      id: "grantFaultReporterRole",
    }),
    m.call(datasetRegistry, "setAcceptanceListener", [storageProofs]),
  ];
  for (const [name, contract] of [
    ["StakeManager", stakeManager],
    ["JobRegistry", jobRegistry],
    ["ValidatorCommittee", committee],
    ["DatasetRegistry", datasetRegistry],
    ["StorageProofs", storageProofs],
  ] as const) {
    m.call(contract, "renounceRole", [adminRole, deployer], { id: `renounceAdmin${name}`, after: grants });
  }
  return { stakeManager, jobRegistry, committee, disputes, datasetRegistry, storageProofs, storageProofVerifier };
}
