import type { ArgumentType, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";

/** Futures (or parameters) of the external contracts the protocol builds on. */
export type ProtocolDependencies = {
  /** The protocol token (escrow, stake, bonds). */
  token: ArgumentType;
  /** The Chainlink VRF v2.5 coordinator. */
  vrfCoordinator: ArgumentType;
  /** The VRF v2.5 subscription that pays for committee draws, placements, audit rounds and distributed jobs' seeds. */
  vrfSubscriptionId: ArgumentType;
  /** The storage-proof verifier registered as version 1, and the hash of its verifying key. */
  storageProofVerifier: { address: ArgumentType; verifyingKeyHash: ArgumentType };
};

/**
 * Defaults of the parameters governance's delay is measured against: a result submitted before a
 * governance call is scheduled must be settled (its challenge window and a dispute's verdict period)
 * before the call can run.
 */
export const TIMING_DEFAULTS = {
  governanceDelay: 14n * 24n * 3600n,
  maxChallengeWindow: 7n * 24n * 3600n,
  verdictPeriod: 24n * 3600n,
  /** A validator's exit to its release; must exceed verdictPeriod (Disputes' constructor checks). */
  validatorExitDelay: 2n * 24n * 3600n,
  /** A provider's time to turn a committee dispute into a game; below verdictPeriod, above the censorship bound. */
  forcePeriod: 12n * 3600n,
  /** Each side's time for all its moves in a game; above the censorship bound (docs/dispute-game.md §3). */
  clockBudget: 2n * 24n * 3600n,
  /** A distributed job's wait for its seed; above the randomness source's delay (drandMinDelay) and the censorship bound. */
  seedTimeout: 3600n,
} as const;

/**
 * Deploys and wires the protocol's contracts inside an Ignition module: a `TimelockController`
 * (governance), StakeManager, JobRegistry, RoundJobRegistry (and its SecureAggregationLedger), ValidatorCommittee, TrainingVm, Disputes (serving both registries; it
 * deploys its own BisectionGame over TrainingVm, and its AggregateReferee through a RefereeDeployer), DatasetRegistry,
 * StorageProofs.
 * Every module role goes to a contract and DatasetRegistry's acceptance listener is StorageProofs;
 * `storageProofVerifier` is registered as version 1; then StorageProofs' VERIFIER_ADMIN_ROLE moves to
 * the timelock and the deployer renounces every role it held, so no account can move escrow, stake or
 * bonds, and the only powers left (repointing the VRF coordinator, registering a verifier version)
 * are the timelock's: proposed in public by `governanceProposer` (a multisig), executable by anyone after `governanceDelay`
 * (default 14 days; it must exceed `maxChallengeWindow` + `verdictPeriod`, which a test checks for every
 * parameter file). Parameters (with defaults) are read from the calling module's parameter file.
 */
export function deployProtocol(
  m: IgnitionModuleBuilder,
  { token, vrfCoordinator, vrfSubscriptionId, storageProofVerifier }: ProtocolDependencies,
) {
  const deployer = m.getAccount(0);
  // No admin: the timelock administers itself, so its delay and proposers change only through a delayed call.
  // Executor address(0) opens execution of a ready operation to anyone.
  const governance = m.contract("TimelockController", [
    m.getParameter("governanceDelay", TIMING_DEFAULTS.governanceDelay),
    [m.getParameter("governanceProposer", deployer)],
    ["0x0000000000000000000000000000000000000000"],
    "0x0000000000000000000000000000000000000000",
  ]);
  const stakeManager = m.contract("StakeManager", [
    token,
    m.getParameter("treasury", deployer),
    m.getParameter("unbondingDelay", 7n * 24n * 3600n),
    // A slash's share to its beneficiary, and (Disputes reads it) a lost challenge bond's share to the accused; the
    // treasury gets the rest of both.
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
    governance,
    stakeManager,
    {
      ...vrf,
      size: m.getParameter("committeeSize", 9n),
      threshold: m.getParameter("committeeThreshold", 5n),
      validatorStake: m.getParameter("validatorStake", 1_000n * 10n ** 18n),
    },
    // Must exceed verdictPeriod (Disputes' constructor checks): a validator leaves only after every dispute it may sit on.
    m.getParameter("validatorExitDelay", TIMING_DEFAULTS.validatorExitDelay),
    deployer,
  ]);
  const datasetRegistry = m.contract("DatasetRegistry", [
    vrfCoordinator,
    governance,
    stakeManager,
    m.getParameter("providerStake", 1_000n * 10n ** 18n),
    m.getParameter("faultPenalty", 250n * 10n ** 18n),
    {
      placementTimeout: m.getParameter("placementTimeout", 24n * 3600n),
      acceptancePeriod: m.getParameter("acceptancePeriod", 24n * 3600n),
      reassignCooldown: m.getParameter("reassignCooldown", 3600n),
    },
    vrf,
    deployer,
  ]);
  const storageProofs = m.contract("StorageProofs", [
    vrfCoordinator,
    governance,
    datasetRegistry,
    vrf,
    m.getParameter("roundInterval", 24n * 3600n),
    m.getParameter("proofWindow", 3600n),
    m.getParameter("roundRequestTimeout", 3600n),
    deployer,
    deployer,
  ]);
  const verifierAdminRole = m.staticCall(storageProofs, "VERIFIER_ADMIN_ROLE", []);
  const addVersion1 = m.call(storageProofs, "addVerifier", [storageProofVerifier.address, storageProofVerifier.verifyingKeyHash], {
    id: "addStorageProofVerifierVersion1",
  });
  const verifierAdminToGovernance = m.call(storageProofs, "grantRole", [verifierAdminRole, governance], {
    id: "grantVerifierAdminToGovernance",
  });
  m.call(storageProofs, "renounceRole", [verifierAdminRole, deployer], {
    id: "renounceVerifierAdmin",
    after: [addVersion1, verifierAdminToGovernance],
  });

  const jobRegistry = m.contract("JobRegistry", [
    stakeManager,
    datasetRegistry,
    m.getParameter("maxChallengeWindow", TIMING_DEFAULTS.maxChallengeWindow),
    deployer,
  ]);
  const roundJobRegistry = m.contract("RoundJobRegistry", [
    stakeManager,
    datasetRegistry,
    m.getParameter("maxChallengeWindow", TIMING_DEFAULTS.maxChallengeWindow),
    m.getParameter("aggregatorStake", 200n * 10n ** 18n),
    m.getParameter("maxRounds", 1_000n),
    vrfCoordinator,
    governance,
    vrf,
    m.getParameter("seedTimeout", TIMING_DEFAULTS.seedTimeout),
    deployer,
  ]);
  // One Disputes for both registries: ValidatorCommittee keys committees by dispute id. Its constructor deploys the
  // BisectionGame whose referee it is and has the RefereeDeployer deploy the AggregateReferee it takes refutations
  // from (for it, the caller), so no account wires them.
  const trainingVm = m.contract("TrainingVm");
  const refereeDeployer = m.contract("RefereeDeployer");
  const disputes = m.contract("Disputes", [
    jobRegistry,
    roundJobRegistry,
    committee,
    m.getParameter("challengeBond", 100n * 10n ** 18n),
    m.getParameter("verdictPeriod", TIMING_DEFAULTS.verdictPeriod),
    trainingVm,
    m.getParameter("clockBudget", TIMING_DEFAULTS.clockBudget),
    m.getParameter("forcePeriod", TIMING_DEFAULTS.forcePeriod),
    refereeDeployer,
  ]);
  const bisectionGame = m.contractAt("BisectionGame", m.staticCall(disputes, "game", []));
  const aggregateReferee = m.contractAt("AggregateReferee", m.staticCall(disputes, "referee", []));
  // No role, no value: slots of RoundJobRegistry's jobs post their secure-aggregation digests here.
  const secureAggregationLedger = m.contract("SecureAggregationLedger", [roundJobRegistry]);

  const moduleRole = m.staticCall(stakeManager, "MODULE_ROLE", []);
  const adminRole = m.staticCall(stakeManager, "DEFAULT_ADMIN_ROLE", []);
  const grants = [
    m.call(stakeManager, "grantRole", [moduleRole, jobRegistry], { id: "grantModuleRoleToJobRegistry" }),
    m.call(stakeManager, "grantRole", [moduleRole, roundJobRegistry], { id: "grantModuleRoleToRoundJobRegistry" }),
    m.call(stakeManager, "grantRole", [moduleRole, committee], { id: "grantModuleRoleToCommittee" }),
    m.call(stakeManager, "grantRole", [moduleRole, datasetRegistry], { id: "grantModuleRoleToDatasetRegistry" }),
    m.call(jobRegistry, "grantRole", [m.staticCall(jobRegistry, "DISPUTES_ROLE", []), disputes], {
      id: "grantDisputesRole",
    }),
    m.call(roundJobRegistry, "grantRole", [m.staticCall(roundJobRegistry, "DISPUTES_ROLE", []), disputes], {
      id: "grantRoundDisputesRole",
    }),
    m.call(committee, "grantRole", [m.staticCall(committee, "REQUESTER_ROLE", []), disputes], {
      id: "grantRequesterRole",
    }),
    m.call(datasetRegistry, "grantRole", [m.staticCall(datasetRegistry, "FAULT_REPORTER_ROLE", []), storageProofs], {
      id: "grantFaultReporterRole",
    }),
    m.call(datasetRegistry, "setAcceptanceListener", [storageProofs]),
    verifierAdminToGovernance,
  ];
  for (const [name, contract] of [
    ["StakeManager", stakeManager],
    ["JobRegistry", jobRegistry],
    ["RoundJobRegistry", roundJobRegistry],
    ["ValidatorCommittee", committee],
    ["DatasetRegistry", datasetRegistry],
    ["StorageProofs", storageProofs],
  ] as const) {
    m.call(contract, "renounceRole", [adminRole, deployer], { id: `renounceAdmin${name}`, after: grants });
  }
  return { governance, stakeManager, jobRegistry, roundJobRegistry, secureAggregationLedger, committee, disputes, bisectionGame, aggregateReferee, trainingVm, datasetRegistry, storageProofs };
}
