import type { GameData } from "./gameMoveText.ts";

/** One history entity's place in the chain: when, and in which transaction. */
export type Logged = { id: string; blockNumber: string; blockTimestamp: string; transactionHash: string };

/** A dispute of a job as the subgraph holds it. */
export type DisputeData = {
  id: string;
  challenger: string;
  checkpointIndex: string;
  claimedHash: string;
  bond: string;
  verdictDeadline: string;
  status: "Open" | "ProviderWrong" | "ChallengerWrong" | "Expired" | "NoCommittee" | "InGame";
  committeeRequestFailed: boolean | null;
  committee: string[] | null;
  providerWrong: boolean | null;
  bondRecipient: string | null;
  /** A lost bond's part that went to the treasury (null while held or given back). */
  bondToTreasury: string | null;
  /** The bisection game deciding it, if any. */
  game: GameData | null;
};

/** A job's state and its whole history, as {@link JOB_QUERY} answers. */
export type JobData = {
  job: {
    id: string;
    consumer: string;
    dataset: { id: string };
    specDigest: `0x${string}`;
    reward: string;
    minStake: string;
    biddingPeriod: string;
    executionPeriod: string;
    challengeWindow: string;
    status: string;
    deadline: string;
    provider: string | null;
    price: string | null;
    resultDigest: `0x${string}` | null;
    traceRoot: `0x${string}` | null;
    metric: number | null;
    payment: string | null;
    refund: string | null;
    slashed: string;
    disputes: DisputeData[];
  } | null;
  jobPosts: (Logged & { biddingDeadline: string })[];
  bids: (Logged & { provider: string; price: string })[];
  auctionSettlements: (Logged & { provider: string; price: string; executionDeadline: string })[];
  jobCancellations: (Logged & { refund: string })[];
  results: (Logged & { provider: string; metric: number; challengeDeadline: string })[];
  executionExpiries: (Logged & { provider: string; slashed: string; biddingDeadline: string })[];
  challenges: (Logged & { dispute: { id: string }; challenger: string; checkpointIndex: string; verdictDeadline: string })[];
  committeeRequestFailures: (Logged & { dispute: { id: string } })[];
  committeeDraws: (Logged & { dispute: { id: string }; members: string[] })[];
  verdicts: (Logged & { dispute: { id: string }; providerWrong: boolean; bondRecipient: string })[];
  disputeExpiries: (Logged & { dispute: { id: string } })[];
  noCommitteeExpiries: (Logged & { dispute: { id: string } })[];
  jobResumptions: (Logged & { challengeDeadline: string })[];
  jobFailures: (Logged & { slashed: string; refund: string })[];
  jobFinalizations: (Logged & { provider: string; payment: string; refund: string })[];
};

const LOGGED = "id blockNumber blockTimestamp transactionHash";

/**
 * One subgraph query for a job page: the job's current state, its disputes, and every event of
 * its history (the same collections as `veritrain audit job`), each with its block and time.
 * Variables: `id` (the job id, decimal).
 */
export const JOB_QUERY = `query Job($id: ID!, $job: String!) {
  job(id: $id) {
    id consumer dataset { id } specDigest reward minStake biddingPeriod executionPeriod challengeWindow status deadline
    provider price resultDigest traceRoot metric payment refund slashed
    disputes(orderBy: id) {
      id challenger checkpointIndex claimedHash bond verdictDeadline status committeeRequestFailed committee providerWrong bondRecipient bondToTreasury
      game { id status moveCount timedOut moves(first: 1000, orderBy: number) { number kind mover level mid midHash agreed lo hi step operator count instruction postState claimedState } }
    }
  }
  jobPosts(where: { job: $job }) { ${LOGGED} biddingDeadline }
  bids(first: 1000, where: { job: $job }, orderBy: blockNumber) { ${LOGGED} provider price }
  auctionSettlements(where: { job: $job }) { ${LOGGED} provider price executionDeadline }
  jobCancellations(where: { job: $job }) { ${LOGGED} refund }
  results(where: { job: $job }) { ${LOGGED} provider metric challengeDeadline }
  executionExpiries(where: { job: $job }) { ${LOGGED} provider slashed biddingDeadline }
  challenges(where: { job: $job }) { ${LOGGED} dispute { id } challenger checkpointIndex verdictDeadline }
  committeeRequestFailures(where: { dispute_: { job: $job } }) { ${LOGGED} dispute { id } }
  committeeDraws(where: { dispute_: { job: $job } }) { ${LOGGED} dispute { id } members }
  verdicts(where: { dispute_: { job: $job } }) { ${LOGGED} dispute { id } providerWrong bondRecipient }
  disputeExpiries(where: { dispute_: { job: $job } }) { ${LOGGED} dispute { id } }
  noCommitteeExpiries(where: { dispute_: { job: $job } }) { ${LOGGED} dispute { id } }
  jobResumptions(where: { job: $job }) { ${LOGGED} challengeDeadline }
  jobFailures(where: { job: $job }) { ${LOGGED} slashed refund }
  jobFinalizations(where: { job: $job }) { ${LOGGED} provider payment refund }
}`;
