import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeFunctionData, getAddress, keccak256, parseEther, stringToHex, zeroAddress, zeroHash, type Address, type Hex } from "viem";
import { PERMIT_TYPES } from "../../keepers/src/chain/permitTypedData.ts";
import {
  bidAll,
  challengeWithCommittee,
  commitRound as commit,
  DisputeStatus,
  joinValidators,
  networkHelpers,
  postRoundJob,
  PRICES,
  ROUND_ORDER,
  ROUND_PROVIDER_STAKE as PROVIDER_STAKE,
  RoundJobStatus,
  settleRoundDispute as settle,
  settleRoundJob,
  viem,
  withDataset,
  withOpenRoundJob,
  withRoundProviders,
  withRunningRoundJob,
  type Protocol,
  type RoundJob as Job,
  type RunningRoundJob as Running,
} from "./fixture.ts";

type Wallet = Protocol["consumer"];

const AGGREGATOR_STAKE = parseEther("200");
const BOND = parseEther("100");
const ESCROW = 4n * 2n * ROUND_ORDER.priceLimit;
const AGGREGATE = 255;
/** Upkeep actions of IRoundJobRegistry. */
const Action = { None: 0, SettleAuction: 1, ExpireSeed: 2, CloseRound: 3, ExpireRound: 4, Advance: 5 } as const;
/** DropReason of IRoundJobRegistry. */
const Drop = { MissedDeadline: 0, FoundWrong: 1 } as const;

const digest = (label: string): Hex => keccak256(stringToHex(label));
const addressOf = (w: Wallet): Address => getAddress(w.account.address);
const now = async () => BigInt(await networkHelpers.time.latest());

async function balance(p: Protocol, address: Address) {
  return p.token.read.balanceOf([address]);
}

async function aggregate(p: Running, round: number) {
  return p.roundJobRegistry.write.postAggregate([p.jobId, round, digest(`global ${round}`)], { account: p.outsider.account });
}

/** Round 0 of job 1 committed by every slot and aggregated by the outsider. */
async function withAggregatedRound() {
  const p = await withRunningRoundJob();
  await commit(p, 0, [0, 1, 2, 3]);
  await aggregate(p, 0);
  return p;
}

/** {@link withAggregatedRound} with nine validators. */
async function withValidators() {
  return joinValidators(await withAggregatedRound());
}

/** Like {@link withValidatorsAggregating}, for an order that does not continue on fault. */
async function withStoppingJobAggregating() {
  const p = await joinValidators(await withRoundProviders());
  const jobId = await postRoundJob(p, { continueOnFault: false });
  const q = { ...p, jobId, slotWallets: [1, 2, 3, 0].map((i) => p.providers[i]!), slotPrices: [1, 2, 3, 0].map((i) => PRICES[i]!) };
  await bidAll(q);
  await networkHelpers.time.increase(ROUND_ORDER.biddingPeriod);
  await settleRoundJob(p, jobId);
  await commit(q, 0, [0, 1, 2, 3]);
  return q;
}

/** Round 0 committed by every slot, awaiting its aggregate (Aggregating), with nine validators. */
async function withValidatorsAggregating() {
  const p = await withRunningRoundJob();
  await commit(p, 0, [0, 1, 2, 3]);
  return joinValidators(p);
}

async function statusOf(p: Job) {
  return (await p.roundJobRegistry.read.getRoundJob([p.jobId])).status;
}

async function lockedOf(p: Protocol, w: Wallet | Address) {
  return (await p.stakeManager.read.stakeOf([typeof w === "string" ? w : addressOf(w)])).locked;
}

describe("RoundJobRegistry", () => {
  describe("constructor", () => {
    it("rejects each invalid parameter by name", async () => {
      const p = await networkHelpers.loadFixture(withDataset);
      const [admin, stakes, datasets] = [p.deployer.account.address, p.stakeManager.address, p.datasetRegistry.address];
      const randomness = [p.vrfCoordinator.address, p.governance.address, { keyHash: zeroHash, subscriptionId: 1n, callbackGasLimit: 100_000, requestConfirmations: 1 }] as const;
      for (const [name, args] of [
        ["stakeManager", [zeroAddress, datasets, 1, 1n, 1, ...randomness, 1, admin]],
        ["datasetRegistry", [stakes, zeroAddress, 1, 1n, 1, ...randomness, 1, admin]],
        ["maxChallengeWindow", [stakes, datasets, 0, 1n, 1, ...randomness, 1, admin]],
        ["aggregatorStake", [stakes, datasets, 1, 0n, 1, ...randomness, 1, admin]],
        ["maxRounds", [stakes, datasets, 1, 1n, 0, ...randomness, 1, admin]],
        ["seedTimeout", [stakes, datasets, 1, 1n, 1, ...randomness, 0, admin]],
        ["admin", [stakes, datasets, 1, 1n, 1, ...randomness, 1, zeroAddress]],
      ] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          viem.deployContract("RoundJobRegistry", args),
          p.roundJobRegistry,
          "RoundJobRegistryInvalidParameter",
          [name],
        );
      }
    });
  });

  describe("post", () => {
    it("escrows slots x rounds x priceLimit and opens bidding", async () => {
      const p = await networkHelpers.loadFixture(withRoundProviders);
      const before = await balance(p, addressOf(p.consumer));
      await viem.assertions.emitWithArgs(
        p.roundJobRegistry.write.post([ROUND_ORDER], { account: p.consumer.account }),
        p.roundJobRegistry,
        "RoundJobPosted",
        [1n, addressOf(p.consumer), ROUND_ORDER, ESCROW, (await now()) + 1n + BigInt(ROUND_ORDER.biddingPeriod)],
      );
      assert.equal(await balance(p, addressOf(p.consumer)), before - ESCROW);
      assert.equal(await balance(p, p.roundJobRegistry.address), ESCROW);
      assert.equal(await p.roundJobRegistry.read.escrowOf([1n]), ESCROW);
      const job = await p.roundJobRegistry.read.getRoundJob([1n]);
      assert.deepEqual([job.status, job.slots, job.rounds, job.specDigest], [RoundJobStatus.Bidding, 4, 2, ROUND_ORDER.specDigest]);
    });

    it("rejects each invalid order field by name, and an inactive dataset", async () => {
      const p = await networkHelpers.loadFixture(withRoundProviders);
      for (const [field, bad] of [
        ["priceLimit", { priceLimit: 0n }],
        ["minStake", { minStake: 0n }],
        ["specDigest", { specDigest: zeroHash }],
        ["slots", { slots: 0 }],
        ["slots", { slots: 17 }],
        ["rounds", { rounds: 0 }],
        ["rounds", { rounds: 1001 }],
        ["biddingPeriod", { biddingPeriod: 0 }],
        ["roundPeriod", { roundPeriod: 0 }],
        ["aggregationPeriod", { aggregationPeriod: 0 }],
        ["challengeWindow", { challengeWindow: 0 }],
        ["challengeWindow", { challengeWindow: 7 * 24 * 3600 + 1 }],
      ] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          p.roundJobRegistry.write.post([{ ...ROUND_ORDER, ...bad }], { account: p.consumer.account }),
          p.roundJobRegistry,
          "RoundJobRegistryInvalidOrder",
          [field],
        );
      }
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.roundJobRegistry.write.post([{ ...ROUND_ORDER, datasetId: 9n }], { account: p.consumer.account }),
        p.roundJobRegistry,
        "RoundJobRegistryDatasetNotActive",
        [9n],
      );
      assert.equal(await p.roundJobRegistry.read.jobCount(), 0n);
    });
  });

  describe("postWithPermit", () => {
    it("posts with a permit for the escrow instead of an approval, and tolerates a front-run permit", async () => {
      const p = await networkHelpers.loadFixture(withRoundProviders);
      const owner = addressOf(p.deployer);
      const deadline = (await now()) + 3600n;
      const sign = async () => {
        const signature = await p.deployer.signTypedData({
          domain: { name: "Veritrain Test Token", version: "1", chainId: await (await viem.getPublicClient()).getChainId(), verifyingContract: p.token.address },
          types: PERMIT_TYPES,
          primaryType: "Permit",
          message: { owner, spender: p.roundJobRegistry.address, value: ESCROW, nonce: await p.token.read.nonces([owner]), deadline },
        });
        return { r: `0x${signature.slice(2, 66)}` as Hex, s: `0x${signature.slice(66, 130)}` as Hex, v: Number.parseInt(signature.slice(130, 132), 16) };
      };
      const first = await sign();
      await p.roundJobRegistry.write.postWithPermit([ROUND_ORDER, deadline, first.v, first.r, first.s]);
      assert.equal(getAddress((await p.roundJobRegistry.read.getRoundJob([1n])).consumer), owner);
      const second = await sign();
      await p.token.write.permit([owner, p.roundJobRegistry.address, ESCROW, deadline, second.v, second.r, second.s], { account: p.outsider.account });
      await p.roundJobRegistry.write.postWithPermit([ROUND_ORDER, deadline, second.v, second.r, second.s]);
      assert.equal(await balance(p, p.roundJobRegistry.address), 2n * ESCROW);
    });
  });

  describe("auction", () => {
    it("holds the P lowest bids, evicting the highest (stake unlocked) for a strictly lower one", async () => {
      const p = await networkHelpers.loadFixture(withOpenRoundJob);
      const [a, b, c, d, e] = p.providers as [Wallet, Wallet, Wallet, Wallet, Wallet];
      await bidAll(p);
      assert.equal(await lockedOf(p, a), ROUND_ORDER.minStake);
      // Full: a bid must beat the highest (a at 60).
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.roundJobRegistry.write.bid([p.jobId, parseEther("60")], { account: e.account }),
        p.roundJobRegistry,
        "RoundJobRegistryBidTooHigh",
        [p.jobId, parseEther("60"), parseEther("60") - 1n],
      );
      const tx = p.roundJobRegistry.write.bid([p.jobId, parseEther("45")], { account: e.account });
      await viem.assertions.emitWithArgs(tx, p.roundJobRegistry, "RoundBidEvicted", [p.jobId, addressOf(a), parseEther("60")]);
      assert.equal(await lockedOf(p, a), 0n);
      assert.equal(await lockedOf(p, e), ROUND_ORDER.minStake);
      const book = await p.roundJobRegistry.read.slotsOf([p.jobId]);
      assert.deepEqual(
        book.map((s) => [s.provider, s.price, s.active]),
        [[addressOf(b), parseEther("40"), false], [addressOf(c), parseEther("40"), false], [addressOf(e), parseEther("45"), false], [addressOf(d), parseEther("50"), false]],
      );
      // The evicted provider may bid again, lower.
      await p.roundJobRegistry.write.bid([p.jobId, parseEther("41")], { account: a.account });
      assert.equal(await lockedOf(p, d), 0n);
    });

    it("gives ties to the earlier bid: in slot order, and the later of equal highest bids is evicted", async () => {
      const p = await networkHelpers.loadFixture(withOpenRoundJob);
      const [a, b, c, d, e] = p.providers as [Wallet, Wallet, Wallet, Wallet, Wallet];
      const price = parseEther("50");
      for (const w of [a, b, c, d]) await p.roundJobRegistry.write.bid([p.jobId, price], { account: w.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.roundJobRegistry.write.bid([p.jobId, price], { account: e.account }),
        p.roundJobRegistry,
        "RoundJobRegistryBidTooHigh",
        [p.jobId, price, price - 1n],
      );
      await viem.assertions.emitWithArgs(
        p.roundJobRegistry.write.bid([p.jobId, price - 1n], { account: e.account }),
        p.roundJobRegistry,
        "RoundBidEvicted",
        [p.jobId, addressOf(d), price],
      );
      await networkHelpers.time.increase(ROUND_ORDER.biddingPeriod);
      await p.roundJobRegistry.write.settleAuction([p.jobId]);
      const slots = await p.roundJobRegistry.read.slotsOf([p.jobId]);
      assert.deepEqual(slots.map((s) => s.provider), [e, a, b, c].map(addressOf));
      assert.ok(slots.every((s) => s.active && s.roundsEarned === 0));
    });

    it("rejects a zero bid, a bid above the limit, a second bid, a late bid, a bid on an unknown job", async () => {
      const p = await networkHelpers.loadFixture(withOpenRoundJob);
      const as = { account: p.providerA.account };
      const reg = p.roundJobRegistry;
      await viem.assertions.revertWithCustomErrorWithArgs(reg.write.bid([p.jobId, 0n], as), reg, "RoundJobRegistryZeroBid", [p.jobId]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        reg.write.bid([p.jobId, ROUND_ORDER.priceLimit + 1n], as),
        reg,
        "RoundJobRegistryBidTooHigh",
        [p.jobId, ROUND_ORDER.priceLimit + 1n, ROUND_ORDER.priceLimit],
      );
      await reg.write.bid([p.jobId, ROUND_ORDER.priceLimit], as);
      await viem.assertions.revertWithCustomErrorWithArgs(
        reg.write.bid([p.jobId, 1n], as),
        reg,
        "RoundJobRegistryAlreadyBidding",
        [p.jobId, addressOf(p.providerA)],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(reg.write.bid([9n, 1n], as), reg, "RoundJobRegistryUnknownJob", [9n]);
      const { deadline } = await reg.read.getRoundJob([p.jobId]);
      await networkHelpers.time.increaseTo(deadline);
      await viem.assertions.revertWithCustomErrorWithArgs(
        reg.write.bid([p.jobId, 1n], { account: p.providerB.account }),
        reg,
        "RoundJobRegistryDeadlinePassed",
        [p.jobId, BigInt(deadline)],
      );
    });

    it("lets only the consumer cancel, before settlement: escrow refunded, held bids unlocked", async () => {
      const p = await networkHelpers.loadFixture(withOpenRoundJob);
      await bidAll(p);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.roundJobRegistry.write.cancel([p.jobId], { account: p.outsider.account }),
        p.roundJobRegistry,
        "RoundJobRegistryUnauthorized",
        [p.jobId, addressOf(p.outsider), addressOf(p.consumer)],
      );
      const before = await balance(p, addressOf(p.consumer));
      await viem.assertions.emitWithArgs(
        p.roundJobRegistry.write.cancel([p.jobId], { account: p.consumer.account }),
        p.roundJobRegistry,
        "RoundJobCancelled",
        [p.jobId, ESCROW],
      );
      assert.equal(await balance(p, addressOf(p.consumer)), before + ESCROW);
      for (const w of p.providers.slice(0, 4)) assert.equal(await lockedOf(p, w), 0n);
      assert.equal(await statusOf(p), RoundJobStatus.Cancelled);
      assert.equal(await p.roundJobRegistry.read.escrowOf([p.jobId]), 0n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.roundJobRegistry.write.cancel([p.jobId], { account: p.consumer.account }),
        p.roundJobRegistry,
        "RoundJobRegistryWrongStatus",
        [p.jobId, RoundJobStatus.Cancelled, RoundJobStatus.Bidding],
      );
    });

    it("settles only after the deadline; with fewer than P bids the job fails, refunded and unlocked", async () => {
      const p = await networkHelpers.loadFixture(withOpenRoundJob);
      await p.roundJobRegistry.write.bid([p.jobId, parseEther("10")], { account: p.providerA.account });
      const { deadline } = await p.roundJobRegistry.read.getRoundJob([p.jobId]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.roundJobRegistry.write.settleAuction([p.jobId]),
        p.roundJobRegistry,
        "RoundJobRegistryDeadlineNotReached",
        [p.jobId, BigInt(deadline)],
      );
      await networkHelpers.time.increaseTo(deadline);
      const before = await balance(p, addressOf(p.consumer));
      await viem.assertions.emitWithArgs(
        p.roundJobRegistry.write.settleAuction([p.jobId], { account: p.outsider.account }),
        p.roundJobRegistry,
        "RoundJobFailed",
        [p.jobId, 0n, ESCROW],
      );
      assert.equal(await balance(p, addressOf(p.consumer)), before + ESCROW);
      assert.equal(await lockedOf(p, p.providerA), 0n);
      assert.equal(await balance(p, p.roundJobRegistry.address), 0n);
    });
  });

  describe("seed", () => {
    /** Job 1 with every bid in, its bidding deadline reached. */
    async function withClosedAuction() {
      const p = await withOpenRoundJob();
      await bidAll(p);
      await networkHelpers.time.increase(ROUND_ORDER.biddingPeriod);
      return p;
    }

    /** The VRF request job `jobId`'s settlement made. */
    async function seedRequestOf(p: Protocol, jobId: bigint) {
      const [requested] = await p.roundJobRegistry.getEvents.SeedRequested({ jobId }, { fromBlock: 0n });
      return requested!.args.requestId!;
    }

    it("requests the seed at settlement and starts round 0 only with it, from the coordinator only", async () => {
      const p = await networkHelpers.loadFixture(withClosedAuction);
      const reg = p.roundJobRegistry;
      const settledAt = (await now()) + 1n;
      await networkHelpers.time.setNextBlockTimestamp(settledAt);
      const publicClient = await viem.getPublicClient();
      const settlement = await publicClient.waitForTransactionReceipt({ hash: await reg.write.settleAuction([p.jobId]) });
      const requestId = await seedRequestOf(p, p.jobId);
      // The callback is small and flat (no loop): far below any coordinator's callback gas limit.
      const callbackGas = await publicClient.estimateGas({
        account: p.vrfCoordinator.address,
        to: reg.address,
        data: encodeFunctionData({ abi: reg.abi, functionName: "rawFulfillRandomWords", args: [requestId, [7n]] }),
      });
      assert.ok(settlement.gasUsed < 350_000n && callbackGas < 100_000n, `settlement ${settlement.gasUsed} gas, seed callback ${callbackGas} gas`);
      const [requested] = await reg.getEvents.SeedRequested({ jobId: p.jobId }, { fromBlock: 0n });
      const seedTimeout = await reg.read.seedTimeout();
      assert.equal(requested!.args.seedDeadline, settledAt + BigInt(seedTimeout));
      const job = await reg.read.getRoundJob([p.jobId]);
      assert.deepEqual([job.status, job.deadline, job.activeMask, await reg.read.seedOf([p.jobId])], [RoundJobStatus.Seeding, Number(settledAt) + seedTimeout, 0b1111, zeroHash]);
      assert.deepEqual(await reg.getEvents.RoundStarted({ jobId: p.jobId }, { fromBlock: 0n }), [], "no round before the seed");
      await viem.assertions.revertWithCustomErrorWithArgs(
        reg.write.commitUpdate([p.jobId, 0, digest("u")], { account: p.providers[1]!.account }),
        reg,
        "RoundJobRegistryWrongStatus",
        [p.jobId, RoundJobStatus.Seeding, RoundJobStatus.Training],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        reg.write.rawFulfillRandomWords([requestId, [7n]], { account: p.outsider.account }),
        reg,
        "VrfConsumerOnlyCoordinator",
        [addressOf(p.outsider), getAddress(p.vrfCoordinator.address)],
      );
      const answeredAt = (await now()) + 1n;
      await networkHelpers.time.setNextBlockTimestamp(answeredAt);
      await p.vrfCoordinator.write.fulfillRandomWords([requestId, reg.address]);
      const [seeded] = await reg.getEvents.JobSeeded({ jobId: p.jobId }, { fromBlock: 0n });
      const seed = seeded!.args.seed!;
      assert.notEqual(seed, zeroHash);
      assert.equal(await reg.read.seedOf([p.jobId]), seed);
      const [started] = await reg.getEvents.RoundStarted({ jobId: p.jobId }, { fromBlock: 0n });
      assert.deepEqual([started!.args.round, started!.args.trainingDeadline], [0n, answeredAt + BigInt(ROUND_ORDER.roundPeriod)]);
      assert.equal(await statusOf(p), RoundJobStatus.Training);
      // The coordinator answering the same request again (a second word) changes nothing.
      await networkHelpers.impersonateAccount(p.vrfCoordinator.address);
      await networkHelpers.setBalance(p.vrfCoordinator.address, parseEther("1"));
      await viem.assertions.revertWithCustomErrorWithArgs(
        reg.write.rawFulfillRandomWords([requestId, [7n]], { account: p.vrfCoordinator.address }),
        reg,
        "RoundJobRegistryUnknownSeedRequest",
        [requestId],
      );
      assert.equal(await reg.read.seedOf([p.jobId]), seed);
    });

    it("fails the job, all refunded and unlocked, when the seed does not come by its deadline; a late one is refused", async () => {
      const p = await networkHelpers.loadFixture(withClosedAuction);
      const reg = p.roundJobRegistry;
      await reg.write.settleAuction([p.jobId]);
      const requestId = await seedRequestOf(p, p.jobId);
      const { deadline } = await reg.read.getRoundJob([p.jobId]);
      await viem.assertions.revertWithCustomErrorWithArgs(reg.write.expireSeed([p.jobId]), reg, "RoundJobRegistryDeadlineNotReached", [p.jobId, BigInt(deadline)]);
      await networkHelpers.time.increaseTo(deadline);
      assert.equal(await reg.read.dueAction([p.jobId]), Action.ExpireSeed);
      await networkHelpers.impersonateAccount(p.vrfCoordinator.address);
      await networkHelpers.setBalance(p.vrfCoordinator.address, parseEther("1"));
      const late = () => reg.write.rawFulfillRandomWords([requestId, [7n]], { account: p.vrfCoordinator.address });
      await viem.assertions.revertWithCustomErrorWithArgs(late(), reg, "RoundJobRegistryDeadlinePassed", [p.jobId, BigInt(deadline)]);
      const before = await balance(p, addressOf(p.consumer));
      await viem.assertions.emitWithArgs(reg.write.expireSeed([p.jobId], { account: p.outsider.account }), reg, "RoundJobFailed", [p.jobId, 0n, ESCROW]);
      assert.equal(await balance(p, addressOf(p.consumer)), before + ESCROW);
      for (const w of p.providers.slice(0, 4)) assert.equal(await lockedOf(p, w), 0n);
      assert.deepEqual([await statusOf(p), await reg.read.seedOf([p.jobId]), await balance(p, reg.address)], [RoundJobStatus.Failed, zeroHash, 0n]);
      await viem.assertions.revertWithCustomErrorWithArgs(late(), reg, "RoundJobRegistryWrongStatus", [p.jobId, RoundJobStatus.Failed, RoundJobStatus.Seeding]);
      await viem.assertions.revertWithCustomErrorWithArgs(reg.write.expireSeed([p.jobId]), reg, "RoundJobRegistryWrongStatus", [p.jobId, RoundJobStatus.Failed, RoundJobStatus.Seeding]);
    });

    it("fails the job at settlement, all refunded and unlocked, when the coordinator refuses the request", async () => {
      const p = await networkHelpers.loadFixture(withClosedAuction);
      const reg = p.roundJobRegistry;
      const { subscriptionId } = await p.committee.read.config();
      await p.vrfCoordinator.write.removeConsumer([subscriptionId, reg.address]);
      const before = await balance(p, addressOf(p.consumer));
      await viem.assertions.emitWithArgs(reg.write.settleAuction([p.jobId]), reg, "RoundJobFailed", [p.jobId, 0n, ESCROW]);
      assert.deepEqual(await reg.getEvents.SeedRequested({ jobId: p.jobId }, { fromBlock: 0n }), []);
      assert.equal(await balance(p, addressOf(p.consumer)), before + ESCROW);
      for (const w of p.providers.slice(0, 4)) assert.equal(await lockedOf(p, w), 0n);
      assert.deepEqual([await statusOf(p), await balance(p, reg.address)], [RoundJobStatus.Failed, 0n]);
    });

    it("expires an unseeded job through performUpkeep", async () => {
      const p = await networkHelpers.loadFixture(withClosedAuction);
      const reg = p.roundJobRegistry;
      await reg.write.settleAuction([p.jobId]);
      assert.equal((await reg.read.checkUpkeep(["0x"]))[0], false, "nothing due while the seed may come");
      await networkHelpers.time.increaseTo((await reg.read.getRoundJob([p.jobId])).deadline);
      const [needed, performData] = await reg.read.checkUpkeep(["0x"]);
      assert.equal(needed, true);
      await viem.assertions.emitWithArgs(reg.write.performUpkeep([performData], { account: p.outsider.account }), reg, "RoundJobFailed", [p.jobId, 0n, ESCROW]);
      assert.equal(await balance(p, reg.address), 0n);
    });
  });

  describe("rounds", () => {
    it("runs a 4-slot, 2-round job to its payout, every balance to the wei", async () => {
      const p = await networkHelpers.loadFixture(withRunningRoundJob);
      const reg = p.roundJobRegistry;
      const parties = [p.consumer, p.outsider, ...p.slotWallets].map(addressOf);
      const before = await Promise.all(parties.map((a) => balance(p, a)));
      for (const round of [0, 1]) {
        assert.equal(await statusOf(p), RoundJobStatus.Training);
        await commit(p, round, [0, 1, 2]);
        const closedAt = (await now()) + 7n;
        await networkHelpers.time.setNextBlockTimestamp(closedAt);
        const last = reg.write.commitUpdate([p.jobId, round, digest(`update ${round}/3`)], { account: p.slotWallets[3]!.account });
        await viem.assertions.emitWithArgs(last, reg, "TrainingClosed", [p.jobId, BigInt(round), closedAt + BigInt(ROUND_ORDER.aggregationPeriod)]);
        assert.equal(await reg.read.commitmentOf([p.jobId, round, 3]), digest(`update ${round}/3`));
        const postedAt = (await now()) + 5n;
        await networkHelpers.time.setNextBlockTimestamp(postedAt);
        await viem.assertions.emitWithArgs(aggregate(p, round), reg, "AggregatePosted", [
          p.jobId,
          BigInt(round),
          addressOf(p.outsider),
          digest(`global ${round}`),
          0b1111,
          postedAt + BigInt(ROUND_ORDER.challengeWindow),
        ]);
        assert.equal(await lockedOf(p, p.outsider), AGGREGATOR_STAKE);
        assert.equal(await reg.read.aggregateOf([p.jobId, round]), digest(`global ${round}`));
        const { deadline } = await reg.read.getRoundJob([p.jobId]);
        await viem.assertions.revertWithCustomErrorWithArgs(reg.write.advance([p.jobId]), reg, "RoundJobRegistryDeadlineNotReached", [p.jobId, BigInt(deadline)]);
        await networkHelpers.time.increaseTo(deadline);
        await viem.assertions.emitWithArgs(reg.write.advance([p.jobId]), reg, "RoundCompleted", [p.jobId, BigInt(round), 0b1111]);
        assert.equal(await lockedOf(p, p.outsider), 0n);
      }
      const paid = 2n * p.slotPrices.reduce((a, b) => a + b, 0n);
      const [finalized] = await reg.getEvents.RoundJobFinalized({ jobId: p.jobId }, { fromBlock: 0n });
      assert.deepEqual([finalized!.args.paid, finalized!.args.refund], [paid, ESCROW - paid]);
      const after = await Promise.all(parties.map((a) => balance(p, a)));
      assert.equal(after[0], before[0]! + ESCROW - paid, "consumer refunded the rest");
      assert.equal(after[1], before[1], "the aggregator neither paid nor charged");
      for (const s of [0, 1, 2, 3]) assert.equal(after[s + 2], before[s + 2]! + 2n * p.slotPrices[s]!, `slot ${s} paid price x 2`);
      for (const w of p.slotWallets) assert.equal(await lockedOf(p, w), 0n);
      assert.equal(await balance(p, reg.address), 0n);
      assert.equal(await statusOf(p), RoundJobStatus.Finalized);
      assert.deepEqual((await reg.read.slotsOf([p.jobId])).map((s) => s.roundsEarned), [2, 2, 2, 2]);
      await viem.assertions.revertWithCustomErrorWithArgs(reg.write.advance([p.jobId]), reg, "RoundJobRegistryWrongStatus", [
        p.jobId,
        RoundJobStatus.Finalized,
        RoundJobStatus.Aggregated,
      ]);
    });

    it("rejects a commitment out of Training, of another round, zero, from no slot, twice, or late", async () => {
      const p = await networkHelpers.loadFixture(withOpenRoundJob);
      const reg = p.roundJobRegistry;
      await viem.assertions.revertWithCustomErrorWithArgs(
        reg.write.commitUpdate([p.jobId, 0, digest("u")], { account: p.providerA.account }),
        reg,
        "RoundJobRegistryWrongStatus",
        [p.jobId, RoundJobStatus.Bidding, RoundJobStatus.Training],
      );
      await bidAll(p);
      await networkHelpers.time.increase(ROUND_ORDER.biddingPeriod);
      await settleRoundJob(p, p.jobId);
      const as = { account: p.providerB.account };
      await viem.assertions.revertWithCustomErrorWithArgs(reg.write.commitUpdate([p.jobId, 1, digest("u")], as), reg, "RoundJobRegistryWrongRound", [p.jobId, 1n, 0n]);
      await viem.assertions.revertWithCustomErrorWithArgs(reg.write.commitUpdate([p.jobId, 0, zeroHash], as), reg, "RoundJobRegistryZeroDigest", [p.jobId]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        reg.write.commitUpdate([p.jobId, 0, digest("u")], { account: p.outsider.account }),
        reg,
        "RoundJobRegistryNotASlot",
        [p.jobId, addressOf(p.outsider)],
      );
      await reg.write.commitUpdate([p.jobId, 0, digest("u")], as);
      await viem.assertions.revertWithCustomErrorWithArgs(reg.write.commitUpdate([p.jobId, 0, digest("v")], as), reg, "RoundJobRegistryAlreadyCommitted", [p.jobId, 0n, 0n]);
      const { deadline } = await reg.read.getRoundJob([p.jobId]);
      await networkHelpers.time.increaseTo(deadline);
      await viem.assertions.revertWithCustomErrorWithArgs(
        reg.write.commitUpdate([p.jobId, 0, digest("u")], { account: p.providerA.account }),
        reg,
        "RoundJobRegistryDeadlinePassed",
        [p.jobId, BigInt(deadline)],
      );
    });

    it("rejects an aggregate while training is open, of another round, zero, or after the aggregation deadline", async () => {
      const p = await networkHelpers.loadFixture(withRunningRoundJob);
      const reg = p.roundJobRegistry;
      const as = { account: p.outsider.account };
      await commit(p, 0, [0, 1, 2]);
      const { deadline } = await reg.read.getRoundJob([p.jobId]);
      await viem.assertions.revertWithCustomErrorWithArgs(reg.write.postAggregate([p.jobId, 0, digest("g")], as), reg, "RoundJobRegistryDeadlineNotReached", [p.jobId, BigInt(deadline)]);
      await commit(p, 0, [3]);
      await viem.assertions.revertWithCustomErrorWithArgs(reg.write.postAggregate([p.jobId, 1, digest("g")], as), reg, "RoundJobRegistryWrongRound", [p.jobId, 1n, 0n]);
      await viem.assertions.revertWithCustomErrorWithArgs(reg.write.postAggregate([p.jobId, 0, zeroHash], as), reg, "RoundJobRegistryZeroDigest", [p.jobId]);
      const closed = await reg.read.getRoundJob([p.jobId]);
      assert.equal(closed.status, RoundJobStatus.Aggregating);
      await networkHelpers.time.increaseTo(closed.deadline);
      await viem.assertions.revertWithCustomErrorWithArgs(reg.write.postAggregate([p.jobId, 0, digest("g")], as), reg, "RoundJobRegistryDeadlinePassed", [p.jobId, BigInt(closed.deadline)]);
    });

    it("slashes (consumer beneficiary) and drops a slot that missed the deadline; it is paid only the rounds it earned", async () => {
      const p = await networkHelpers.loadFixture(withAggregatedRound);
      const reg = p.roundJobRegistry;
      await networkHelpers.time.increaseTo((await reg.read.getRoundJob([p.jobId])).deadline);
      await reg.write.advance([p.jobId]);
      await commit(p, 1, [0, 1, 3]);
      // A late commitment races the aggregate: refused from the deadline on.
      const { deadline } = await reg.read.getRoundJob([p.jobId]);
      await networkHelpers.time.increaseTo(deadline);
      await viem.assertions.revertWithCustomErrorWithArgs(
        reg.write.commitUpdate([p.jobId, 1, digest("late")], { account: p.slotWallets[2]!.account }),
        reg,
        "RoundJobRegistryDeadlinePassed",
        [p.jobId, BigInt(deadline)],
      );
      const consumer0 = await balance(p, addressOf(p.consumer));
      const tx = aggregate(p, 1);
      await viem.assertions.emitWithArgs(tx, reg, "SlotDropped", [p.jobId, 1n, 2n, addressOf(p.slotWallets[2]!), Drop.MissedDeadline, ROUND_ORDER.minStake]);
      const [posted] = await reg.getEvents.AggregatePosted({ jobId: p.jobId, round: 1n }, { fromBlock: 0n });
      assert.equal(posted!.args.includedSlots, 0b1011);
      assert.equal(await balance(p, addressOf(p.consumer)), consumer0 + ROUND_ORDER.minStake / 2n, "consumer gets the beneficiary share");
      assert.equal(await lockedOf(p, p.slotWallets[2]!), 0n);
      await networkHelpers.time.increaseTo((await reg.read.getRoundJob([p.jobId])).deadline);
      const before = await Promise.all(p.slotWallets.map((w) => balance(p, addressOf(w))));
      const consumer1 = await balance(p, addressOf(p.consumer));
      await reg.write.advance([p.jobId]);
      const earned = [2n, 2n, 1n, 2n];
      for (const s of [0, 1, 2, 3]) assert.equal(await balance(p, addressOf(p.slotWallets[s]!)), before[s]! + earned[s]! * p.slotPrices[s]!);
      const paid = [0, 1, 2, 3].reduce((sum, s) => sum + earned[s]! * p.slotPrices[s]!, 0n);
      assert.equal(await balance(p, addressOf(p.consumer)), consumer1 + ESCROW - paid);
      assert.deepEqual((await reg.read.slotsOf([p.jobId])).map((s) => [s.roundsEarned, s.active]), [[2, true], [2, true], [1, false], [2, true]]);
      assert.equal(await balance(p, reg.address), 0n);
    });

    it("fails the job when a slot misses the deadline and the order does not continue on fault", async () => {
      const p = await networkHelpers.loadFixture(withRoundProviders);
      const jobId = await postRoundJob(p, { continueOnFault: false });
      const q = { ...p, jobId };
      await bidAll(q);
      await networkHelpers.time.increase(ROUND_ORDER.biddingPeriod);
      await settleRoundJob(p, jobId);
      // slot order: providers 1, 2, 3, 0
      for (const i of [1, 2, 3]) await p.roundJobRegistry.write.commitUpdate([jobId, 0, digest(`u${i}`)], { account: p.providers[i]!.account });
      await networkHelpers.time.increaseTo((await p.roundJobRegistry.read.getRoundJob([jobId])).deadline);
      const consumer0 = await balance(p, addressOf(p.consumer));
      await viem.assertions.emitWithArgs(p.roundJobRegistry.write.closeRound([jobId]), p.roundJobRegistry, "RoundJobFailed", [jobId, 0n, ESCROW]);
      assert.equal(await balance(p, addressOf(p.consumer)), consumer0 + ESCROW + ROUND_ORDER.minStake / 2n);
      for (const w of p.providers.slice(0, 4)) assert.equal(await lockedOf(p, w), 0n);
      assert.equal((await p.stakeManager.read.stakeOf([addressOf(p.providers[0]!)])).available, PROVIDER_STAKE - ROUND_ORDER.minStake);
      assert.equal(await balance(p, p.roundJobRegistry.address), 0n);
    });

    it("fails a round nobody aggregated (expireRound): earned rounds paid, the rest refunded", async () => {
      const p = await networkHelpers.loadFixture(withAggregatedRound);
      const reg = p.roundJobRegistry;
      await networkHelpers.time.increaseTo((await reg.read.getRoundJob([p.jobId])).deadline);
      await reg.write.advance([p.jobId]);
      await commit(p, 1, [0, 1, 2, 3]);
      const { deadline } = await reg.read.getRoundJob([p.jobId]);
      await viem.assertions.revertWithCustomErrorWithArgs(reg.write.expireRound([p.jobId]), reg, "RoundJobRegistryDeadlineNotReached", [p.jobId, BigInt(deadline)]);
      await networkHelpers.time.increaseTo(deadline);
      assert.equal(await reg.read.dueAction([p.jobId]), Action.ExpireRound);
      const paid = p.slotPrices.reduce((a, b) => a + b, 0n);
      await viem.assertions.emitWithArgs(reg.write.expireRound([p.jobId]), reg, "RoundJobFailed", [p.jobId, paid, ESCROW - paid]);
      for (const w of p.slotWallets) assert.equal(await lockedOf(p, w), 0n);
      assert.equal(await balance(p, reg.address), 0n);
    });

    it("fails the job when no slot commits (nothing left to aggregate), though it continues on fault", async () => {
      const p = await networkHelpers.loadFixture(withRunningRoundJob);
      await networkHelpers.time.increaseTo((await p.roundJobRegistry.read.getRoundJob([p.jobId])).deadline);
      const tx = aggregate(p, 0);
      await viem.assertions.emitWithArgs(tx, p.roundJobRegistry, "RoundJobFailed", [p.jobId, 0n, ESCROW]);
      assert.equal(await lockedOf(p, p.outsider), 0n, "no aggregate posted, nothing locked");
      assert.equal(await p.roundJobRegistry.read.aggregateOf([p.jobId, 0]), zeroHash);
    });
  });

  describe("disputes", () => {
    it("lets only Disputes open and resolve round disputes", async () => {
      const p = await networkHelpers.loadFixture(withAggregatedRound);
      const role = keccak256(stringToHex("DISPUTES_ROLE"));
      for (const call of [
        p.roundJobRegistry.write.openRoundDispute([p.jobId, 0, 0], { account: p.outsider.account }),
        p.roundJobRegistry.write.resolveRoundDispute([p.jobId, 1, addressOf(p.outsider), 1], { account: p.outsider.account }),
      ]) {
        await viem.assertions.revertWithCustomErrorWithArgs(call, p.roundJobRegistry, "AccessControlUnauthorizedAccount", [addressOf(p.outsider), role]);
      }
    });

    it("rejects a round challenge out of the window, of another round, of a dropped or unknown slot, a second one, a zero hash", async () => {
      const p = await networkHelpers.loadFixture(withValidators);
      const reg = p.roundJobRegistry;
      const as = { account: p.challenger.account };
      await viem.assertions.revertWithCustomError(p.disputes.write.challengeRound([p.jobId, 0, 0, zeroHash], as), p.disputes, "DisputesZeroClaimedHash");
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.challengeRound([p.jobId, 1, 0, digest("c")], as), reg, "RoundJobRegistryWrongRound", [p.jobId, 1n, 0n]);
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.challengeRound([p.jobId, 0, 4, digest("c")], as), reg, "RoundJobRegistryInactiveSlot", [p.jobId, 4n]);
      await p.disputes.write.challengeRound([p.jobId, 0, 1, digest("c")], as);
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.challengeRound([p.jobId, 0, AGGREGATE, digest("c")], as), reg, "RoundJobRegistryWrongStatus", [
        p.jobId,
        RoundJobStatus.Disputed,
        RoundJobStatus.Aggregated,
      ]);
      const dispute = await p.disputes.read.getDispute([1n]);
      assert.deepEqual([dispute.provider, dispute.checkpointIndex, dispute.registry, dispute.jobId], [addressOf(p.slotWallets[1]!), 1n, 1, p.jobId]);
    });

    it("opens on a slot with RoundDisputeOpened; slot found wrong: slashed to the challenger, dropped, aggregate void, posted again without it", async () => {
      const p = await networkHelpers.loadFixture(withValidators);
      const reg = p.roundJobRegistry;
      const challenger0 = await balance(p, addressOf(p.challenger));
      const openedAt = (await now()) + 3n;
      await networkHelpers.time.setNextBlockTimestamp(openedAt);
      const open = p.disputes.write.challengeRound([p.jobId, 0, 2, digest("claimed")], { account: p.challenger.account });
      await viem.assertions.emitWithArgs(open, p.disputes, "RoundDisputeOpened", [
        1n,
        p.jobId,
        0n,
        2n,
        addressOf(p.challenger),
        digest("claimed"),
        BOND,
        openedAt + 24n * 3600n,
      ]);
      assert.equal(await statusOf(p), RoundJobStatus.Disputed);
      const [requested] = await p.committee.getEvents.CommitteeRequested({ disputeId: 1n }, { fromBlock: 0n });
      await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.committee.address]);
      const tx = settle(p, 1n, true);
      await viem.assertions.emitWithArgs(tx, reg, "SlotDropped", [p.jobId, 0n, 2n, addressOf(p.slotWallets[2]!), Drop.FoundWrong, ROUND_ORDER.minStake]);
      const [voided] = await reg.getEvents.AggregateVoided({ jobId: p.jobId }, { fromBlock: 0n });
      assert.deepEqual([voided!.args.aggregator, voided!.args.slashed], [addressOf(p.outsider), 0n]);
      assert.equal(await balance(p, addressOf(p.challenger)), challenger0 + ROUND_ORDER.minStake / 2n, "bond back plus the beneficiary share");
      assert.equal(await lockedOf(p, p.outsider), 0n, "the aggregator unlocked unslashed");
      assert.equal((await p.stakeManager.read.stakeOf([addressOf(p.outsider)])).available, PROVIDER_STAKE);
      assert.equal(await reg.read.aggregateOf([p.jobId, 0]), zeroHash);
      assert.equal(await statusOf(p), RoundJobStatus.Aggregating);
      assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.ProviderWrong);
      await p.roundJobRegistry.write.postAggregate([p.jobId, 0, digest("global 0 without slot 2")], { account: p.providerA.account });
      const posted = await reg.getEvents.AggregatePosted({ jobId: p.jobId }, { fromBlock: 0n });
      assert.equal(posted.at(-1)!.args.includedSlots, 0b1011);
      await networkHelpers.time.increaseTo((await reg.read.getRoundJob([p.jobId])).deadline);
      await reg.write.advance([p.jobId]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        reg.write.commitUpdate([p.jobId, 1, digest("u")], { account: p.slotWallets[2]!.account }),
        reg,
        "RoundJobRegistryInactiveSlot",
        [p.jobId, 2n],
      );
    });

    it("cannot become a game: its accused cannot force one, and its verdict counts at once", async () => {
      const p = await networkHelpers.loadFixture(withValidators);
      const disputeId = await challengeWithCommittee(p, 2);
      const opening = { hashBefore: zeroHash, proofBefore: [], hashAfter: zeroHash, proofAfter: [], program: "0x" } as const;
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.forceGame([disputeId, opening], { account: p.slotWallets[2]!.account }),
        p.disputes,
        "DisputesNotGameable",
        [disputeId],
      );
      await settle(p, disputeId, false);
      assert.equal((await p.disputes.read.getDispute([disputeId])).status, DisputeStatus.ChallengerWrong);
    });

    it("slot found right: half the lost bond to the slot's provider and the window resumes with the time it had left", async () => {
      const p = await networkHelpers.loadFixture(withValidators);
      const disputeId = await challengeWithCommittee(p, 2);
      const { windowRemaining } = await p.disputes.read.getDispute([disputeId]);
      const provider0 = await balance(p, addressOf(p.slotWallets[2]!));
      const at = (await now()) + 50n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      await viem.assertions.emitWithArgs(settle(p, disputeId, false), p.roundJobRegistry, "RoundResumed", [p.jobId, 0n, at + BigInt(windowRemaining)]);
      assert.equal(await balance(p, addressOf(p.slotWallets[2]!)), provider0 + BOND / 2n, "the accused's share of the lost bond");
      assert.equal(await statusOf(p), RoundJobStatus.Aggregated);
      assert.equal(await lockedOf(p, p.outsider), AGGREGATOR_STAKE);
      await networkHelpers.time.increaseTo(at + BigInt(windowRemaining));
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.challengeRound([p.jobId, 0, 1, digest("too late")], { account: p.challenger.account }),
        p.roundJobRegistry,
        "RoundJobRegistryDeadlinePassed",
        [p.jobId, at + BigInt(windowRemaining)],
      );
    });

    it("aggregate found wrong: the aggregator is slashed to the challenger and a new aggregate is due", async () => {
      const p = await networkHelpers.loadFixture(withValidators);
      const disputeId = await challengeWithCommittee(p, AGGREGATE);
      assert.equal((await p.disputes.read.getDispute([disputeId])).provider, addressOf(p.outsider));
      const challenger0 = await balance(p, addressOf(p.challenger));
      const at = (await now()) + 10n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      await viem.assertions.emitWithArgs(settle(p, disputeId, true), p.roundJobRegistry, "AggregateVoided", [
        p.jobId,
        0n,
        addressOf(p.outsider),
        AGGREGATOR_STAKE,
        at + BigInt(ROUND_ORDER.aggregationPeriod),
      ]);
      assert.equal(await balance(p, addressOf(p.challenger)), challenger0 + BOND + AGGREGATOR_STAKE / 2n);
      assert.equal((await p.stakeManager.read.stakeOf([addressOf(p.outsider)])).available, PROVIDER_STAKE - AGGREGATOR_STAKE);
      assert.equal(await lockedOf(p, p.outsider), 0n);
      const job = await p.roundJobRegistry.read.getRoundJob([p.jobId]);
      assert.deepEqual([job.status, job.activeMask], [RoundJobStatus.Aggregating, 0b1111]);
      await p.roundJobRegistry.write.postAggregate([p.jobId, 0, digest("right global 0")], { account: p.providerA.account });
      assert.equal(await p.roundJobRegistry.read.aggregateOf([p.jobId, 0]), digest("right global 0"));
    });

    it("aggregate found right: half the lost bond to the aggregator, the window resumes", async () => {
      const p = await networkHelpers.loadFixture(withValidators);
      const disputeId = await challengeWithCommittee(p, AGGREGATE);
      const aggregator0 = await balance(p, addressOf(p.outsider));
      await settle(p, disputeId, false);
      assert.equal(await balance(p, addressOf(p.outsider)), aggregator0 + BOND / 2n, "the accused's share of the lost bond");
      assert.equal(await statusOf(p), RoundJobStatus.Aggregated);
    });

    it("slot found wrong when the order does not continue on fault: the job fails, earned rounds paid", async () => {
      const q = await networkHelpers.loadFixture(withStoppingJobAggregating);
      const { jobId } = q;
      await aggregate(q, 0);
      const disputeId = await challengeWithCommittee(q, 0);
      const consumer0 = await balance(q, addressOf(q.consumer));
      await viem.assertions.emitWithArgs(settle(q, disputeId, true), q.roundJobRegistry, "RoundJobFailed", [jobId, 0n, ESCROW]);
      assert.equal(await balance(q, addressOf(q.consumer)), consumer0 + ESCROW);
      for (const w of [...q.slotWallets, q.outsider]) assert.equal(await lockedOf(q, w), 0n);
      assert.equal(await balance(q, q.roundJobRegistry.address), 0n);
    });

    it("while the round awaits its aggregate, an update can be challenged (one withheld would stall the round), the aggregate cannot", async () => {
      const p = await networkHelpers.loadFixture(withValidatorsAggregating);
      const reg = p.roundJobRegistry;
      const as = { account: p.challenger.account };
      assert.equal(await statusOf(p), RoundJobStatus.Aggregating);
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.challengeRound([p.jobId, 0, AGGREGATE, digest("c")], as), reg, "RoundJobRegistryWrongStatus", [
        p.jobId,
        RoundJobStatus.Aggregating,
        RoundJobStatus.Aggregated,
      ]);
      const { deadline } = await reg.read.getRoundJob([p.jobId]);
      const at = (await now()) + 5n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      await viem.assertions.emitWithArgs(p.disputes.write.challengeRound([p.jobId, 0, 1, digest("c")], as), reg, "RoundDisputed", [p.jobId, 0n, 1n, BigInt(deadline) - at]);
      assert.equal(await statusOf(p), RoundJobStatus.Disputed);
      await viem.assertions.revertWithCustomErrorWithArgs(
        reg.write.postAggregate([p.jobId, 0, digest("global 0")], { account: p.outsider.account }),
        reg,
        "RoundJobRegistryWrongStatus",
        [p.jobId, RoundJobStatus.Disputed, RoundJobStatus.Aggregating],
      );
      const passed = await networkHelpers.loadFixture(withValidatorsAggregating);
      await networkHelpers.time.increaseTo((await passed.roundJobRegistry.read.getRoundJob([passed.jobId])).deadline);
      await viem.assertions.revertWithCustomErrorWithArgs(passed.disputes.write.challengeRound([passed.jobId, 0, 1, digest("c")], as), reg, "RoundJobRegistryDeadlinePassed", [
        passed.jobId,
        BigInt(deadline),
      ]);
    });

    it("update found wrong (or withheld) before any aggregate: slashed to the challenger, dropped, aggregation reopened for a whole period, then posted without it", async () => {
      const p = await networkHelpers.loadFixture(withValidatorsAggregating);
      const reg = p.roundJobRegistry;
      const disputeId = await challengeWithCommittee(p, 2);
      const challenger0 = await balance(p, addressOf(p.challenger));
      const at = (await now()) + 10n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      const tx = settle(p, disputeId, true);
      await viem.assertions.emitWithArgs(tx, reg, "AggregationReopened", [p.jobId, 0n, at + BigInt(ROUND_ORDER.aggregationPeriod)]);
      const [dropped] = await reg.getEvents.SlotDropped({ jobId: p.jobId }, { fromBlock: 0n });
      assert.deepEqual([dropped!.args.slot, dropped!.args.reason, dropped!.args.slashed], [2n, Drop.FoundWrong, ROUND_ORDER.minStake]);
      assert.deepEqual(await reg.getEvents.AggregateVoided({ jobId: p.jobId }, { fromBlock: 0n }), [], "no aggregate existed to void");
      assert.equal(await balance(p, addressOf(p.challenger)), challenger0 + BOND + ROUND_ORDER.minStake / 2n);
      const job = await reg.read.getRoundJob([p.jobId]);
      assert.deepEqual([job.status, job.activeMask, job.aggregator, job.deadline], [RoundJobStatus.Aggregating, 0b1011, zeroAddress, Number(at) + ROUND_ORDER.aggregationPeriod]);
      await reg.write.postAggregate([p.jobId, 0, digest("global 0 without slot 2")], { account: p.outsider.account });
      const posted = await reg.getEvents.AggregatePosted({ jobId: p.jobId }, { fromBlock: 0n });
      assert.equal(posted.at(-1)!.args.includedSlots, 0b1011);
      assert.equal(await lockedOf(p, p.outsider), AGGREGATOR_STAKE);
      await networkHelpers.time.increaseTo((await reg.read.getRoundJob([p.jobId])).deadline);
      await reg.write.advance([p.jobId]);
      assert.equal(await lockedOf(p, p.outsider), 0n, "the aggregator's stake unlocked once its round advanced");
      assert.equal((await reg.read.getRoundJob([p.jobId])).aggregator, zeroAddress, "no aggregate posted in the new round");
    });

    it("update found right before any aggregate: half the lost bond to the slot's provider, aggregation reopened for a whole period", async () => {
      const p = await networkHelpers.loadFixture(withValidatorsAggregating);
      const disputeId = await challengeWithCommittee(p, 1);
      const provider0 = await balance(p, addressOf(p.slotWallets[1]!));
      const at = (await now()) + 7n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      await viem.assertions.emitWithArgs(settle(p, disputeId, false), p.roundJobRegistry, "AggregationReopened", [p.jobId, 0n, at + BigInt(ROUND_ORDER.aggregationPeriod)]);
      assert.equal(await balance(p, addressOf(p.slotWallets[1]!)), provider0 + BOND / 2n, "the accused's share of the lost bond");
      const job = await p.roundJobRegistry.read.getRoundJob([p.jobId]);
      assert.deepEqual([job.status, job.activeMask], [RoundJobStatus.Aggregating, 0b1111]);
      await aggregate(p, 0);
      assert.equal(await statusOf(p), RoundJobStatus.Aggregated);
    });

    it("before any aggregate, a wrong update the job may not continue past, or no committee: the job fails, no aggregator stake touched, every token out", async () => {
      for (const ending of ["fault", "no committee"] as const) {
        const q = await networkHelpers.loadFixture(withStoppingJobAggregating);
        const { jobId } = q;
          const consumer0 = await balance(q, addressOf(q.consumer));
        if (ending === "fault") {
          const disputeId = await challengeWithCommittee(q, 0);
          await viem.assertions.emitWithArgs(settle(q, disputeId, true), q.roundJobRegistry, "RoundJobFailed", [jobId, 0n, ESCROW]);
        } else {
          await q.disputes.write.challengeRound([jobId, 0, 3, digest("claimed")], { account: q.challenger.account });
          await networkHelpers.time.increaseTo((await q.disputes.read.getDispute([1n])).verdictDeadline);
          await viem.assertions.emitWithArgs(q.disputes.write.expire([1n]), q.roundJobRegistry, "RoundJobFailed", [jobId, 0n, ESCROW]);
        }
        assert.equal(await balance(q, addressOf(q.consumer)), consumer0 + ESCROW, `${ending}: the consumer refunded`);
        for (const w of [...q.slotWallets, q.outsider]) assert.equal(await lockedOf(q, w), 0n, `${ending}: nothing stays locked`);
        assert.equal(await balance(q, q.roundJobRegistry.address), 0n);
      }
    });

    it("no committee: the job fails, the accused unlocked unslashed, earned rounds paid, the bond back", async () => {
      const p = await networkHelpers.loadFixture(withValidators);
      const reg = p.roundJobRegistry;
      await networkHelpers.time.increaseTo((await reg.read.getRoundJob([p.jobId])).deadline);
      await reg.write.advance([p.jobId]);
      await commit(p, 1, [0, 1, 2, 3]);
      await aggregate(p, 1);
      await p.disputes.write.challengeRound([p.jobId, 1, 3, digest("claimed")], { account: p.challenger.account });
      // The VRF never answers: no committee is drawn before the verdict deadline.
      await networkHelpers.time.increaseTo((await p.disputes.read.getDispute([1n])).verdictDeadline);
      const challenger0 = await balance(p, addressOf(p.challenger));
      const treasury = await p.stakeManager.read.treasury();
      const treasury0 = await balance(p, treasury);
      const paid = p.slotPrices.reduce((a, b) => a + b, 0n);
      await viem.assertions.emitWithArgs(p.disputes.write.expire([1n]), reg, "RoundJobFailed", [p.jobId, paid, ESCROW - paid]);
      assert.equal(await balance(p, addressOf(p.challenger)), challenger0 + BOND);
      assert.equal(await balance(p, treasury), treasury0, "nothing slashed");
      for (const w of [...p.slotWallets, p.outsider]) assert.equal(await lockedOf(p, w), 0n);
      assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.NoCommittee);
      assert.equal(await balance(p, reg.address), 0n);
    });
  });

  describe("upkeep", () => {
    it("settles, closes a missed round, expires it and advances rounds through performUpkeep", async () => {
      const p = await networkHelpers.loadFixture(withOpenRoundJob);
      const reg = p.roundJobRegistry;
      const run = async (expected: number) => {
        assert.equal(await reg.read.dueAction([p.jobId]), expected);
        const [needed, performData] = await reg.read.checkUpkeep(["0x"]);
        assert.equal(needed, true);
        await reg.write.performUpkeep([performData], { account: p.outsider.account });
      };
      assert.equal(await reg.read.dueAction([p.jobId]), Action.None);
      await bidAll(p);
      await networkHelpers.time.increase(ROUND_ORDER.biddingPeriod);
      await run(Action.SettleAuction);
      assert.equal(await reg.read.dueAction([p.jobId]), Action.None, "the seed is awaited until its deadline");
      const [requested] = await reg.getEvents.SeedRequested({ jobId: p.jobId }, { fromBlock: 0n });
      await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, reg.address]);
      const q = { ...p, slotWallets: [1, 2, 3, 0].map((i) => p.providers[i]!), slotPrices: [] as bigint[] };
      await commit(q, 0, [0, 1, 2, 3]);
      await aggregate(q, 0);
      await networkHelpers.time.increaseTo((await reg.read.getRoundJob([p.jobId])).deadline);
      await run(Action.Advance);
      assert.deepEqual([(await reg.read.getRoundJob([p.jobId])).round, await statusOf(p)], [1, RoundJobStatus.Training]);
      await commit(q, 1, [0, 1, 2]);
      await networkHelpers.time.increaseTo((await reg.read.getRoundJob([p.jobId])).deadline);
      await run(Action.CloseRound);
      assert.equal(await statusOf(p), RoundJobStatus.Aggregating);
      assert.equal(await lockedOf(p, q.slotWallets[3]!), 0n, "the slot that missed the deadline was slashed");
      await networkHelpers.time.increaseTo((await reg.read.getRoundJob([p.jobId])).deadline);
      await run(Action.ExpireRound);
      assert.equal(await statusOf(p), RoundJobStatus.Failed);
      assert.equal(await reg.read.dueAction([p.jobId]), Action.None);
      assert.equal(await balance(p, reg.address), 0n);
    });
  });
});
