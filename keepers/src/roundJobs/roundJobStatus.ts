// RoundJobRegistry's statuses and constants, with no Node import: the web app reads them too.

/** RoundJobRegistry's `RoundJobStatus`, by name. */
export const RoundJobStatus = {
  None: 0, Bidding: 1, Seeding: 2, Training: 3, Aggregating: 4, Aggregated: 5, Disputed: 6, Finalized: 7, Cancelled: 8, Failed: 9,
} as const;

/** A status's name, as the subgraph's `RoundJobStatus` spells it (None aside). */
export type RoundJobStatusName = keyof typeof RoundJobStatus;

/** The status names, indexed by status number. */
export const ROUND_JOB_STATUS_NAMES = Object.keys(RoundJobStatus) as RoundJobStatusName[];

/** The slot number a dispute names for a round's aggregate. */
export const AGGREGATE_SLOT = 255;
