import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeErrorResult, getAddress, getContract, keccak256, parseAbi, parseEther, stringToHex, zeroAddress, zeroHash, type Address, type Hex } from "viem";
import { committeeDraw } from "../../keepers/src/chain/committeeDraw.ts";
import {
  DisputeStatus,
  JobStatus,
  joinFreshValidator,
  joinValidators,
  networkHelpers,
  ORDER,
  stake,
  type Order,
  VALIDATOR_STAKE,
  viem,
  submittedJob,
  withSubmittedJob,
  type Protocol,
} from "./fixture.ts";

const CLAIMED_HASH = keccak256(stringToHex("the checkpoint hash the challenger computed"));
/** test/contracts/utils/VrfCallbackChallenger.sol, the attacker of "refuses a challenge made from inside a VRF callback". */
const CALLBACK_CHALLENGER_ABI = parseAbi([
  "function arm(address token, uint256 subscriptionId, uint256 jobId, uint64 index, bytes32 claimed) returns (uint256)",
  "function answered() view returns (bool)",
  "function failure() view returns (bytes)",
]);
const BOND = parseEther("100");
const VERDICT_PERIOD = 24n * 3600n;
/** ValidatorCommittee's exit delay in the local Ignition module (default `validatorExitDelay`). */
const EXIT_DELAY = 2n * 24n * 3600n;
/** A game side's clock in the local Ignition module (default). */
const CLOCK_BUDGET = 2n * 24n * 3600n;

type Wallet = Protocol["consumer"];

/** Job 1 (ORDER, with `overrides`) submitted and nine staked validators joined. */
async function validatorsFor(overrides: Partial<Order>) {
  return joinValidators(await submittedJob(overrides));
}

/** Job 1 submitted and nine staked validators joined. */
const withValidators = () => validatorsFor({});

/** Dispute 1 opened by the challenger on job 1's checkpoint 3, committee not yet drawn. */
async function withOpenDispute() {
  const p = await withValidators();
  await p.disputes.write.challenge([p.jobId, 3n, CLAIMED_HASH], { account: p.challenger.account });
  return { ...p, disputeId: 1n };
}

/** Answers the VRF request of dispute `disputeId`'s committee with the mock's randomness. */
async function drawCommittee(p: Protocol, disputeId: bigint) {
  const [requested] = await p.committee.getEvents.CommitteeRequested({ disputeId }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.committee.address]);
}

/** The wallets of dispute `disputeId`'s committee, in position order. */
async function memberWalletsOf(p: Protocol, disputeId: bigint, wallets: readonly Wallet[] = [...p.validators, p.providerA, p.providerB]) {
  const members = await p.committee.read.committeeOf([disputeId]);
  const byAddress = new Map(wallets.map((v) => [v.account.address.toLowerCase(), v]));
  return members.map((m) => byAddress.get(m.toLowerCase())!);
}

/** Dispute 1 with its committee drawn. */
async function withCommittee() {
  const p = await withOpenDispute();
  await drawCommittee(p, p.disputeId);
  return { ...p, memberWallets: await memberWalletsOf(p, p.disputeId) };
}

/** The committee of dispute `disputeId` recomputed off-chain (keepers/src/chain/committeeDraw.ts) from the seed, the request and the list now. */
async function recomputedCommittee(p: Protocol, disputeId: bigint): Promise<Address[]> {
  const [drawn] = await p.committee.getEvents.CommitteeDrawn({ disputeId }, { fromBlock: 0n });
  const request = await p.committee.read.requestOf([disputeId]);
  const { size } = await p.committee.read.config();
  return committeeDraw({
    seed: drawn!.args.seed!,
    entries: await p.committee.read.validators(),
    range: Number(request.range),
    requestedAt: request.requestedAt,
    size,
  });
}

async function signVerdict(
  p: Protocol,
  signer: Wallet,
  disputeId: bigint,
  providerWrong: boolean,
  domain: { name?: string; chainId?: number; verifyingContract?: Hex } = {},
): Promise<Hex> {
  return signer.signTypedData({
    domain: {
      name: domain.name ?? "veritrain Disputes",
      version: "1",
      chainId: domain.chainId ?? (await (await viem.getPublicClient()).getChainId()),
      verifyingContract: domain.verifyingContract ?? p.disputes.address,
    },
    types: { Verdict: [{ name: "disputeId", type: "uint256" }, { name: "providerWrong", type: "bool" }] },
    primaryType: "Verdict",
    message: { disputeId, providerWrong },
  });
}

/** Signatures of committee positions `positions` (ascending) and the bitmap naming them. */
async function verdict(p: Protocol & { memberWallets: Wallet[]; disputeId: bigint }, providerWrong: boolean, positions: number[]) {
  const signatures = await Promise.all(positions.map((i) => signVerdict(p, p.memberWallets[i]!, p.disputeId, providerWrong)));
  const bitmap = positions.reduce((acc, i) => acc | (1n << BigInt(i)), 0n);
  return { bitmap, signatures };
}

/** Balances and stake of the parties of job 1, to compare before and after its dispute ends. */
async function partiesOf(p: Protocol) {
  const balance = (a: Address) => p.token.read.balanceOf([a]);
  return {
    consumer: await balance(p.consumer.account.address),
    provider: await balance(p.providerA.account.address),
    challenger: await balance(p.challenger.account.address),
    treasury: await balance(await p.stakeManager.read.treasury()),
    providerStake: await p.stakeManager.read.stakeOf([p.providerA.account.address]),
  };
}

describe("ValidatorCommittee", () => {
  describe("join, exit and release", () => {
    it("locks stake on join, keeps it locked through exit until exitDelay, unlocks it on release", async () => {
      const p = await networkHelpers.loadFixture(withSubmittedJob);
      const v = p.validators[0]!;
      const as = { account: v.account };
      const me = v.account.address;
      await stake(p, v, VALIDATOR_STAKE);
      await viem.assertions.emitWithArgs(p.committee.write.join(as), p.committee, "ValidatorJoined", [me, VALIDATOR_STAKE]);
      assert.equal((await p.stakeManager.read.stakeOf([me])).locked, VALIDATOR_STAKE);
      await viem.assertions.revertWithCustomErrorWithArgs(p.committee.write.join(as), p.committee, "ValidatorCommitteeAlreadyValidator", [me]);
      await viem.assertions.revertWithCustomErrorWithArgs(p.committee.write.release([me]), p.committee, "ValidatorCommitteeNotLeaving", [me]);

      const exitAt = BigInt(await networkHelpers.time.latest()) + 10n;
      const releasableAt = exitAt + EXIT_DELAY;
      await networkHelpers.time.setNextBlockTimestamp(exitAt);
      await viem.assertions.emitWithArgs(p.committee.write.exit(as), p.committee, "ValidatorExited", [me, releasableAt]);
      assert.equal((await p.stakeManager.read.stakeOf([me])).locked, VALIDATOR_STAKE, "exit does not unlock");
      assert.equal((await p.committee.read.validatorOf([me])).leftAt, Number(exitAt));
      for (const call of [p.committee.write.join(as), p.committee.write.exit(as)]) {
        await viem.assertions.revertWithCustomErrorWithArgs(call, p.committee, "ValidatorCommitteeLeaving", [me, releasableAt]);
      }
      await networkHelpers.time.setNextBlockTimestamp(releasableAt - 1n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.committee.write.release([me], { account: p.outsider.account }),
        p.committee,
        "ValidatorCommitteeExitDelayNotOver",
        [me, releasableAt],
      );
      assert.equal((await p.stakeManager.read.stakeOf([me])).locked, VALIDATOR_STAKE);

      // Anyone may release: the stake only moves back to the validator's available balance.
      await networkHelpers.time.setNextBlockTimestamp(releasableAt);
      await viem.assertions.emitWithArgs(
        p.committee.write.release([me], { account: p.outsider.account }),
        p.committee,
        "ValidatorReleased",
        [me, VALIDATOR_STAKE],
      );
      const after = await p.stakeManager.read.stakeOf([me]);
      assert.deepEqual([after.locked, after.available], [0n, VALIDATOR_STAKE]);
      assert.deepEqual(await p.committee.read.validators(), [{ account: zeroAddress, joinedAt: 0, leftAt: 0 }], "its slot emptied");
      for (const call of [p.committee.write.exit(as), p.committee.write.release([me])]) {
        await viem.assertions.revertWithCustomErrorWithArgs(call, p.committee, "ValidatorCommitteeNotValidator", [me]);
      }
      await p.committee.write.join(as);
      const rejoined = await p.committee.read.validators();
      assert.deepEqual(rejoined.map((e) => e.account.toLowerCase()), [me.toLowerCase()], "a released validator may join again, into the emptied slot");
    });

    it("empties a released entry's slot without moving any other, and refills it at the next join", async () => {
      const p = await networkHelpers.loadFixture(withValidators);
      const leaving = p.validators[2]!;
      const before = await p.committee.read.validators();
      await p.committee.write.exit({ account: leaving.account });
      assert.equal((await p.committee.read.validators()).length, 9, "a leaving validator stays listed");
      await networkHelpers.time.increase(EXIT_DELAY);
      await p.committee.write.release([leaving.account.address]);
      const emptied = { account: zeroAddress, joinedAt: 0, leftAt: 0 };
      const after = await p.committee.read.validators();
      assert.deepEqual(after, [...before.slice(0, 2), emptied, ...before.slice(3)]);
      assert.deepEqual(await p.committee.read.validatorOf([before[8]!.account]), before[8]);
      assert.deepEqual(await p.committee.read.validatorOf([leaving.account.address]), emptied);
      await p.committee.write.join({ account: leaving.account });
      const refilled = await p.committee.read.validators();
      assert.equal(refilled.length, 9);
      assert.equal(refilled[2]!.account.toLowerCase(), leaving.account.address);
    });

    it("rejects a validator without enough free stake", async () => {
      const p = await networkHelpers.loadFixture(withSubmittedJob);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.committee.write.join({ account: p.outsider.account }),
        p.stakeManager,
        "StakeManagerInsufficientAvailable",
        [p.outsider.account.address, 0n, VALIDATOR_STAKE],
      );
    });
  });

  describe("committees", () => {
    it("draws nine distinct validators from the VRF seed, as the off-chain twin recomputes them", async () => {
      const p = await networkHelpers.loadFixture(withCommittee);
      const members = await p.committee.read.committeeOf([p.disputeId]);
      assert.equal(new Set(members.map((m) => m.toLowerCase())).size, 9);
      const [drawn] = await p.committee.getEvents.CommitteeDrawn({ disputeId: p.disputeId }, { fromBlock: 0n });
      assert.deepEqual(drawn!.args.members, members);
      assert.deepEqual(await recomputedCommittee(p, p.disputeId), members);
      const request = await p.committee.read.requestOf([p.disputeId]);
      const block = await (await viem.getPublicClient()).getBlock({ blockNumber: drawn!.blockNumber });
      assert.deepEqual(
        { range: request.range, members: request.members, status: request.status, drawnAt: request.drawnAt },
        { range: 9n, members: 9, status: 3, drawnAt: Number(block.timestamp) },
      );
    });

    it("never draws a validator who joined after the request or left before it (50 disputes)", async () => {
      const p = await networkHelpers.loadFixture(withValidators);
      const early = await joinFreshValidator(p, "validator who joined early");
      const gone = await joinFreshValidator(p, "validator who left before the requests");
      await p.committee.write.exit({ account: gone });
      const lateJoiners: Address[] = [];
      const drawnOnce = new Set<string>();
      for (let round = 1; round <= 50; round++) {
        await p.disputes.write.challenge([p.jobId, 3n, CLAIMED_HASH], { account: p.challenger.account });
        const disputeId = await p.disputes.read.disputeCount();
        const late = await joinFreshValidator(p, `validator who joined after request ${round}`);
        lateJoiners.push(late);
        await drawCommittee(p, disputeId);
        const members = (await p.committee.read.committeeOf([disputeId])).map((m) => m.toLowerCase());
        assert.equal(members.length, 9, `dispute ${disputeId}: a full committee`);
        assert.ok(!members.includes(late.toLowerCase()), `dispute ${disputeId} drew ${late}, who joined after its request`);
        assert.ok(!members.includes(gone.toLowerCase()), `dispute ${disputeId} drew ${gone}, who left before its request`);
        assert.deepEqual((await recomputedCommittee(p, disputeId)).map((m) => m.toLowerCase()), members);
        for (const m of members) drawnOnce.add(m);
        await networkHelpers.time.increaseTo((await p.disputes.read.getDispute([disputeId])).verdictDeadline);
        await p.disputes.write.expire([disputeId]);
        assert.equal((await p.disputes.read.getDispute([disputeId])).status, DisputeStatus.Expired);
      }
      assert.ok(drawnOnce.has(early.toLowerCase()), "a validator of the set at the requests is drawn");
      assert.ok(lateJoiners.slice(0, 40).some((v) => drawnOnce.has(v.toLowerCase())), "late joiners are drawn for later requests");
    });

    it("accepts randomness only from the coordinator, for its own requests", async () => {
      const p = await networkHelpers.loadFixture(withOpenDispute);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.committee.write.rawFulfillRandomWords([1n, [5n]], { account: p.outsider.account }),
        p.committee,
        "VrfConsumerOnlyCoordinator",
        [p.outsider.account.address, getAddress(p.vrfCoordinator.address)],
      );
      await networkHelpers.impersonateAccount(p.vrfCoordinator.address);
      await networkHelpers.setBalance(p.vrfCoordinator.address, parseEther("1"));
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.committee.write.rawFulfillRandomWords([777n, [5n]], { account: p.vrfCoordinator.address }),
        p.committee,
        "ValidatorCommitteeUnknownRequest",
        [777n],
      );
    });

    it("lets only Disputes request committees", async () => {
      const p = await networkHelpers.loadFixture(withValidators);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.committee.write.requestCommittee([1n], { account: p.outsider.account }),
        p.committee,
        "AccessControlUnauthorizedAccount",
        [p.outsider.account.address, keccak256(stringToHex("REQUESTER_ROLE"))],
      );
    });

    it("refuses a second committee for the same dispute, even after a refused request", async () => {
      const p = await networkHelpers.loadFixture(withSubmittedJob);
      const admin = p.deployer.account.address;
      const stakeManager = await viem.deployContract("StakeManager", [p.token.address, admin, 1n, 0, admin]);
      const config = { ...(await p.committee.read.config()), size: 1, threshold: 1, validatorStake: 1n };
      const standalone = await viem.deployContract("ValidatorCommittee", [p.vrfCoordinator.address, p.governance.address, stakeManager.address, config, Number(EXIT_DELAY), admin]);
      await stakeManager.write.grantRole([keccak256(stringToHex("MODULE_ROLE")), standalone.address]);
      await standalone.write.grantRole([keccak256(stringToHex("REQUESTER_ROLE")), admin]);
      await p.vrfCoordinator.write.addConsumer([config.subscriptionId, standalone.address]);
      await standalone.write.requestCommittee([1n]);
      await viem.assertions.revertWithCustomErrorWithArgs(standalone.write.requestCommittee([1n]), standalone, "ValidatorCommitteeAlreadyRequested", [1n]);
      await p.vrfCoordinator.write.removeConsumer([config.subscriptionId, standalone.address]);
      await viem.assertions.emitWithArgs(standalone.write.requestCommittee([2n]), standalone, "CommitteeRequestFailed", [2n]);
      await viem.assertions.revertWithCustomErrorWithArgs(standalone.write.requestCommittee([2n]), standalone, "ValidatorCommitteeAlreadyRequested", [2n]);
    });

    it("rejects invalid constructor parameters by name", async () => {
      const p = await networkHelpers.loadFixture(withSubmittedJob);
      const config = await p.committee.read.config();
      const admin = p.deployer.account.address;
      const [coordinator, governance, stakeManager, delay] = [p.vrfCoordinator.address, p.governance.address, p.stakeManager.address, Number(EXIT_DELAY)];
      const cases = [
        ["stakeManager", [coordinator, governance, zeroAddress, config, delay, admin]],
        ["threshold", [coordinator, governance, stakeManager, { ...config, threshold: 0 }, delay, admin]],
        ["threshold", [coordinator, governance, stakeManager, { ...config, threshold: 10 }, delay, admin]],
        ["validatorStake", [coordinator, governance, stakeManager, { ...config, validatorStake: 0n }, delay, admin]],
        ["exitDelay", [coordinator, governance, stakeManager, config, 0, admin]],
        ["admin", [coordinator, governance, stakeManager, config, delay, zeroAddress]],
      ] as const;
      for (const [name, args] of cases) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          viem.deployContract("ValidatorCommittee", args as never),
          p.committee,
          "ValidatorCommitteeInvalidParameter",
          [name],
        );
      }
    });
  });
});

describe("Disputes", () => {
  describe("challenge", () => {
    it("takes the bond, stops the window and requests a committee", async () => {
      const p = await networkHelpers.loadFixture(withValidators);
      const job = await p.jobRegistry.read.getJob([p.jobId]);
      const now = BigInt(await networkHelpers.time.latest()) + 10n;
      await networkHelpers.time.setNextBlockTimestamp(now);
      const before = await p.token.read.balanceOf([p.challenger.account.address]);
      await viem.assertions.emitWithArgs(
        p.disputes.write.challenge([p.jobId, 3n, CLAIMED_HASH], { account: p.challenger.account }),
        p.disputes,
        "DisputeOpened",
        [1n, p.jobId, p.challenger.account.address, 3n, CLAIMED_HASH, BOND, now + VERDICT_PERIOD],
      );
      assert.equal(await p.token.read.balanceOf([p.challenger.account.address]), before - BOND);
      assert.equal(await p.token.read.balanceOf([p.disputes.address]), BOND);
      const dispute = await p.disputes.read.getDispute([1n]);
      assert.equal(dispute.status, DisputeStatus.Open);
      assert.equal(dispute.windowRemaining, Number(BigInt(job.deadline) - now));
      assert.equal(dispute.provider.toLowerCase(), p.providerA.account.address);
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Disputed);
      assert.equal((await p.committee.getEvents.CommitteeRequested({}, { fromBlock: 0n })).length, 1);
      const request = await p.committee.read.requestOf([1n]);
      assert.deepEqual([request.requestedAt, request.range, request.status], [Number(now), 9n, 1]);
    });

    it("rejects a zero claimed hash, a second challenge and a challenge after the window", async () => {
      const p = await networkHelpers.loadFixture(withValidators);
      const as = { account: p.challenger.account };
      await viem.assertions.revertWithCustomError(
        p.disputes.write.challenge([p.jobId, 3n, zeroHash], as),
        p.disputes,
        "DisputesZeroClaimedHash",
      );
      const deadline = (await p.jobRegistry.read.getJob([p.jobId])).deadline;
      await networkHelpers.time.setNextBlockTimestamp(deadline);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.challenge([p.jobId, 3n, CLAIMED_HASH], as),
        p.jobRegistry,
        "JobRegistryDeadlinePassed",
        [p.jobId, BigInt(deadline)],
      );
      assert.equal(await p.disputes.read.disputeCount(), 0n);
    });

    it("rejects a challenge of a disputed or unsubmitted job", async () => {
      const p = await networkHelpers.loadFixture(withOpenDispute);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.challenge([p.jobId, 1n, CLAIMED_HASH], { account: p.outsider.account }),
        p.jobRegistry,
        "JobRegistryWrongStatus",
        [p.jobId, JobStatus.Disputed, JobStatus.Submitted],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.challenge([8n, 1n, CLAIMED_HASH], { account: p.outsider.account }),
        p.jobRegistry,
        "JobRegistryUnknownJob",
        [8n],
      );
    });

  });

  describe("challengeResult on a job that commits no program: the result as published, the committee's", () => {
    /** {@link withValidators} with job 1 committing no training-VM program (test/contracts/DisputesGame.test.ts has those). */
    const withResultJob = () => validatorsFor({});
    /** The result dispute of a job that commits no program, its committee drawn. */
    async function withResultDispute() {
      const p = await withResultJob();
      await p.disputes.write.challengeResult([p.jobId], { account: p.challenger.account });
      await drawCommittee(p, 1n);
      return { ...p, disputeId: 1n, memberWallets: await memberWalletsOf(p, 1n) };
    }
    const RESULT_DISPUTE = 2n ** 64n - 1n;

    it("takes the bond, stops the window and requests a committee, naming no checkpoint and no hash", async () => {
      const p = await networkHelpers.loadFixture(withResultJob);
      assert.equal(await p.disputes.read.RESULT_DISPUTE(), RESULT_DISPUTE);
      const now = BigInt(await networkHelpers.time.latest()) + 10n;
      await networkHelpers.time.setNextBlockTimestamp(now);
      const before = await p.token.read.balanceOf([p.challenger.account.address]);
      await viem.assertions.emitWithArgs(
        p.disputes.write.challengeResult([p.jobId], { account: p.challenger.account }),
        p.disputes,
        "DisputeOpened",
        [1n, p.jobId, p.challenger.account.address, RESULT_DISPUTE, zeroHash, BOND, now + VERDICT_PERIOD],
      );
      assert.equal(await p.token.read.balanceOf([p.challenger.account.address]), before - BOND);
      const dispute = await p.disputes.read.getDispute([1n]);
      assert.deepEqual([dispute.status, dispute.checkpointIndex, dispute.claimedHash], [DisputeStatus.Open, RESULT_DISPUTE, zeroHash]);
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Disputed);
      assert.equal((await p.committee.getEvents.CommitteeRequested({}, { fromBlock: 0n })).length, 1);
    });

    it("cannot be forced into a game, and its verdict counts at once: a provider whose result is not served is slashed", async () => {
      const p = await networkHelpers.loadFixture(withResultDispute);
      const opening = { hashBefore: zeroHash, proofBefore: [], hashAfter: CLAIMED_HASH, proofAfter: [], program: "0x" } as const;
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.forceGame([p.disputeId, opening], { account: p.providerA.account }),
        p.disputes,
        "DisputesNotGameable",
        [p.disputeId],
      );
      const { bitmap, signatures } = await verdict(p, true, [0, 2, 4, 6, 8]);
      const consumerBefore = await p.token.read.balanceOf([p.consumer.account.address]);
      await viem.assertions.emitWithArgs(
        p.disputes.write.settle([p.disputeId, true, bitmap, signatures], { account: p.outsider.account }),
        p.disputes,
        "DisputeSettled",
        [p.disputeId, true, p.challenger.account.address, bitmap],
      );
      assert.equal(await p.token.read.balanceOf([p.consumer.account.address]), consumerBefore + ORDER.reward);
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Failed);
      assert.equal(await p.token.read.balanceOf([p.disputes.address]), 0n);
    });

    it("splits a wrong challenger's bond as a slash is, the provider's share and the treasury's (a provider's own second account pays for each dispute it holds the job with), and resumes the window", async () => {
      const p = await networkHelpers.loadFixture(withResultDispute);
      const share = BigInt(await p.stakeManager.read.beneficiaryShareBps());
      assert.deepEqual([BigInt(await p.disputes.read.accusedShareBps()), await p.disputes.read.treasury()], [share, await p.stakeManager.read.treasury()]);
      const toProvider = (BOND * share) / 10_000n;
      assert.ok(toProvider > 0n && toProvider < BOND, "the fixture's share splits the bond");
      const { bitmap, signatures } = await verdict(p, false, [1, 3, 5, 7, 8]);
      const before = await partiesOf(p);
      await viem.assertions.emitWithArgs(
        p.disputes.write.settle([p.disputeId, false, bitmap, signatures]),
        p.disputes,
        "BondForfeited",
        [p.disputeId, p.providerA.account.address, toProvider, BOND - toProvider],
      );
      const after = await partiesOf(p);
      assert.deepEqual(
        [after.provider - before.provider, after.treasury - before.treasury, after.challenger - before.challenger],
        [toProvider, BOND - toProvider, 0n],
      );
      assert.equal(await p.token.read.balanceOf([p.disputes.address]), 0n);
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Submitted);
    });

    it("charges a provider that disputes its own right result through a second account the treasury's part of each bond, so holding its job disputed is never free", async () => {
      const p = await networkHelpers.loadFixture(withResultJob);
      // The challenger plays the provider's second account: what matters is what the pair of them keeps.
      const pair = async () => (await p.token.read.balanceOf([p.providerA.account.address])) + (await p.token.read.balanceOf([p.challenger.account.address]));
      const toTreasury = BOND - (BOND * BigInt(await p.disputes.read.accusedShareBps())) / 10_000n;
      const pair0 = await pair();
      const treasury0 = (await partiesOf(p)).treasury;
      for (const disputeId of [1n, 2n]) {
        await p.disputes.write.challengeResult([p.jobId], { account: p.challenger.account });
        await drawCommittee(p, disputeId);
        const held = { ...p, disputeId, memberWallets: await memberWalletsOf(p, disputeId) };
        const { bitmap, signatures } = await verdict(held, false, [1, 3, 5, 7, 8]);
        await p.disputes.write.settle([disputeId, false, bitmap, signatures]);
        assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Submitted, "the window resumed");
      }
      assert.equal(pair0 - (await pair()), 2n * toTreasury, "each dispute held the job at the cost of the treasury's part of its bond");
      assert.equal((await partiesOf(p)).treasury - treasury0, 2n * toTreasury);
    });

    it("rejects a result dispute of a disputed, unknown or closed job, changing nothing", async () => {
      const p = await networkHelpers.loadFixture(withResultDispute);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.challengeResult([p.jobId], { account: p.outsider.account }),
        p.jobRegistry,
        "JobRegistryWrongStatus",
        [p.jobId, JobStatus.Disputed, JobStatus.Submitted],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.challengeResult([8n], { account: p.outsider.account }), p.jobRegistry, "JobRegistryUnknownJob", [8n]);
      const q = await networkHelpers.loadFixture(withResultJob);
      const { deadline } = await q.jobRegistry.read.getJob([q.jobId]);
      await networkHelpers.time.setNextBlockTimestamp(deadline);
      await viem.assertions.revertWithCustomErrorWithArgs(
        q.disputes.write.challengeResult([q.jobId], { account: q.challenger.account }),
        q.jobRegistry,
        "JobRegistryDeadlinePassed",
        [q.jobId, BigInt(deadline)],
      );
      assert.equal(await q.disputes.read.disputeCount(), 0n);
    });
  });

  describe("when the provider, also a validator, leaves right before the challenge (finding 3)", () => {
    /** Job 1 submitted by providerA, which is one of exactly nine validators with eight others. */
    async function withProviderValidator() {
      const p = await withSubmittedJob();
      for (const v of p.validators.slice(0, 8)) {
        await stake(p, v, VALIDATOR_STAKE);
        await p.committee.write.join({ account: v.account });
      }
      await stake(p, p.providerA, VALIDATOR_STAKE);
      await p.committee.write.join({ account: p.providerA.account });
      return p;
    }

    it("still opens the challenge; the committee of the other eight settles it and slashes the provider", async () => {
      const p = await networkHelpers.loadFixture(withProviderValidator);
      const provider = p.providerA.account.address;
      await p.committee.write.exit({ account: p.providerA.account });
      const before = await partiesOf(p);
      await p.disputes.write.challenge([p.jobId, 3n, CLAIMED_HASH], { account: p.challenger.account });
      const disputeId = await p.disputes.read.disputeCount();
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Disputed);
      await drawCommittee(p, disputeId);
      const members = (await p.committee.read.committeeOf([disputeId])).map((m) => m.toLowerCase());
      assert.equal(members.length, 8, "every remaining validator is drawn");
      assert.ok(!members.includes(provider), "the provider left before the request");
      const q = { ...p, disputeId, memberWallets: await memberWalletsOf(p, disputeId) };
      const { bitmap, signatures } = await verdict(q, true, [0, 2, 4, 6, 7]);
      await viem.assertions.emitWithArgs(p.disputes.write.settle([disputeId, true, bitmap, signatures]), p.disputes, "DisputeSettled", [
        disputeId,
        true,
        getAddress(p.challenger.account.address),
        bitmap,
      ]);
      const after = await partiesOf(p);
      assert.equal(after.consumer, before.consumer + ORDER.reward, "consumer refunded");
      assert.equal(after.challenger, before.challenger + ORDER.minStake / 2n, "bond back plus the slash share");
      assert.equal(after.providerStake.locked, VALIDATOR_STAKE, "the job stake is slashed; the validator stake stays locked while leaving");
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Failed);
    });

    it("keeps the exiting provider's validator stake locked until exitDelay", async () => {
      const p = await networkHelpers.loadFixture(withProviderValidator);
      const provider = p.providerA.account.address;
      const exitAt = BigInt(await networkHelpers.time.latest()) + 1n;
      await networkHelpers.time.setNextBlockTimestamp(exitAt);
      await p.committee.write.exit({ account: p.providerA.account });
      await p.disputes.write.challenge([p.jobId, 3n, CLAIMED_HASH], { account: p.challenger.account });
      assert.equal((await p.stakeManager.read.stakeOf([provider])).locked, ORDER.minStake + VALIDATOR_STAKE);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.committee.write.release([provider], { account: p.providerA.account }),
        p.committee,
        "ValidatorCommitteeExitDelayNotOver",
        [provider, exitAt + EXIT_DELAY],
      );
    });

    it("keeps a validator that exits after the request on its committee, able to sign", async () => {
      const p = await networkHelpers.loadFixture(withProviderValidator);
      await p.disputes.write.challenge([p.jobId, 3n, CLAIMED_HASH], { account: p.challenger.account });
      for (const v of [...p.validators.slice(0, 8), p.providerA]) await p.committee.write.exit({ account: v.account });
      await drawCommittee(p, 1n);
      const memberWallets = await memberWalletsOf(p, 1n);
      assert.equal(memberWallets.length, 9, "all nine were validators at the request");
      const q = { ...p, disputeId: 1n, memberWallets };
      const { bitmap, signatures } = await verdict(q, false, [0, 1, 2, 3, 4]);
      await p.disputes.write.settle([1n, false, bitmap, signatures]);
      assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.ChallengerWrong);
      await networkHelpers.time.increase(VERDICT_PERIOD);
      const member = p.validators[0]!.account.address;
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.committee.write.release([member]),
        p.committee,
        "ValidatorCommitteeExitDelayNotOver",
        [member, BigInt((await p.committee.read.validatorOf([member])).leftAt) + EXIT_DELAY],
      );
    });
  });

  describe("when no committee can be drawn", () => {
    /** Checks that dispute 1 on job 1 expires NoCommittee: job Failed, consumer refunded, provider unpaid and unslashed, bond back. */
    async function assertEndsWithoutCommittee(p: Protocol & { jobId: bigint }) {
      const before = await partiesOf(p);
      const { verdictDeadline } = await p.disputes.read.getDispute([1n]);
      if (BigInt(await networkHelpers.time.latest()) < BigInt(verdictDeadline)) await networkHelpers.time.setNextBlockTimestamp(verdictDeadline);
      const expire = p.disputes.write.expire([1n], { account: p.outsider.account });
      await viem.assertions.emitWithArgs(expire, p.disputes, "DisputeNoCommittee", [1n]);
      const [failed] = await p.jobRegistry.getEvents.JobFailed({ jobId: p.jobId }, { fromBlock: 0n });
      assert.deepEqual([failed!.args.slashed, failed!.args.refund], [0n, ORDER.reward]);
      const after = await partiesOf(p);
      assert.equal(after.consumer, before.consumer + ORDER.reward, "the whole escrow back to the consumer");
      assert.equal(after.provider, before.provider, "the provider is not paid");
      assert.equal(after.challenger, before.challenger + BOND, "the bond back to the challenger");
      assert.equal(after.treasury, before.treasury, "nothing slashed");
      assert.deepEqual(
        [after.providerStake.locked, after.providerStake.available],
        [before.providerStake.locked - ORDER.minStake, before.providerStake.available + ORDER.minStake],
        "the provider's stake unlocked, whole",
      );
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Failed);
      assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.NoCommittee);
      assert.equal(await p.token.read.balanceOf([p.jobRegistry.address]), 0n);
      assert.equal(await p.token.read.balanceOf([p.disputes.address]), 0n);
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.expire([1n]), p.disputes, "DisputesNotOpen", [1n, DisputeStatus.NoCommittee]);
    }

    it("opens a challenge although the VRF subscription no longer lists the committee; it ends unpaid and unslashed", async () => {
      const p = await networkHelpers.loadFixture(withValidators);
      const { subscriptionId } = await p.committee.read.config();
      await p.vrfCoordinator.write.removeConsumer([subscriptionId, p.committee.address]);
      const challenge = p.disputes.write.challenge([p.jobId, 3n, CLAIMED_HASH], { account: p.challenger.account });
      await viem.assertions.emitWithArgs(challenge, p.committee, "CommitteeRequestFailed", [1n]);
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Disputed);
      assert.equal((await p.committee.read.requestOf([1n])).status, 2, "RequestFailed");
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.settle([1n, true, 31n, []]), p.committee, "ValidatorCommitteeNotDrawn", [1n]);
      await assertEndsWithoutCommittee(p);
    });

    it("refuses a challenge made from inside a VRF callback, where the coordinator refuses every request: no dispute without a committee request (security review)", async () => {
      const p = await networkHelpers.loadFixture(withValidators);
      // The attacker: a consumer of a subscription of its own on the same coordinator, holding the bond.
      const { address }: { address: Address } = await viem.deployContract("VrfCallbackChallenger", [p.vrfCoordinator.address, p.disputes.address]);
      const [deployer] = await viem.getWalletClients();
      const attacker = getContract({ address, abi: CALLBACK_CHALLENGER_ABI, client: { public: await viem.getPublicClient(), wallet: deployer! } });
      await p.token.write.transfer([attacker.address, BOND], { account: p.challenger.account });
      await p.vrfCoordinator.write.createSubscription();
      const [created] = (await p.vrfCoordinator.getEvents.SubscriptionCreated({}, { fromBlock: 0n })).slice(-1);
      const subscriptionId = created!.args.subId!;
      await p.vrfCoordinator.write.addConsumer([subscriptionId, attacker.address]);
      await p.vrfCoordinator.write.fundSubscription([subscriptionId, parseEther("100")]);
      await attacker.write.arm([p.token.address, subscriptionId, p.jobId, 3n, CLAIMED_HASH]);
      const [requested] = (await p.vrfCoordinator.getEvents.RandomWordsRequested({}, { fromBlock: 0n })).slice(-1);
      await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, attacker.address]);
      assert.equal(await attacker.read.answered(), true, "the callback ran");
      assert.equal(
        await attacker.read.failure(),
        encodeErrorResult({ abi: p.committee.abi, errorName: "VrfConsumerRequestReentered", args: [p.vrfCoordinator.address] }),
        "the challenge reverted with the re-entered request",
      );
      assert.equal(await p.disputes.read.disputeCount(), 0n, "no dispute opened");
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Submitted);
      assert.equal(await p.token.read.balanceOf([attacker.address]), BOND, "the bond stays with the attacker");
      // An honest challenge outside any callback requests its committee as usual.
      await viem.assertions.emit(p.disputes.write.challenge([p.jobId, 3n, CLAIMED_HASH], { account: p.challenger.account }), p.committee, "CommitteeRequested");
    });

    it("opens a challenge with no validator at all; it ends unpaid and unslashed", async () => {
      const p = await networkHelpers.loadFixture(withSubmittedJob);
      await p.disputes.write.challenge([p.jobId, 3n, CLAIMED_HASH], { account: p.challenger.account });
      await drawCommittee(p, 1n);
      assert.deepEqual(await p.committee.read.committeeOf([1n]), []);
      await assertEndsWithoutCommittee(p);
    });

    it("ends unpaid and unslashed when fewer than threshold validators were eligible", async () => {
      const p = await networkHelpers.loadFixture(withSubmittedJob);
      for (const v of p.validators.slice(0, 4)) {
        await stake(p, v, VALIDATOR_STAKE);
        await p.committee.write.join({ account: v.account });
      }
      await p.disputes.write.challenge([p.jobId, 3n, CLAIMED_HASH], { account: p.challenger.account });
      await drawCommittee(p, 1n);
      assert.equal((await p.committee.read.committeeOf([1n])).length, 4);
      await assertEndsWithoutCommittee(p);
    });

    it("ends unpaid and unslashed when the VRF answers only after the verdict deadline", async () => {
      const p = await networkHelpers.loadFixture(withOpenDispute);
      await networkHelpers.time.increaseTo((await p.disputes.read.getDispute([1n])).verdictDeadline);
      await drawCommittee(p, 1n);
      assert.equal((await p.committee.read.committeeOf([1n])).length, 9, "drawn, but too late to judge");
      await assertEndsWithoutCommittee(p);
    });
  });

  describe("settle", () => {
    it("slashes a wrong provider, refunds the consumer and returns the bond (5 of 9)", async () => {
      const p = await networkHelpers.loadFixture(withCommittee);
      const { bitmap, signatures } = await verdict(p, true, [0, 2, 4, 6, 8]);
      const c0 = await p.token.read.balanceOf([p.consumer.account.address]);
      const ch0 = await p.token.read.balanceOf([p.challenger.account.address]);
      await viem.assertions.emitWithArgs(
        p.disputes.write.settle([p.disputeId, true, bitmap, signatures], { account: p.outsider.account }),
        p.disputes,
        "DisputeSettled",
        [p.disputeId, true, p.challenger.account.address, bitmap],
      );
      assert.equal(await p.token.read.balanceOf([p.consumer.account.address]), c0 + ORDER.reward);
      assert.equal(await p.token.read.balanceOf([p.challenger.account.address]), ch0 + BOND + ORDER.minStake / 2n);
      const provider = await p.stakeManager.read.stakeOf([p.providerA.account.address]);
      assert.equal(provider.locked, 0n);
      assert.equal(provider.available, parseEther("2000") - ORDER.minStake);
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Failed);
      assert.equal((await p.disputes.read.getDispute([p.disputeId])).status, DisputeStatus.ProviderWrong);
      assert.equal(await p.token.read.balanceOf([p.disputes.address]), 0n);
      assert.equal(await p.token.read.balanceOf([p.jobRegistry.address]), 0n);
    });

    it("gives a right provider its share of the lost bond and resumes the window", async () => {
      const p = await networkHelpers.loadFixture(withCommittee);
      const { bitmap, signatures } = await verdict(p, false, [1, 3, 5, 7, 8]);
      const remaining = BigInt((await p.disputes.read.getDispute([p.disputeId])).windowRemaining);
      const providerBefore = await p.token.read.balanceOf([p.providerA.account.address]);
      const now = BigInt(await networkHelpers.time.latest()) + 100n;
      await networkHelpers.time.setNextBlockTimestamp(now);
      await viem.assertions.emitWithArgs(
        p.disputes.write.settle([p.disputeId, false, bitmap, signatures]),
        p.jobRegistry,
        "JobResumed",
        [p.jobId, now + remaining],
      );
      assert.equal(await p.token.read.balanceOf([p.providerA.account.address]), providerBefore + BOND / 2n, "the accused's share of the lost bond");
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Submitted);
      await networkHelpers.time.setNextBlockTimestamp(now + remaining);
      await p.jobRegistry.write.finalize([p.jobId]);
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Finalized);
    });

    it("rejects fewer than five signatures and a bitmap/signature mismatch", async () => {
      const p = await networkHelpers.loadFixture(withCommittee);
      const four = await verdict(p, true, [0, 1, 2, 3]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.settle([p.disputeId, true, four.bitmap, four.signatures]),
        p.committee,
        "ValidatorCommitteeTooFewSignatures",
        [p.disputeId, 4n, 5n],
      );
      const five = await verdict(p, true, [0, 1, 2, 3, 4]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.settle([p.disputeId, true, five.bitmap, five.signatures.slice(0, 4)]),
        p.committee,
        "ValidatorCommitteeSignatureCountMismatch",
        [5n, 4n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.settle([p.disputeId, true, five.bitmap | (1n << 9n), [...five.signatures, five.signatures[0]!]]),
        p.committee,
        "ValidatorCommitteeInvalidBitmap",
        [five.bitmap | (1n << 9n), 9n],
      );
    });

    it("rejects duplicate signers, non-members, a wrong domain and a flipped verdict", async () => {
      const p = await networkHelpers.loadFixture(withCommittee);
      const five = await verdict(p, true, [0, 1, 2, 3, 4]);
      const members = await p.committee.read.committeeOf([p.disputeId]);

      const duplicate = [...five.signatures];
      duplicate[1] = duplicate[0]!;
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.settle([p.disputeId, true, five.bitmap, duplicate]),
        p.committee,
        "ValidatorCommitteeInvalidSignature",
        [p.disputeId, 1n, members[0]!],
      );

      const outsider = [...five.signatures];
      outsider[2] = await signVerdict(p, p.outsider, p.disputeId, true);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.settle([p.disputeId, true, five.bitmap, outsider]),
        p.committee,
        "ValidatorCommitteeInvalidSignature",
        [p.disputeId, 2n, p.outsider.account.address],
      );

      for (const domain of [{ chainId: 1 }, { verifyingContract: p.jobRegistry.address }, { name: "other" }]) {
        const wrongDomain = [...five.signatures];
        wrongDomain[3] = await signVerdict(p, p.memberWallets[3]!, p.disputeId, true, domain);
        await viem.assertions.revertWithCustomErrorWithArgs(
          p.disputes.write.settle([p.disputeId, true, five.bitmap, wrongDomain]),
          p.committee,
          "ValidatorCommitteeInvalidSignature",
          [p.disputeId, 3n, (signer: string) => signer.toLowerCase() !== members[3]!.toLowerCase()],
        );
      }

      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.settle([p.disputeId, false, five.bitmap, five.signatures]),
        p.committee,
        "ValidatorCommitteeInvalidSignature",
        [p.disputeId, 0n, (signer: string) => signer.toLowerCase() !== members[0]!.toLowerCase()],
      );
      assert.equal((await p.disputes.read.getDispute([p.disputeId])).status, DisputeStatus.Open);
    });

    it("rejects a verdict before the draw, a late verdict, a replay and an unknown dispute", async () => {
      const early = await networkHelpers.loadFixture(withOpenDispute);
      await viem.assertions.revertWithCustomErrorWithArgs(
        early.disputes.write.settle([early.disputeId, true, 31n, []]),
        early.committee,
        "ValidatorCommitteeNotDrawn",
        [early.disputeId],
      );

      const p = await networkHelpers.loadFixture(withCommittee);
      const { bitmap, signatures } = await verdict(p, true, [0, 1, 2, 3, 4]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.settle([9n, true, bitmap, signatures]),
        p.disputes,
        "DisputesUnknownDispute",
        [9n],
      );
      const { verdictDeadline } = await p.disputes.read.getDispute([p.disputeId]);
      await networkHelpers.time.setNextBlockTimestamp(verdictDeadline);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.settle([p.disputeId, true, bitmap, signatures]),
        p.disputes,
        "DisputesVerdictTooLate",
        [p.disputeId, BigInt(verdictDeadline)],
      );

      const q = await networkHelpers.loadFixture(withCommittee);
      const settled = await verdict(q, true, [0, 1, 2, 3, 4]);
      await q.disputes.write.settle([q.disputeId, true, settled.bitmap, settled.signatures]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        q.disputes.write.settle([q.disputeId, true, settled.bitmap, settled.signatures]),
        q.disputes,
        "DisputesNotOpen",
        [q.disputeId, DisputeStatus.ProviderWrong],
      );
    });
  });

  describe("expire", () => {
    it("voids a dispute without a verdict: bond back, window resumed", async () => {
      const p = await networkHelpers.loadFixture(withCommittee);
      const { verdictDeadline, windowRemaining } = await p.disputes.read.getDispute([p.disputeId]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.expire([p.disputeId]),
        p.disputes,
        "DisputesVerdictDeadlineNotReached",
        [p.disputeId, BigInt(verdictDeadline)],
      );
      await networkHelpers.time.setNextBlockTimestamp(verdictDeadline);
      const before = await p.token.read.balanceOf([p.challenger.account.address]);
      await viem.assertions.emitWithArgs(p.disputes.write.expire([p.disputeId]), p.jobRegistry, "JobResumed", [
        p.jobId,
        BigInt(verdictDeadline) + BigInt(windowRemaining),
      ]);
      assert.equal(await p.token.read.balanceOf([p.challenger.account.address]), before + BOND);
      assert.equal((await p.disputes.read.getDispute([p.disputeId])).status, DisputeStatus.Expired);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.expire([p.disputeId]),
        p.disputes,
        "DisputesNotOpen",
        [p.disputeId, DisputeStatus.Expired],
      );
    });

    it("is driven by upkeep once due", async () => {
      const p = await networkHelpers.loadFixture(withCommittee);
      assert.equal((await p.disputes.read.checkUpkeep(["0x"]))[0], false);
      await networkHelpers.time.increase(VERDICT_PERIOD);
      const [needed, performData] = await p.disputes.read.checkUpkeep(["0x"]);
      assert.equal(needed, true);
      await p.disputes.write.performUpkeep([performData], { account: p.outsider.account });
      assert.equal((await p.disputes.read.getDispute([p.disputeId])).status, DisputeStatus.Expired);
      await p.disputes.write.performUpkeep([performData], { account: p.outsider.account });
      assert.equal(await p.token.read.balanceOf([p.disputes.address]), 0n);
    });
  });

  it("rejects invalid constructor parameters by name", async () => {
    const p = await networkHelpers.loadFixture(withSubmittedJob);
    const [jobs, rounds, vm] = [p.jobRegistry.address, p.roundJobRegistry.address, p.trainingVm.address];
    const deployer = (await viem.deployContract("RefereeDeployer")).address;
    const cases = [
      ["jobRegistry", [zeroAddress, rounds, p.committee.address, BOND, 2, vm, 1n, 1, deployer]],
      ["roundJobRegistry", [jobs, zeroAddress, p.committee.address, BOND, 2, vm, 1n, 1, deployer]],
      ["committee", [jobs, rounds, zeroAddress, BOND, 2, vm, 1n, 1, deployer]],
      ["challengeBond", [jobs, rounds, p.committee.address, 0n, 2, vm, 1n, 1, deployer]],
      ["verdictPeriod", [jobs, rounds, p.committee.address, BOND, 0, vm, 1n, 1, deployer]],
      ["refereeDeployer", [jobs, rounds, p.committee.address, BOND, 2, vm, 1n, 1, zeroAddress]],
    ] as const;
    for (const [name, args] of cases) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("Disputes", args as never),
        p.disputes,
        "DisputesInvalidParameter",
        [name],
      );
    }
  });

  it("rejects a verdict period not shorter than the committee's exit delay", async () => {
    const p = await networkHelpers.loadFixture(withSubmittedJob);
    assert.equal(BigInt(await p.committee.read.exitDelay()), EXIT_DELAY);
    const deployer = (await viem.deployContract("RefereeDeployer")).address;
    for (const verdictPeriod of [EXIT_DELAY, EXIT_DELAY + 1n]) {
      await viem.assertions.revertWithCustomErrorWithArgs(
        viem.deployContract("Disputes", [p.jobRegistry.address, p.roundJobRegistry.address, p.committee.address, BOND, Number(verdictPeriod), p.trainingVm.address, CLOCK_BUDGET, 1, deployer]),
        p.disputes,
        "DisputesVerdictPeriodNotBelowExitDelay",
        [verdictPeriod, EXIT_DELAY],
      );
    }
    await viem.deployContract("Disputes", [p.jobRegistry.address, p.roundJobRegistry.address, p.committee.address, BOND, Number(EXIT_DELAY - 1n), p.trainingVm.address, CLOCK_BUDGET, 1, deployer]);
  });

  it("rejects a force period of 0 or not shorter than the verdict period, and passes the game's and the referee's parameters on", async () => {
    const p = await networkHelpers.loadFixture(withSubmittedJob);
    const deployer = await viem.deployContract("RefereeDeployer");
    const deploy = (forcePeriod: number, clockBudget = CLOCK_BUDGET, machine: Address = p.trainingVm.address) =>
      viem.deployContract("Disputes", [p.jobRegistry.address, p.roundJobRegistry.address, p.committee.address, BOND, 100, machine, clockBudget, forcePeriod, deployer.address]);
    for (const forcePeriod of [0, 100, 101]) {
      await viem.assertions.revertWithCustomErrorWithArgs(deploy(forcePeriod), p.disputes, "DisputesForcePeriodNotBelowVerdictPeriod", [BigInt(forcePeriod), 100n]);
    }
    // The game Disputes deploys checks its own parameters (docs/dispute-game.md §3).
    await viem.assertions.revertWithCustomErrorWithArgs(deploy(99, 0n), p.bisectionGame, "GameInvalidParameter", ["clockBudget"]);
    await viem.assertions.revertWithCustomErrorWithArgs(deploy(99, CLOCK_BUDGET, zeroAddress), p.bisectionGame, "GameInvalidParameter", ["machine"]);
    const disputes = await deploy(99);
    const game = await viem.getContractAt("BisectionGame", await disputes.read.game());
    assert.deepEqual(
      [await game.read.referee(), await game.read.machine(), await game.read.moveBond(), await game.read.clockBudget(), await game.read.token()],
      [getAddress(disputes.address), getAddress(p.trainingVm.address), BOND, CLOCK_BUDGET, getAddress(p.token.address)],
    );
    assert.equal(await disputes.read.forcePeriod(), 99);
    // The referee the deployer made for this Disputes (its caller) serves it alone.
    const referee = await viem.getContractAt("AggregateReferee", await disputes.read.referee());
    assert.deepEqual([await referee.read.disputes(), await referee.read.roundJobRegistry()], [getAddress(disputes.address), getAddress(p.roundJobRegistry.address)]);
    const [deployed] = await deployer.getEvents.RefereeDeployed({}, { fromBlock: 0n });
    assert.deepEqual(deployed?.args, { disputes: getAddress(disputes.address), referee: getAddress(referee.address) });
    assert.notEqual(referee.address, await p.disputes.read.referee(), "each Disputes has its own referee");
  });
});
