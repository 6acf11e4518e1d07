import type { Hex } from "viem";
import type { DisputeData, Logged } from "../jobs/jobQuery.ts";
import type { RoundJobStatusName as StatusName } from "../../../keepers/src/roundJobs/roundJobStatus.ts";

/** The subgraph's RoundJobStatus values (RoundJobRegistry's, without None). */
export type RoundJobStatusName = Exclude<StatusName, "None">;

/** A round job in the jobs list, as {@link ROUND_JOBS_QUERY} answers. */
export type RoundJobRow = {
  id: string;
  status: RoundJobStatusName;
  slotCount: number;
  roundCount: number;
  currentRound: number;
  dataset: { id: string };
  consumer: string;
  deadline: string;
};

/** The round jobs, newest first (live in the jobs list). */
export const ROUND_JOBS_QUERY = `{
  roundJobs(first: 200, orderBy: postedAtBlock, orderDirection: desc) { id status slotCount roundCount currentRound dataset { id } consumer deadline }
}`;

/** A slot of a round job as the subgraph holds it. */
export type RoundSlotData = {
  number: number;
  provider: string;
  price: string;
  roundsEarned: number;
  active: boolean;
  droppedReason: "MissedDeadline" | "FoundWrong" | null;
  droppedRound: { number: number } | null;
  slashed: string;
  paid: string | null;
};

/** A training round of a round job as the subgraph holds it. */
export type TrainingRoundData = {
  number: number;
  startedAt: string;
  trainingDeadline: string;
  closed: boolean;
  aggregationDeadline: string | null;
  aggregateDigest: Hex | null;
  aggregator: string | null;
  includedSlots: number | null;
  challengeDeadline: string | null;
  completed: boolean;
  earnedSlots: number | null;
  voidedAggregates: number;
};

/** The aggregate referee's refutation of an aggregate (AggregateRefuted): each side's (parameter << 32 | momentum) bits. */
export type RefutationData = { coordinate: string; posted: string; computed: string };

/**
 * A dispute of a round job: the round and the slot it names (255 = the round's aggregate); for a refereed aggregate,
 * the challenger's evidence so far and the referee's refutation.
 */
export type RoundDisputeData = Omit<DisputeData, "game"> & {
  round: { number: number };
  slot: number;
  evidenceCoordinate: string | null;
  wordsProven: number | null;
  refutations: RefutationData[];
};

/** A slot's update of a round (UpdateCommitted). */
export type ContributionData = Logged & { round: { number: number }; slot: { number: number }; provider: string; digest: Hex };

/** A slot's post on the secure-aggregation ledger (SecAggPosted): its message of a stage, and the message's SHA-256. */
export type SecAggPostData = Logged & { round: { number: number }; slot: { number: number }; stage: "Keys" | "Shares" | "Complaints" | "Unmask"; digest: Hex; message: Hex };

/** A slot's share of a withdrawn slot's mask key (SecAggRecovered): `owner` withdrew its masked input. */
export type SecAggRecoveryData = Logged & { round: { number: number }; owner: { number: number }; slot: { number: number }; digest: Hex; message: Hex };

/** A data owner's commitments for a round (OwnerCommitted). */
export type OwnerCommitmentData = Logged & { round: { number: number }; slot: { number: number }; dataRoot: Hex; noiseSeedCommitment: Hex };

/** A data owner's noise seed of a round opened to a dispute's committee (NoiseSeedOpened): its envelopes and their SHA-256. */
export type NoiseSeedOpeningData = Logged & { round: { number: number }; slot: { number: number }; digest: Hex; envelopes: Hex };

/** A round job's state, slots, rounds, contributions and disputes, as {@link ROUND_JOB_QUERY} answers. */
export type RoundJobData = {
  roundJob: {
    id: string;
    consumer: string;
    dataset: { id: string };
    specDigest: Hex;
    priceLimit: string;
    minStake: string;
    slotCount: number;
    roundCount: number;
    biddingPeriod: string;
    roundPeriod: string;
    aggregationPeriod: string;
    challengeWindow: string;
    continueOnFault: boolean;
    /** keccak256 of the aggregation program the order commits; zero: none. */
    aggregation: Hex;
    status: RoundJobStatusName;
    deadline: string;
    currentRound: number;
    escrow: string;
    paid: string | null;
    refund: string | null;
    slashed: string;
    postedAt: string;
    settledAt: string | null;
    seed: string | null;
    endedAt: string | null;
    slots: RoundSlotData[];
    rounds: TrainingRoundData[];
    disputes: RoundDisputeData[];
  } | null;
  roundContributions: ContributionData[];
  roundBids: (Logged & { kind: "Placed" | "Evicted"; provider: string; price: string })[];
  secAggPosts: SecAggPostData[];
  secAggRecoveries: SecAggRecoveryData[];
  ownerCommitments: OwnerCommitmentData[];
  noiseSeedOpenings: NoiseSeedOpeningData[];
};

const LOGGED = "id blockNumber blockTimestamp transactionHash";

/**
 * One subgraph query for a round job page: the job, its slots, its rounds, its disputes (with the
 * round and slot each names), every slot's committed update, the bids, and for a private-data job its
 * secure-aggregation ledger posts, its recovery shares of withdrawn inputs, its owners' commitments and the noise
 * seeds they opened to disputes' committees.
 * Variables: `id` and `job` (the round job id, decimal).
 */
export const ROUND_JOB_QUERY = `query RoundJob($id: ID!, $job: String!) {
  roundJob(id: $id) {
    id consumer dataset { id } specDigest priceLimit minStake slotCount roundCount biddingPeriod roundPeriod aggregationPeriod challengeWindow continueOnFault aggregation
    status deadline currentRound escrow paid refund slashed postedAt settledAt seed endedAt
    slots(first: 16, orderBy: number) { number provider price roundsEarned active droppedReason droppedRound { number } slashed paid }
    rounds(first: 1000, orderBy: number) { number startedAt trainingDeadline closed aggregationDeadline aggregateDigest aggregator includedSlots challengeDeadline completed earnedSlots voidedAggregates }
    disputes(orderBy: id) { id challenger checkpointIndex claimedHash bond verdictDeadline status committeeRequestFailed committee providerWrong bondRecipient bondToTreasury round { number } slot evidenceCoordinate wordsProven refutations { coordinate posted computed } }
  }
  roundContributions(first: 1000, where: { job: $job }, orderBy: blockNumber) { ${LOGGED} round { number } slot { number } provider digest }
  roundBids(first: 1000, where: { job: $job }, orderBy: blockNumber) { ${LOGGED} kind provider price }
  secAggPosts(first: 1000, where: { job: $job }, orderBy: blockNumber) { ${LOGGED} round { number } slot { number } stage digest message }
  secAggRecoveries(first: 1000, where: { job: $job }, orderBy: blockNumber) { ${LOGGED} round { number } owner { number } slot { number } digest message }
  ownerCommitments(first: 1000, where: { job: $job }, orderBy: blockNumber) { ${LOGGED} round { number } slot { number } dataRoot noiseSeedCommitment }
  noiseSeedOpenings(first: 1000, where: { job: $job }, orderBy: blockNumber) { ${LOGGED} round { number } slot { number } digest envelopes }
}`;
