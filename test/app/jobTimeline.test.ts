import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { JobData, Logged } from "../../app/src/jobs/jobQuery.ts";
import { RESULT_DISPUTE } from "../../app/src/jobs/jobDispute.ts";
import { jobTimeline, metricPercent } from "../../app/src/jobs/jobTimeline.ts";

const CONSUMER = "0x90f79bf6eb2c4f870365e785982e1f101e93b906";
const PROVIDER = "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65";
const CHALLENGER = "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc";

const at = (block: number, log = 0): Logged => ({ id: `0x${block.toString(16).padStart(4, "0")}${log.toString(16).padStart(8, "0")}`, blockNumber: String(block), blockTimestamp: String(1_700_000_000 + block), transactionHash: `0x${"ab".repeat(32)}` });

function history(overrides: Partial<JobData> = {}, job: Partial<NonNullable<JobData["job"]>> = {}): JobData {
  return {
    job: {
      id: "1", consumer: CONSUMER, dataset: { id: "1" }, specDigest: `0x${"11".repeat(32)}`, reward: "10000000000000000000", minStake: "1", biddingPeriod: "10",
      executionPeriod: "600", challengeWindow: "60", status: "Bidding", deadline: "1700000100", provider: null, price: null, resultDigest: null, traceRoot: null,
      metric: null, payment: null, refund: null, slashed: "0", disputes: [], ...job,
    },
    jobPosts: [{ ...at(10), biddingDeadline: "1700000020" }],
    bids: [], auctionSettlements: [], jobCancellations: [], results: [], executionExpiries: [], challenges: [], committeeRequestFailures: [], committeeDraws: [],
    verdicts: [], disputeExpiries: [], noCommitteeExpiries: [], jobResumptions: [], jobFailures: [], jobFinalizations: [],
    ...overrides,
  };
}

describe("jobTimeline", () => {
  describe("when the job is bidding", () => {
    it("shows the post, then bidding as the current step with the on-chain deadline, then the phases to come", () => {
      const steps = jobTimeline(history(), { status: "Bidding", deadline: 1_700_000_123 });
      assert.deepEqual(steps.map((s) => [s.title, s.state]), [["Posted", "done"], ["Bidding", "current"], ["Assigned", "pending"], ["Result submitted", "pending"], ["Challenge window", "pending"], ["Paid", "pending"]]);
      assert.equal(steps[0]!.at, 1_700_000_010);
      assert.equal(steps[1]!.until, 1_700_000_123);
    });
  });

  describe("when the job was paid", () => {
    it("orders the events by block and by the protocol's causality within a block, and ends with the payment", () => {
      const data = history({
        bids: [{ ...at(12), provider: PROVIDER, price: "200" }, { ...at(11), provider: CHALLENGER, price: "300" }],
        auctionSettlements: [{ ...at(14), provider: PROVIDER, price: "200", executionDeadline: "1" }],
        results: [{ ...at(20), provider: PROVIDER, metric: 9150, challengeDeadline: "1" }],
        jobFinalizations: [{ ...at(30), provider: PROVIDER, payment: "200", refund: "800" }],
      }, { status: "Finalized" });
      const steps = jobTimeline(data);
      assert.deepEqual(steps.map((s) => s.title), ["Posted", "Bid", "Bid", "Assigned", "Result submitted", "Paid"]);
      assert.deepEqual(steps[1]!.parts[0], { account: CHALLENGER });
      assert.ok(steps.every((s) => s.state === "done"));
      assert.deepEqual(steps[5]!.parts, [{ tokens: "200" }, " to ", { account: PROVIDER }, ", ", { tokens: "800" }, " refunded to the consumer"]);
      assert.match(String(steps[4]!.parts[2]), /91\.50%/);
    });
  });

  describe("when a dispute is open", () => {
    const dispute = { id: "1", challenger: CHALLENGER, checkpointIndex: "2", claimedHash: `0x${"22".repeat(32)}`, bond: "5", verdictDeadline: "1700000500", status: "Open" as const, committeeRequestFailed: null, committee: null, providerWrong: null, bondRecipient: null, bondToTreasury: null, game: null };
    const base = {
      results: [{ ...at(20), provider: PROVIDER, metric: 9000, challengeDeadline: "1" }],
      challenges: [{ ...at(25), dispute: { id: "1" }, challenger: CHALLENGER, checkpointIndex: "2", verdictDeadline: "1700000500" }],
    };

    it("waits for the committee draw until one is drawn, counting down to the verdict deadline", () => {
      const steps = jobTimeline(history(base, { status: "Disputed", disputes: [dispute] }));
      const current = steps.find((s) => s.state === "current")!;
      assert.equal(current.title, "Drawing the committee");
      assert.equal(current.until, 1_700_000_500);
      assert.deepEqual(steps.filter((s) => s.state === "pending").map((s) => s.title), ["Committee drawn", "Verdict", "Paid or slashed"]);
    });

    it("then awaits the verdict of the drawn committee", () => {
      const drawn = { ...base, committeeDraws: [{ ...at(27), dispute: { id: "1" }, members: [CONSUMER, PROVIDER, CHALLENGER] }] };
      const steps = jobTimeline(history(drawn, { status: "Disputed", disputes: [dispute] }));
      assert.equal(steps.find((s) => s.title === "Committee drawn")?.state, "done");
      assert.equal(steps.find((s) => s.state === "current")?.title, "Awaiting the verdict");
    });

    it("ends with the verdict and the slash when the provider was wrong", () => {
      const settled = { ...base, verdicts: [{ ...at(40), dispute: { id: "1" }, providerWrong: true, bondRecipient: CHALLENGER }], jobFailures: [{ ...at(40, 1), slashed: "100", refund: "10" }] };
      const steps = jobTimeline(history(settled, { status: "Failed" }));
      assert.deepEqual(steps.map((s) => s.title).slice(-3), ["Challenged", "Verdict", "Failed"]);
      assert.ok(steps.every((s) => s.state === "done"));
    });

    it("names the disputed checkpoint, or the result as published for a dispute of the result (challengeResult)", () => {
      const challenged = (checkpointIndex: string) =>
        jobTimeline(history({ ...base, challenges: [{ ...base.challenges[0]!, checkpointIndex }] }, { status: "Disputed", disputes: [{ ...dispute, checkpointIndex }] })).find((s) => s.title === "Challenged")!.parts[1];
      assert.equal(challenged("2"), " disputed checkpoint 2 (dispute 1)");
      assert.equal(challenged(RESULT_DISPUTE), " disputed the result as published (dispute 1)");
      assert.equal(RESULT_DISPUTE, "18446744073709551615");
    });
  });

  it("is empty for an unknown job", () => {
    assert.deepEqual(jobTimeline({ ...history(), job: null }), []);
  });

  it("writes basis points as a percentage", () => {
    assert.equal(metricPercent(9912), "99.12%");
    assert.equal(metricPercent(0), "0.00%");
  });
});
