import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keccak256, parseEther, stringToHex, zeroAddress, zeroHash, type Hex } from "viem";
import {
  DisputeStatus,
  JobStatus,
  networkHelpers,
  ORDER,
  stake,
  viem,
  withSubmittedJob,
  type Protocol,
} from "./fixture.ts";

const CLAIMED_HASH = keccak256(stringToHex("the checkpoint hash the challenger computed"));
const BOND = parseEther("100");
const VALIDATOR_STAKE = parseEther("1000");
const VERDICT_PERIOD = 24n * 3600n;

type Wallet = Protocol["consumer"];

/** Job 1 submitted and nine staked validators joined. */
async function withValidators() {
  const p = await withSubmittedJob();
  for (const v of p.validators) {
    await stake(p, v, VALIDATOR_STAKE);
    await p.committee.write.join({ account: v.account });
  }
  return p;
}

/** Dispute 1 opened by the challenger on job 1's checkpoint 3, committee not yet drawn. */
async function withOpenDispute() {
  const p = await withValidators();
  await p.disputes.write.challenge([p.jobId, 3n, CLAIMED_HASH], { account: p.challenger.account });
  return { ...p, disputeId: 1n };
}

/** Dispute 1 with its committee drawn. */
async function withCommittee() {
  const p = await withOpenDispute();
  const [requested] = await p.committee.getEvents.CommitteeRequested({ disputeId: p.disputeId }, { fromBlock: 0n });
  await p.vrfCoordinator.write.fulfillRandomWords([requested!.args.requestId!, p.committee.address]);
  const members = await p.committee.read.committeeOf([p.disputeId]);
  const byAddress = new Map(p.validators.map((v) => [v.account.address.toLowerCase(), v]));
  return { ...p, memberWallets: members.map((m) => byAddress.get(m.toLowerCase())!) };
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
async function verdict(p: Awaited<ReturnType<typeof withCommittee>>, providerWrong: boolean, positions: number[]) {
  const signatures = await Promise.all(positions.map((i) => signVerdict(p, p.memberWallets[i]!, p.disputeId, providerWrong)));
  const bitmap = positions.reduce((acc, i) => acc | (1n << BigInt(i)), 0n);
  return { bitmap, signatures };
}

describe("ValidatorCommittee", () => {
  it("locks stake on join and unlocks it on exit", async () => {
    const p = await networkHelpers.loadFixture(withSubmittedJob);
    const v = p.validators[0]!;
    await stake(p, v, VALIDATOR_STAKE);
    await viem.assertions.emitWithArgs(p.committee.write.join({ account: v.account }), p.committee, "ValidatorJoined", [
      v.account.address,
      VALIDATOR_STAKE,
    ]);
    assert.equal((await p.stakeManager.read.stakeOf([v.account.address])).locked, VALIDATOR_STAKE);
    await viem.assertions.revertWithCustomErrorWithArgs(
      p.committee.write.join({ account: v.account }),
      p.committee,
      "ValidatorCommitteeAlreadyValidator",
      [v.account.address],
    );
    await viem.assertions.emitWithArgs(p.committee.write.exit({ account: v.account }), p.committee, "ValidatorExited", [
      v.account.address,
    ]);
    assert.equal((await p.stakeManager.read.stakeOf([v.account.address])).locked, 0n);
    assert.deepEqual(await p.committee.read.validators(), []);
    await viem.assertions.revertWithCustomErrorWithArgs(
      p.committee.write.exit({ account: v.account }),
      p.committee,
      "ValidatorCommitteeNotValidator",
      [v.account.address],
    );
  });

  it("keeps the validator list consistent when a middle validator exits", async () => {
    const p = await networkHelpers.loadFixture(withValidators);
    const leaving = p.validators[2]!;
    await p.committee.write.exit({ account: leaving.account });
    const remaining = (await p.committee.read.validators()).map((a) => a.toLowerCase());
    assert.equal(remaining.length, 8);
    assert.ok(!remaining.includes(leaving.account.address));
    await p.committee.write.join({ account: leaving.account });
    assert.equal((await p.committee.read.validators()).length, 9);
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

  it("draws nine distinct validators from the VRF seed", async () => {
    const p = await networkHelpers.loadFixture(withCommittee);
    const members = await p.committee.read.committeeOf([p.disputeId]);
    assert.equal(new Set(members.map((m) => m.toLowerCase())).size, 9);
    const [drawn] = await p.committee.getEvents.CommitteeDrawn({ disputeId: p.disputeId }, { fromBlock: 0n });
    assert.deepEqual(drawn!.args.members, members);
  });

  it("accepts randomness only from the coordinator, for its own requests", async () => {
    const p = await networkHelpers.loadFixture(withOpenDispute);
    await viem.assertions.revertWithCustomError(
      p.committee.write.rawFulfillRandomWords([1n, [5n]], { account: p.outsider.account }),
      p.committee,
      "OnlyCoordinatorCanFulfill",
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

  it("refuses a second committee for the same dispute", async () => {
    const p = await networkHelpers.loadFixture(withSubmittedJob);
    const admin = p.deployer.account.address;
    const stakeManager = await viem.deployContract("StakeManager", [p.token.address, admin, 1n, 0, admin]);
    const config = { ...(await p.committee.read.config()), size: 1, threshold: 1, validatorStake: 1n };
    const standalone = await viem.deployContract("ValidatorCommittee", [p.vrfCoordinator.address, p.governance.address, stakeManager.address, config, admin]);
    await stakeManager.write.grantRole([keccak256(stringToHex("MODULE_ROLE")), standalone.address]);
    await standalone.write.grantRole([keccak256(stringToHex("REQUESTER_ROLE")), admin]);
    await p.vrfCoordinator.write.addConsumer([config.subscriptionId, standalone.address]);
    await p.token.write.approve([stakeManager.address, 1n]);
    await stakeManager.write.stake([1n]);
    await standalone.write.join();
    await standalone.write.requestCommittee([1n]);
    await viem.assertions.revertWithCustomErrorWithArgs(
      standalone.write.requestCommittee([1n]),
      standalone,
      "ValidatorCommitteeAlreadyRequested",
      [1n],
    );
  });

  it("rejects invalid constructor parameters by name", async () => {
    const p = await networkHelpers.loadFixture(withSubmittedJob);
    const config = await p.committee.read.config();
    const admin = p.deployer.account.address;
    const cases = [
      ["stakeManager", [p.vrfCoordinator.address, p.governance.address, zeroAddress, config, admin]],
      ["threshold", [p.vrfCoordinator.address, p.governance.address, p.stakeManager.address, { ...config, threshold: 0 }, admin]],
      ["threshold", [p.vrfCoordinator.address, p.governance.address, p.stakeManager.address, { ...config, threshold: 10 }, admin]],
      ["validatorStake", [p.vrfCoordinator.address, p.governance.address, p.stakeManager.address, { ...config, validatorStake: 0n }, admin]],
      ["admin", [p.vrfCoordinator.address, p.governance.address, p.stakeManager.address, config, zeroAddress]],
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

    it("rejects a challenge when there are too few validators, leaving no state", async () => {
      const p = await networkHelpers.loadFixture(withSubmittedJob);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.disputes.write.challenge([p.jobId, 3n, CLAIMED_HASH], { account: p.challenger.account }),
        p.committee,
        "ValidatorCommitteeNotEnoughValidators",
        [0n, 9n],
      );
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Submitted);
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

    it("pays the bond to a right provider and resumes the window", async () => {
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
      assert.equal(await p.token.read.balanceOf([p.providerA.account.address]), providerBefore + BOND);
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
    const cases = [
      ["jobRegistry", [zeroAddress, p.committee.address, BOND, 1]],
      ["committee", [p.jobRegistry.address, zeroAddress, BOND, 1]],
      ["challengeBond", [p.jobRegistry.address, p.committee.address, 0n, 1]],
      ["verdictPeriod", [p.jobRegistry.address, p.committee.address, BOND, 0]],
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
});
