import { network } from "hardhat";
import { getAddress, keccak256, maxUint256, numberToHex, parseEther, stringToHex, zeroHash, type Address, type Hex } from "viem";
import VeritrainLocal from "../../ignition/modules/VeritrainLocal.ts";

export const { viem, ignition, networkHelpers } = await network.getOrCreate();

/** Tokens each test account starts with. */
export const STARTING_BALANCE = parseEther("1000000");

/** An order as JobRegistry.post takes it. */
export type Order = {
  datasetId: bigint;
  specDigest: Hex;
  reward: bigint;
  minStake: bigint;
  biddingPeriod: number;
  executionPeriod: number;
  challengeWindow: number;
  program: Hex;
};

/** A valid order; tests override single fields. */
export const ORDER: Readonly<Order> = {
  datasetId: 1n,
  specDigest: keccak256(stringToHex("job spec: LeNet-5 on MNIST")),
  reward: parseEther("1000"),
  minStake: parseEther("500"),
  biddingPeriod: 3600,
  executionPeriod: 86_400,
  challengeWindow: 7200,
  program: zeroHash,
};

export const RESULT_DIGEST: Hex = keccak256(stringToHex("weights"));
export const TRACE_ROOT: Hex = keccak256(stringToHex("trace"));

/** r of BN254: roots and public inputs of storage proofs are below it. */
export const SNARK_SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** A test root (column or dataset) derived from `label`: keccak256 reduced below r, as registration requires. */
export function fieldRoot(label: string): Hex {
  return numberToHex(BigInt(keccak256(stringToHex(label))) % SNARK_SCALAR_FIELD, { size: 32 });
}

/** An order as RoundJobRegistry.post takes it. */
export type RoundOrder = {
  datasetId: bigint;
  specDigest: Hex;
  priceLimit: bigint;
  minStake: bigint;
  slots: number;
  rounds: number;
  biddingPeriod: number;
  roundPeriod: number;
  aggregationPeriod: number;
  challengeWindow: number;
  continueOnFault: boolean;
  aggregation: Hex;
};

/** A valid 4-slot, 2-round order; tests override single fields. Escrow 4 x 2 x 100 = 800. */
export const ROUND_ORDER: Readonly<RoundOrder> = {
  datasetId: 1n,
  specDigest: keccak256(stringToHex("distributed job spec: LeNet-5 on MNIST, 4 slots, 2 rounds")),
  priceLimit: parseEther("100"),
  minStake: parseEther("300"),
  slots: 4,
  rounds: 2,
  biddingPeriod: 3600,
  roundPeriod: 7200,
  aggregationPeriod: 1800,
  challengeWindow: 3600,
  continueOnFault: true,
  aggregation: zeroHash,
};

/** RoundJobStatus enum of IRoundJobRegistry. */
export const RoundJobStatus = {
  None: 0,
  Bidding: 1,
  Seeding: 2,
  Training: 3,
  Aggregating: 4,
  Aggregated: 5,
  Disputed: 6,
  Finalized: 7,
  Cancelled: 8,
  Failed: 9,
} as const;

/** Posts ROUND_ORDER (with `overrides`) as the consumer and returns the job id. */
export async function postRoundJob(p: Protocol, overrides: Partial<RoundOrder> = {}): Promise<bigint> {
  await p.roundJobRegistry.write.post([{ ...ROUND_ORDER, ...overrides }], { account: p.consumer.account });
  return p.roundJobRegistry.read.jobCount();
}

/** The five compute providers of distributed jobs: A, B and three storage-provider wallets no dataset uses. */
export function roundProviders(p: Protocol) {
  return [p.providerA, p.providerB, ...p.storageProviders.slice(9, 12)];
}

/** JobStatus enum of IJobRegistry. */
export const JobStatus = { None: 0, Bidding: 1, Assigned: 2, Submitted: 3, Disputed: 4, Finalized: 5, Cancelled: 6, Failed: 7 } as const;
/** DisputeStatus enum of IDisputes. */
export const DisputeStatus = { None: 0, Open: 1, ProviderWrong: 2, ChallengerWrong: 3, Expired: 4, NoCommittee: 5, InGame: 6 } as const;

/**
 * Deploys the protocol with the local Ignition module, gives every test account tokens and
 * approves the protocol contracts for them.
 */
export async function deployProtocol() {
  const contracts = await ignition.deploy(VeritrainLocal);
  const [deployer, consumer, providerA, providerB, challenger, outsider, ...rest] = await viem.getWalletClients();
  if (!deployer || !consumer || !providerA || !providerB || !challenger || !outsider || rest.length < 9) {
    throw new Error("the test network needs at least 15 accounts");
  }
  const validators = rest.slice(0, 9);
  // Storage providers are separate roles of the same kind of staked account: the validators' wallets and the rest.
  const storageProviders = rest;
  const { token, stakeManager, jobRegistry, roundJobRegistry, disputes, datasetRegistry } = contracts;
  for (const wallet of [consumer, providerA, providerB, challenger, outsider, ...rest]) {
    const account = wallet.account;
    await token.write.transfer([account.address, STARTING_BALANCE]);
    for (const spender of [stakeManager.address, jobRegistry.address, roundJobRegistry.address, disputes.address, datasetRegistry.address]) {
      await token.write.approve([spender, maxUint256], { account });
    }
  }
  return { ...contracts, deployer, consumer, providerA, providerB, challenger, outsider, validators, storageProviders };
}

export type Protocol = Awaited<ReturnType<typeof deployProtocol>>;

/** Posts ORDER (with `overrides`) as the consumer and returns the job id. */
export async function postJob(p: Protocol, overrides: Partial<Order> = {}): Promise<bigint> {
  await p.jobRegistry.write.post([{ ...ORDER, ...overrides }], { account: p.consumer.account });
  return p.jobRegistry.read.jobCount();
}

/** Stakes `amount` from `wallet`. */
export async function stake(p: Protocol, wallet: Protocol["consumer"], amount: bigint) {
  await p.stakeManager.write.stake([amount], { account: wallet.account });
}

/**
 * The protocol with dataset 1 active (a tiny 1+1 dataset on the last two storage providers),
 * which orders can name; its column roots are arbitrary field elements.
 */
export async function withDataset() {
  return withDatasetOfRoots([fieldRoot("column 0"), fieldRoot("column 1")]);
}

/**
 * {@link withDataset} with the given column roots (e.g. real Poseidon roots for real proofs),
 * bound to verifier version 1, or to the version `addVersion` registers and returns.
 */
export async function withDatasetOfRoots(columnRoots: readonly [Hex, Hex], addVersion?: (p: Protocol) => Promise<number>) {
  const p = await deployProtocol();
  const verifierVersion = addVersion === undefined ? 1 : await addVersion(p);
  const providerStake = await p.datasetRegistry.read.providerStake();
  for (const wallet of p.storageProviders.slice(-2)) {
    await stake(p, wallet, providerStake);
    await p.datasetRegistry.write.join([`/ip4/127.0.0.1/tcp/4001/p2p/${wallet.account.address}`], { account: wallet.account });
  }
  await p.datasetRegistry.write.register(
    [
      {
        manifestDigest: keccak256(stringToHex("manifest")),
        datasetRoot: fieldRoot("dataset root"),
        columnRoots: [...columnRoots],
        k: 1,
        n: 2,
        shardSize: 1024,
        stripeCount: 1,
        byteLength: 1000n,
        payment: parseEther("10"),
        term: 365 * 24 * 3600,
        verifierVersion,
      },
    ],
    { account: p.consumer.account },
  );
  const [requested] = await p.datasetRegistry.getEvents.PlacementRequested({ datasetId: 1n }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.datasetRegistry.address]);
  await p.datasetRegistry.write.applyPlacement([1n, 2n]);
  return p;
}

/** Dataset 1 active and providers A and B staked 2,000 each. */
export async function withStakedProviders() {
  const p = await withDataset();
  await stake(p, p.providerA, parseEther("2000"));
  await stake(p, p.providerB, parseEther("2000"));
  return p;
}

/** Job 1 (ORDER, with `overrides`) open for bids. */
export async function openJob(overrides: Partial<Order>) {
  const p = await withStakedProviders();
  return { ...p, jobId: await postJob(p, overrides) };
}

/** Job 1 (ORDER) open for bids. */
export const withOpenJob = () => openJob({});

/** Job 1 (ORDER, with `overrides`) assigned to providerA at 600. */
export async function assignedJob(overrides: Partial<Order>) {
  const p = await openJob(overrides);
  await p.jobRegistry.write.bid([p.jobId, parseEther("600")], { account: p.providerA.account });
  await networkHelpers.time.increase(ORDER.biddingPeriod);
  await p.jobRegistry.write.settleAuction([p.jobId]);
  return p;
}

/** Job 1 assigned to providerA at 600. */
export const withAssignedJob = () => assignedJob({});

/** Job 1 (ORDER, with `overrides`) with providerA's result submitted. */
export async function submittedJob(overrides: Partial<Order>) {
  const p = await assignedJob(overrides);
  await p.jobRegistry.write.submitResult([p.jobId, RESULT_DIGEST, TRACE_ROOT, 9912], { account: p.providerA.account });
  return p;
}

/** Job 1 with providerA's result submitted. */
export const withSubmittedJob = () => submittedJob({});

/** What each compute provider of distributed jobs (and the aggregator) stakes in {@link withRoundProviders}. */
export const ROUND_PROVIDER_STAKE = parseEther("1000");

/** Dataset 1 active; five compute providers and the aggregator (outsider) staked {@link ROUND_PROVIDER_STAKE} each. */
export async function withRoundProviders() {
  const p = await withDataset();
  for (const w of [...roundProviders(p), p.outsider]) await stake(p, w, ROUND_PROVIDER_STAKE);
  return { ...p, providers: roundProviders(p) };
}

/** Job 1 (ROUND_ORDER: 4 slots, 2 rounds, escrow 800) open for bids. */
export async function withOpenRoundJob() {
  const p = await withRoundProviders();
  return { ...p, jobId: await postRoundJob(p) };
}

export type RoundJob = Awaited<ReturnType<typeof withOpenRoundJob>>;

/** Bids that make slots 0..3 = providers 1 (40), 2 (40), 3 (50), 0 (60): prices per round. */
export const PRICES = [parseEther("60"), parseEther("40"), parseEther("40"), parseEther("50")] as const;

/** Each of the five providers but the last bids its {@link PRICES} entry on the job. */
export async function bidAll(p: RoundJob) {
  for (const [i, price] of PRICES.entries()) {
    await p.roundJobRegistry.write.bid([p.jobId, price], { account: p.providers[i]!.account });
  }
}

/** Settles distributed job `jobId`'s auction and answers its seed request with the mock's word: round 0 starts. */
export async function settleRoundJob(p: Protocol, jobId: bigint) {
  await p.roundJobRegistry.write.settleAuction([jobId]);
  const [requested] = await p.roundJobRegistry.getEvents.SeedRequested({ jobId }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.roundJobRegistry.address]);
}

/** Job 1 settled: slot s held by `slotWallets[s]` at `slotPrices[s]`, round 0 training. */
export async function withRunningRoundJob() {
  const p = await withOpenRoundJob();
  await bidAll(p);
  await networkHelpers.time.increase(ROUND_ORDER.biddingPeriod);
  await settleRoundJob(p, p.jobId);
  const order = [1, 2, 3, 0];
  return { ...p, slotWallets: order.map((i) => p.providers[i]!), slotPrices: order.map((i) => PRICES[i]!) };
}

export type RunningRoundJob = Awaited<ReturnType<typeof withRunningRoundJob>>;

/** Each slot of `slots` commits the update digest keccak256("update <round>/<slot>") for `round`. */
export async function commitRound(p: RunningRoundJob, round: number, slots: readonly number[]) {
  for (const s of slots) {
    await p.roundJobRegistry.write.commitUpdate([p.jobId, round, keccak256(stringToHex(`update ${round}/${s}`))], { account: p.slotWallets[s]!.account });
  }
}

/** The stake each validator of {@link joinValidators} joins the committee with. */
export const VALIDATOR_STAKE = parseEther("1000");

/** Nine validators staked and joined on `p`. */
export async function joinValidators<P extends Protocol>(p: P): Promise<P> {
  for (const v of p.validators) {
    await stake(p, v, VALIDATOR_STAKE);
    await p.committee.write.join({ account: v.account });
  }
  return p;
}

/** A fresh account (impersonated) that holds `VALIDATOR_STAKE`, stakes it and joins the committee. */
export async function joinFreshValidator(p: Protocol, label: string): Promise<Address> {
  const account = getAddress(keccak256(stringToHex(label)).slice(0, 42));
  await networkHelpers.impersonateAccount(account);
  await networkHelpers.setBalance(account, parseEther("1"));
  await p.token.write.transfer([account, VALIDATOR_STAKE]);
  await p.token.write.approve([p.stakeManager.address, maxUint256], { account });
  await p.stakeManager.write.stake([VALIDATOR_STAKE], { account });
  await p.committee.write.join({ account });
  return account;
}

/** The next dispute, by the challenger on `slot` of round 0, its committee drawn; returns its id. */
export async function challengeWithCommittee(p: RunningRoundJob, slot: number) {
  await p.disputes.write.challengeRound([p.jobId, 0, slot, keccak256(stringToHex("claimed"))], { account: p.challenger.account });
  const disputeId = await p.disputes.read.disputeCount();
  const [requested] = await p.committee.getEvents.CommitteeRequested({ disputeId }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.committee.address]);
  return disputeId;
}

/** Settles dispute `disputeId` with five committee signatures of `accusedWrong`. */
export async function settleRoundDispute(p: RunningRoundJob, disputeId: bigint, accusedWrong: boolean) {
  const members = await p.committee.read.committeeOf([disputeId]);
  const byAddress = new Map(p.validators.map((v) => [v.account.address.toLowerCase(), v]));
  const chainId = await (await viem.getPublicClient()).getChainId();
  const signatures = await Promise.all(
    [0, 1, 2, 3, 4].map((i) =>
      byAddress.get(members[i]!.toLowerCase())!.signTypedData({
        domain: { name: "veritrain Disputes", version: "1", chainId, verifyingContract: p.disputes.address },
        types: { Verdict: [{ name: "disputeId", type: "uint256" }, { name: "providerWrong", type: "bool" }] },
        primaryType: "Verdict",
        message: { disputeId, providerWrong: accusedWrong },
      }),
    ),
  );
  return p.disputes.write.settle([disputeId, accusedWrong, 0b11111n, signatures], { account: p.outsider.account });
}
