import { jobDisputeSubject } from "./jobDispute.ts";
import type { JobData, Logged } from "./jobQuery.ts";

/** A piece of a step's text: words, a token amount (wei, decimal string) or an account. */
export type StepPart = string | { tokens: string } | { account: string };

/** One step of a job's life: done (with its block time), current (with its deadline) or still to come. */
export type TimelineStep = {
  key: string;
  state: "done" | "current" | "pending";
  title: string;
  parts: StepPart[];
  /** Block time (unix seconds) of a done step. */
  at?: number;
  /** Deadline (unix seconds) of the current step, for its countdown. */
  until?: number;
  transactionHash?: string;
};

/** The job's status and deadline from the chain (fresher than the subgraph). */
export type OnChainStatus = { status: string; deadline: number };

// Events of one block are ordered by the protocol's causality, then by log id.
const RANK = ["posted", "bid", "assigned", "expired", "submitted", "challenged", "noCommittee", "committee", "verdict", "disputeExpired", "noCommitteeExpired", "resumed", "failed", "finalized", "cancelled"] as const;

type Event = Omit<TimelineStep, "state" | "at"> & { kind: (typeof RANK)[number]; logged: Logged };

/**
 * A job's timeline: every event of its history in chain order (posted → bids → assigned →
 * submitted → challenged → committee drawn → verdict → finalized/failed), then the current phase
 * with its deadline and the phases still to come, from the status on-chain (or the subgraph's).
 *
 * @example
 * const steps = jobTimeline(data, { status: "Submitted", deadline: 1764000000 });
 */
export function jobTimeline(data: JobData, onChain?: OnChainStatus): TimelineStep[] {
  const job = data.job;
  if (job === null) return [];
  const events: Event[] = [
    ...data.jobPosts.map((e) => ({ kind: "posted" as const, logged: e, key: e.id, title: "Posted", parts: ["by ", { account: job.consumer }, ", reward ", { tokens: job.reward } as StepPart, " escrowed"] })),
    ...data.bids.map((e) => ({ kind: "bid" as const, logged: e, key: e.id, title: "Bid", parts: [{ account: e.provider }, " bid ", { tokens: e.price } as StepPart] })),
    ...data.auctionSettlements.map((e) => ({ kind: "assigned" as const, logged: e, key: e.id, title: "Assigned", parts: ["to ", { account: e.provider }, " at ", { tokens: e.price } as StepPart] })),
    ...data.executionExpiries.map((e) => ({ kind: "expired" as const, logged: e, key: e.id, title: "Execution expired", parts: [{ account: e.provider }, " missed the deadline: ", { tokens: e.slashed } as StepPart, " slashed, bidding reopened"] })),
    ...data.results.map((e) => ({ kind: "submitted" as const, logged: e, key: e.id, title: "Result submitted", parts: ["by ", { account: e.provider }, `, claimed accuracy ${metricPercent(e.metric)}`] })),
    ...data.challenges.map((e) => ({ kind: "challenged" as const, logged: e, key: e.id, title: "Challenged", parts: [{ account: e.challenger }, ` disputed ${jobDisputeSubject(e.checkpointIndex)} (dispute ${e.dispute.id})`] })),
    ...data.committeeRequestFailures.map((e) => ({ kind: "noCommittee" as const, logged: e, key: e.id, title: "No committee", parts: [`the committee request of dispute ${e.dispute.id} failed`] })),
    ...data.committeeDraws.map((e) => ({ kind: "committee" as const, logged: e, key: e.id, title: "Committee drawn", parts: [`${e.members.length} validators drawn for dispute ${e.dispute.id}`] })),
    ...data.verdicts.map((e) => ({ kind: "verdict" as const, logged: e, key: e.id, title: "Verdict", parts: [e.providerWrong ? "the provider was wrong; bond to " : "the challenger was wrong; its bond lost, a share to ", { account: e.bondRecipient }] })),
    ...data.disputeExpiries.map((e) => ({ kind: "disputeExpired" as const, logged: e, key: e.id, title: "Dispute expired", parts: [`dispute ${e.dispute.id} got no verdict in time; the result stands`] })),
    ...data.noCommitteeExpiries.map((e) => ({ kind: "noCommitteeExpired" as const, logged: e, key: e.id, title: "Dispute expired", parts: [`no committee could judge dispute ${e.dispute.id}`] })),
    ...data.jobResumptions.map((e) => ({ kind: "resumed" as const, logged: e, key: e.id, title: "Challenge window resumed", parts: ["the result stands"] })),
    ...data.jobFailures.map((e) => ({ kind: "failed" as const, logged: e, key: e.id, title: "Failed", parts: [{ tokens: e.slashed } as StepPart, " slashed, ", { tokens: e.refund }, " refunded to the consumer"] })),
    ...data.jobFinalizations.map((e) => ({ kind: "finalized" as const, logged: e, key: e.id, title: "Paid", parts: [{ tokens: e.payment } as StepPart, " to ", { account: e.provider }, ", ", { tokens: e.refund }, " refunded to the consumer"] })),
    ...data.jobCancellations.map((e) => ({ kind: "cancelled" as const, logged: e, key: e.id, title: "Cancelled", parts: [{ tokens: e.refund } as StepPart, " refunded to the consumer"] })),
  ];
  events.sort((a, b) => Number(a.logged.blockNumber) - Number(b.logged.blockNumber) || RANK.indexOf(a.kind) - RANK.indexOf(b.kind) || (a.key < b.key ? -1 : 1));
  const steps: TimelineStep[] = events.map(({ logged, key, title, parts }) => ({ key, state: "done", title, parts, at: Number(logged.blockTimestamp), transactionHash: logged.transactionHash }));

  const status = onChain?.status ?? job.status;
  const deadline = onChain?.deadline ?? Number(job.deadline);
  const pending = (titles: string[]) => titles.map((title): TimelineStep => ({ key: `pending-${title}`, state: "pending", title, parts: [] }));
  switch (status) {
    case "Bidding":
      return [...steps, { key: "now", state: "current", title: "Bidding", parts: ["open for bids"], until: deadline }, ...pending(["Assigned", "Result submitted", "Challenge window", "Paid"])];
    case "Assigned":
      return [...steps, { key: "now", state: "current", title: "Training", parts: ["the provider trains; its result is due"], until: deadline }, ...pending(["Result submitted", "Challenge window", "Paid"])];
    case "Submitted":
      return [...steps, { key: "now", state: "current", title: "Challenge window", parts: ["anyone may dispute the result until it closes"], until: deadline }, ...pending(["Paid"])];
    case "Disputed": {
      const open = job.disputes.find((d) => d.status === "Open");
      const drawn = open !== undefined && data.committeeDraws.some((d) => d.dispute.id === open.id);
      const until = open === undefined ? undefined : Number(open.verdictDeadline);
      const current: TimelineStep = drawn
        ? { key: "now", state: "current", title: "Awaiting the verdict", parts: ["the committee re-executes the disputed checkpoint"], ...(until === undefined ? {} : { until }) }
        : { key: "now", state: "current", title: "Drawing the committee", parts: ["waiting for the randomness beacon"], ...(until === undefined ? {} : { until }) };
      return [...steps, current, ...pending(drawn ? ["Verdict", "Paid or slashed"] : ["Committee drawn", "Verdict", "Paid or slashed"])];
    }
    default:
      return steps;
  }
}

/**
 * A metric in basis points as a percentage, e.g. 9912 → "99.12%".
 *
 * @example
 * metricPercent(9912); // "99.12%"
 */
export function metricPercent(basisPoints: number): string {
  return `${(basisPoints / 100).toFixed(2)}%`;
}
