import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeAbiParameters, keccak256, parseEther, stringToHex, zeroAddress, zeroHash } from "viem";
import { PERMIT_TYPES } from "../../keepers/src/chain/permitTypedData.ts";
import {
  withDataset,
  JobStatus,
  networkHelpers,
  ORDER,
  postJob,
  TRACE_ROOT,
  viem,
  RESULT_DIGEST,
  withAssignedJob,
  withOpenJob,
  withSubmittedJob,
  type Protocol,
} from "./fixture.ts";

const DISPUTES_ROLE = keccak256(stringToHex("DISPUTES_ROLE"));

async function balance(p: Protocol, address: `0x${string}`) {
  return p.token.read.balanceOf([address]);
}

async function stakeOf(p: Protocol, address: `0x${string}`) {
  return p.stakeManager.read.stakeOf([address]);
}

describe("JobRegistry", () => {
  describe("constructor", () => {
    it("rejects a zero stake manager, dataset registry, challenge-window cap or admin", async () => {
      const p = await networkHelpers.loadFixture(withDataset);
      const [admin, stakes, datasets] = [p.deployer.account.address, p.stakeManager.address, p.datasetRegistry.address];
      for (const [name, args] of [
        ["stakeManager", [zeroAddress, datasets, 1, admin]],
        ["datasetRegistry", [stakes, zeroAddress, 1, admin]],
        ["maxChallengeWindow", [stakes, datasets, 0, admin]],
        ["admin", [stakes, datasets, 1, zeroAddress]],
      ] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          viem.deployContract("JobRegistry", args),
          p.jobRegistry,
          "JobRegistryInvalidParameter",
          [name],
        );
      }
    });
  });

  describe("post", () => {
    it("escrows the reward and opens bidding", async () => {
      const p = await networkHelpers.loadFixture(withDataset);
      const before = await balance(p, p.consumer.account.address);
      await viem.assertions.emitWithArgs(
        p.jobRegistry.write.post([ORDER], { account: p.consumer.account }),
        p.jobRegistry,
        "JobPosted",
        [1n, p.consumer.account.address, ORDER, BigInt(await networkHelpers.time.latest()) + 1n + BigInt(ORDER.biddingPeriod)],
      );
      assert.equal(await balance(p, p.consumer.account.address), before - ORDER.reward);
      assert.equal(await balance(p, p.jobRegistry.address), ORDER.reward);
      const job = await p.jobRegistry.read.getJob([1n]);
      assert.equal(job.status, JobStatus.Bidding);
      assert.equal(job.consumer.toLowerCase(), p.consumer.account.address);
      assert.equal(job.specDigest, ORDER.specDigest);
      assert.equal(job.datasetId, ORDER.datasetId);
      assert.equal(await p.jobRegistry.read.jobCount(), 1n);
    });

    it("stores the training-VM program an order commits (zero: committee disputes only)", async () => {
      const p = await networkHelpers.loadFixture(withDataset);
      const program = keccak256(stringToHex("a program"));
      await p.jobRegistry.write.post([{ ...ORDER, program }], { account: p.consumer.account });
      await p.jobRegistry.write.post([ORDER], { account: p.consumer.account });
      assert.deepEqual([await p.jobRegistry.read.programOf([1n]), (await p.jobRegistry.read.getJob([1n])).program], [program, program]);
      assert.equal(await p.jobRegistry.read.programOf([2n]), zeroHash);
      assert.equal(await p.jobRegistry.read.programOf([3n]), zeroHash, "no such job");
    });

    for (const [field, bad] of [
      ["reward", { reward: 0n }],
      ["minStake", { minStake: 0n }],
      ["specDigest", { specDigest: zeroHash }],
      ["biddingPeriod", { biddingPeriod: 0 }],
      ["executionPeriod", { executionPeriod: 0 }],
      ["challengeWindow", { challengeWindow: 0 }],
    ] as const) {
      it(`rejects a zero ${field} and stores nothing`, async () => {
        const p = await networkHelpers.loadFixture(withDataset);
        await viem.assertions.revertWithCustomErrorWithArgs(
          p.jobRegistry.write.post([{ ...ORDER, ...bad }], { account: p.consumer.account }),
          p.jobRegistry,
          "JobRegistryInvalidOrder",
          [field],
        );
        assert.equal(await p.jobRegistry.read.jobCount(), 0n);
      });
    }

    it("rejects an order for a dataset that is not active and stores nothing", async () => {
      const p = await networkHelpers.loadFixture(withDataset);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.post([{ ...ORDER, datasetId: 2n }], { account: p.consumer.account }),
        p.jobRegistry,
        "JobRegistryDatasetNotActive",
        [2n],
      );
      assert.equal(await p.jobRegistry.read.jobCount(), 0n);
    });

    it("rejects an order the consumer cannot fund and stores nothing", async () => {
      const p = await networkHelpers.loadFixture(withDataset);
      await viem.assertions.revertWithCustomError(
        p.jobRegistry.write.post([{ ...ORDER, reward: parseEther("2000000") }], { account: p.consumer.account }),
        p.token,
        "ERC20InsufficientBalance",
      );
      assert.equal(await p.jobRegistry.read.jobCount(), 0n);
    });
  });

  describe("postWithPermit", () => {
    async function signPermit(p: Protocol, value: bigint, deadline: bigint) {
      const owner = p.deployer.account.address;
      const nonce = await p.token.read.nonces([owner]);
      const signature = await p.deployer.signTypedData({
        domain: {
          name: "Veritrain Test Token",
          version: "1",
          chainId: await (await viem.getPublicClient()).getChainId(),
          verifyingContract: p.token.address,
        },
        types: PERMIT_TYPES,
        primaryType: "Permit",
        message: { owner, spender: p.jobRegistry.address, value, nonce, deadline },
      });
      const r = `0x${signature.slice(2, 66)}` as const;
      const s = `0x${signature.slice(66, 130)}` as const;
      const v = Number.parseInt(signature.slice(130, 132), 16);
      return { v, r, s };
    }

    it("posts without a prior approval", async () => {
      const p = await networkHelpers.loadFixture(withDataset);
      const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
      const { v, r, s } = await signPermit(p, ORDER.reward, deadline);
      await p.jobRegistry.write.postWithPermit([ORDER, deadline, v, r, s]);
      assert.equal((await p.jobRegistry.read.getJob([1n])).consumer.toLowerCase(), p.deployer.account.address);
      assert.equal(await balance(p, p.jobRegistry.address), ORDER.reward);
    });

    it("still posts when a front-runner used the permit first", async () => {
      const p = await networkHelpers.loadFixture(withDataset);
      const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
      const { v, r, s } = await signPermit(p, ORDER.reward, deadline);
      await p.token.write.permit([p.deployer.account.address, p.jobRegistry.address, ORDER.reward, deadline, v, r, s], {
        account: p.outsider.account,
      });
      await p.jobRegistry.write.postWithPermit([ORDER, deadline, v, r, s]);
      assert.equal(await p.jobRegistry.read.jobCount(), 1n);
    });

    it("fails cleanly with a bad permit and no allowance", async () => {
      const p = await networkHelpers.loadFixture(withDataset);
      const deadline = BigInt(await networkHelpers.time.latest()) + 3600n;
      const { v, r, s } = await signPermit(p, ORDER.reward - 1n, deadline);
      await viem.assertions.revertWithCustomError(
        p.jobRegistry.write.postWithPermit([ORDER, deadline, v, r, s]),
        p.token,
        "ERC20InsufficientAllowance",
      );
      assert.equal(await p.jobRegistry.read.jobCount(), 0n);
    });
  });

  describe("bid", () => {
    it("locks the leader's stake and unlocks it when outbid", async () => {
      const p = await networkHelpers.loadFixture(withOpenJob);
      const a = p.providerA.account.address;
      const b = p.providerB.account.address;
      await viem.assertions.emitWithArgs(
        p.jobRegistry.write.bid([p.jobId, parseEther("900")], { account: p.providerA.account }),
        p.jobRegistry,
        "BidPlaced",
        [p.jobId, a, parseEther("900")],
      );
      assert.equal((await stakeOf(p, a)).locked, ORDER.minStake);
      await p.jobRegistry.write.bid([p.jobId, parseEther("800")], { account: p.providerB.account });
      assert.equal((await stakeOf(p, a)).locked, 0n);
      assert.equal((await stakeOf(p, b)).locked, ORDER.minStake);
      const job = await p.jobRegistry.read.getJob([p.jobId]);
      assert.equal(job.provider.toLowerCase(), b);
      assert.equal(job.price, parseEther("800"));
    });

    it("lets the leader lower its own bid without locking twice", async () => {
      const p = await networkHelpers.loadFixture(withOpenJob);
      await p.jobRegistry.write.bid([p.jobId, parseEther("900")], { account: p.providerA.account });
      await p.jobRegistry.write.bid([p.jobId, parseEther("850")], { account: p.providerA.account });
      assert.equal((await stakeOf(p, p.providerA.account.address)).locked, ORDER.minStake);
    });

    it("rejects a bid above the reward, a tie and a zero bid", async () => {
      const p = await networkHelpers.loadFixture(withOpenJob);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.bid([p.jobId, ORDER.reward + 1n], { account: p.providerA.account }),
        p.jobRegistry,
        "JobRegistryBidTooHigh",
        [p.jobId, ORDER.reward + 1n, ORDER.reward],
      );
      await p.jobRegistry.write.bid([p.jobId, parseEther("700")], { account: p.providerA.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.bid([p.jobId, parseEther("700")], { account: p.providerB.account }),
        p.jobRegistry,
        "JobRegistryBidTooHigh",
        [p.jobId, parseEther("700"), parseEther("700") - 1n],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.bid([p.jobId, 0n], { account: p.providerB.account }),
        p.jobRegistry,
        "JobRegistryZeroBid",
        [p.jobId],
      );
    });

    it("rejects a bidder without enough free stake", async () => {
      const p = await networkHelpers.loadFixture(withOpenJob);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.bid([p.jobId, 1n], { account: p.outsider.account }),
        p.stakeManager,
        "StakeManagerInsufficientAvailable",
        [p.outsider.account.address, 0n, ORDER.minStake],
      );
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).provider, zeroAddress);
    });

    it("rejects unknown jobs, closed auctions and late bids", async () => {
      const p = await networkHelpers.loadFixture(withOpenJob);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.bid([99n, 1n], { account: p.providerA.account }),
        p.jobRegistry,
        "JobRegistryUnknownJob",
        [99n],
      );
      const deadline = (await p.jobRegistry.read.getJob([p.jobId])).deadline;
      await networkHelpers.time.setNextBlockTimestamp(deadline);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.bid([p.jobId, 1n], { account: p.providerA.account }),
        p.jobRegistry,
        "JobRegistryDeadlinePassed",
        [p.jobId, BigInt(deadline)],
      );
      await p.jobRegistry.write.cancel([p.jobId], { account: p.consumer.account });
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.bid([p.jobId, 1n], { account: p.providerA.account }),
        p.jobRegistry,
        "JobRegistryWrongStatus",
        [p.jobId, JobStatus.Cancelled, JobStatus.Bidding],
      );
    });
  });

  describe("settleAuction", () => {
    it("assigns the leader after the bidding deadline", async () => {
      const p = await networkHelpers.loadFixture(withOpenJob);
      await p.jobRegistry.write.bid([p.jobId, parseEther("600")], { account: p.providerA.account });
      const deadline = (await p.jobRegistry.read.getJob([p.jobId])).deadline;
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.settleAuction([p.jobId]),
        p.jobRegistry,
        "JobRegistryDeadlineNotReached",
        [p.jobId, BigInt(deadline)],
      );
      await networkHelpers.time.setNextBlockTimestamp(deadline);
      await viem.assertions.emitWithArgs(
        p.jobRegistry.write.settleAuction([p.jobId], { account: p.outsider.account }),
        p.jobRegistry,
        "AuctionSettled",
        [p.jobId, p.providerA.account.address, parseEther("600"), BigInt(deadline) + BigInt(ORDER.executionPeriod)],
      );
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Assigned);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.settleAuction([p.jobId]),
        p.jobRegistry,
        "JobRegistryWrongStatus",
        [p.jobId, JobStatus.Assigned, JobStatus.Bidding],
      );
    });

    it("fails the job and refunds the consumer when nobody bid", async () => {
      const p = await networkHelpers.loadFixture(withOpenJob);
      await networkHelpers.time.increase(ORDER.biddingPeriod);
      const before = await balance(p, p.consumer.account.address);
      await viem.assertions.emitWithArgs(p.jobRegistry.write.settleAuction([p.jobId]), p.jobRegistry, "JobFailed", [
        p.jobId,
        0n,
        ORDER.reward,
      ]);
      assert.equal(await balance(p, p.consumer.account.address), before + ORDER.reward);
      assert.equal(await balance(p, p.jobRegistry.address), 0n);
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Failed);
    });

    it("rejects an unknown job", async () => {
      const p = await networkHelpers.loadFixture(withOpenJob);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.settleAuction([5n]),
        p.jobRegistry,
        "JobRegistryUnknownJob",
        [5n],
      );
    });
  });

  describe("cancel", () => {
    it("refunds the consumer and unlocks the leader", async () => {
      const p = await networkHelpers.loadFixture(withOpenJob);
      await p.jobRegistry.write.bid([p.jobId, parseEther("600")], { account: p.providerA.account });
      const before = await balance(p, p.consumer.account.address);
      await viem.assertions.emitWithArgs(
        p.jobRegistry.write.cancel([p.jobId], { account: p.consumer.account }),
        p.jobRegistry,
        "JobCancelled",
        [p.jobId, ORDER.reward],
      );
      assert.equal(await balance(p, p.consumer.account.address), before + ORDER.reward);
      assert.equal((await stakeOf(p, p.providerA.account.address)).locked, 0n);
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Cancelled);
    });

    it("rejects anyone but the consumer, and a settled auction", async () => {
      const p = await networkHelpers.loadFixture(withAssignedJob);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.cancel([p.jobId], { account: p.outsider.account }),
        p.jobRegistry,
        "JobRegistryUnauthorized",
        [p.jobId, p.outsider.account.address, p.consumer.account.address],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.cancel([p.jobId], { account: p.consumer.account }),
        p.jobRegistry,
        "JobRegistryWrongStatus",
        [p.jobId, JobStatus.Assigned, JobStatus.Bidding],
      );
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.cancel([42n], { account: p.consumer.account }),
        p.jobRegistry,
        "JobRegistryUnknownJob",
        [42n],
      );
    });
  });

  describe("submitResult", () => {
    it("stores the result and opens the challenge window", async () => {
      const p = await networkHelpers.loadFixture(withAssignedJob);
      const now = BigInt(await networkHelpers.time.latest()) + 1n;
      await networkHelpers.time.setNextBlockTimestamp(now);
      await viem.assertions.emitWithArgs(
        p.jobRegistry.write.submitResult([p.jobId, RESULT_DIGEST, TRACE_ROOT, 9912], { account: p.providerA.account }),
        p.jobRegistry,
        "ResultSubmitted",
        [p.jobId, p.providerA.account.address, RESULT_DIGEST, TRACE_ROOT, 9912, now + BigInt(ORDER.challengeWindow)],
      );
      const job = await p.jobRegistry.read.getJob([p.jobId]);
      assert.equal(job.status, JobStatus.Submitted);
      assert.equal(job.resultDigest, RESULT_DIGEST);
      assert.equal(job.traceRoot, TRACE_ROOT);
      assert.equal(job.metric, 9912);
    });

    it("rejects others, empty results and late results", async () => {
      const p = await networkHelpers.loadFixture(withAssignedJob);
      const as = { account: p.providerA.account };
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.submitResult([p.jobId, RESULT_DIGEST, TRACE_ROOT, 1], { account: p.providerB.account }),
        p.jobRegistry,
        "JobRegistryUnauthorized",
        [p.jobId, p.providerB.account.address, p.providerA.account.address],
      );
      for (const [w, t] of [
        [zeroHash, TRACE_ROOT],
        [RESULT_DIGEST, zeroHash],
      ] as const) {
        await viem.assertions.revertWithCustomErrorWithArgs(
          p.jobRegistry.write.submitResult([p.jobId, w, t, 1], as),
          p.jobRegistry,
          "JobRegistryInvalidResult",
          [p.jobId],
        );
      }
      const deadline = (await p.jobRegistry.read.getJob([p.jobId])).deadline;
      await networkHelpers.time.setNextBlockTimestamp(deadline);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.submitResult([p.jobId, RESULT_DIGEST, TRACE_ROOT, 1], as),
        p.jobRegistry,
        "JobRegistryDeadlinePassed",
        [p.jobId, BigInt(deadline)],
      );
    });

    it("rejects a result for a job not assigned", async () => {
      const p = await networkHelpers.loadFixture(withSubmittedJob);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.submitResult([p.jobId, RESULT_DIGEST, TRACE_ROOT, 1], { account: p.providerA.account }),
        p.jobRegistry,
        "JobRegistryWrongStatus",
        [p.jobId, JobStatus.Submitted, JobStatus.Assigned],
      );
    });
  });

  describe("expire", () => {
    it("slashes a provider that missed the deadline and reopens bidding", async () => {
      const p = await networkHelpers.loadFixture(withAssignedJob);
      const a = p.providerA.account.address;
      const deadline = (await p.jobRegistry.read.getJob([p.jobId])).deadline;
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.expire([p.jobId]),
        p.jobRegistry,
        "JobRegistryDeadlineNotReached",
        [p.jobId, BigInt(deadline)],
      );
      await networkHelpers.time.setNextBlockTimestamp(deadline);
      const consumerBefore = await balance(p, p.consumer.account.address);
      await viem.assertions.emitWithArgs(p.jobRegistry.write.expire([p.jobId]), p.jobRegistry, "ExecutionExpired", [
        p.jobId,
        a,
        ORDER.minStake,
        BigInt(deadline) + BigInt(ORDER.biddingPeriod),
      ]);
      assert.equal(await balance(p, p.consumer.account.address), consumerBefore + ORDER.minStake / 2n);
      assert.equal((await stakeOf(p, a)).locked, 0n);
      assert.equal((await stakeOf(p, a)).available, parseEther("2000") - ORDER.minStake);
      const job = await p.jobRegistry.read.getJob([p.jobId]);
      assert.equal(job.status, JobStatus.Bidding);
      assert.equal(job.provider, zeroAddress);
      assert.equal(await balance(p, p.jobRegistry.address), ORDER.reward);
      await p.jobRegistry.write.bid([p.jobId, parseEther("999")], { account: p.providerB.account });
    });

    it("rejects a job that is not assigned", async () => {
      const p = await networkHelpers.loadFixture(withSubmittedJob);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.expire([p.jobId]),
        p.jobRegistry,
        "JobRegistryWrongStatus",
        [p.jobId, JobStatus.Submitted, JobStatus.Assigned],
      );
    });
  });

  describe("finalize", () => {
    it("pays the provider its price, refunds the rest, unlocks stake, once", async () => {
      const p = await networkHelpers.loadFixture(withSubmittedJob);
      const a = p.providerA.account.address;
      const deadline = (await p.jobRegistry.read.getJob([p.jobId])).deadline;
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.finalize([p.jobId]),
        p.jobRegistry,
        "JobRegistryDeadlineNotReached",
        [p.jobId, BigInt(deadline)],
      );
      await networkHelpers.time.setNextBlockTimestamp(deadline);
      const providerBefore = await balance(p, a);
      const consumerBefore = await balance(p, p.consumer.account.address);
      await viem.assertions.emitWithArgs(p.jobRegistry.write.finalize([p.jobId]), p.jobRegistry, "JobFinalized", [
        p.jobId,
        a,
        parseEther("600"),
        parseEther("400"),
      ]);
      assert.equal(await balance(p, a), providerBefore + parseEther("600"));
      assert.equal(await balance(p, p.consumer.account.address), consumerBefore + parseEther("400"));
      assert.equal(await balance(p, p.jobRegistry.address), 0n);
      assert.equal((await stakeOf(p, a)).locked, 0n);
      await viem.assertions.revertWithCustomErrorWithArgs(
        p.jobRegistry.write.finalize([p.jobId]),
        p.jobRegistry,
        "JobRegistryWrongStatus",
        [p.jobId, JobStatus.Finalized, JobStatus.Submitted],
      );
    });
  });

  describe("disputes hooks", () => {
    it("are closed to accounts without DISPUTES_ROLE", async () => {
      const p = await networkHelpers.loadFixture(withSubmittedJob);
      const as = { account: p.outsider.account };
      for (const call of [
        p.jobRegistry.write.openDispute([p.jobId], as),
        p.jobRegistry.write.resolveDispute([p.jobId, 1, p.outsider.account.address, 0], as),
      ]) {
        await viem.assertions.revertWithCustomErrorWithArgs(call, p.jobRegistry, "AccessControlUnauthorizedAccount", [
          p.outsider.account.address,
          DISPUTES_ROLE,
        ]);
      }
    });
  });

  describe("upkeep", () => {
    it("finds and performs every due action, skipping jobs handled meanwhile", async () => {
      const p = await networkHelpers.loadFixture(withSubmittedJob);
      const noBids = await postJob(p);
      const assigned = await postJob(p);
      await p.jobRegistry.write.bid([assigned, parseEther("10")], { account: p.providerB.account });
      const notDue = await postJob(p, { biddingPeriod: 1_000_000 });
      await networkHelpers.time.increase(ORDER.biddingPeriod);
      await p.jobRegistry.write.settleAuction([assigned]);
      await networkHelpers.time.increase(ORDER.executionPeriod);

      const [needed, performData] = await p.jobRegistry.read.checkUpkeep(["0x"]);
      assert.equal(needed, true);
      const ranged = await p.jobRegistry.read.checkUpkeep([
        encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [2n, 1n]),
      ]);
      assert.equal(ranged[1], encodeAbiParameters([{ type: "uint256[]" }], [[2n]]));
      assert.equal(performData, encodeAbiParameters([{ type: "uint256[]" }], [[p.jobId, noBids, assigned]]));
      const clamped = await p.jobRegistry.read.checkUpkeep([
        encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [0n, 10n ** 9n]),
      ]);
      assert.equal(clamped[1], performData, "from 0 reads as 1 and the count is capped");

      await p.jobRegistry.write.finalize([p.jobId]);
      await p.jobRegistry.write.performUpkeep([performData], { account: p.outsider.account });
      const statuses = await Promise.all(
        [p.jobId, noBids, assigned, notDue].map(async (id) => (await p.jobRegistry.read.getJob([id])).status),
      );
      assert.deepEqual(statuses, [JobStatus.Finalized, JobStatus.Failed, JobStatus.Bidding, JobStatus.Bidding]);
      assert.equal((await p.jobRegistry.read.checkUpkeep(["0x"]))[0], false);
    });
  });
});
