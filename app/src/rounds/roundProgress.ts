import type { RoundJobStatusName } from "./roundJobQuery.ts";

/**
 * How far a round job got, for the jobs list: not started while Bidding or Seeding, the round under way
 * (rounds count from 0, as on-chain) with the rounds completed, or the rounds completed at its end.
 *
 * @example
 * roundProgress({ status: "Aggregated", currentRound: 1, roundCount: 3 }); // "round 1 (1 of 3 done)"
 */
export function roundProgress({ status, currentRound, roundCount }: { status: RoundJobStatusName; currentRound: number; roundCount: number }): string {
  switch (status) {
    case "Bidding":
    case "Seeding":
      return "not started";
    case "Cancelled":
      return "never started";
    case "Finalized":
    case "Failed":
      return `${currentRound} of ${roundCount} done`;
    default:
      return `round ${currentRound} (${currentRound} of ${roundCount} done)`;
  }
}

/**
 * What a round job's `deadline` ends in its status, or undefined when it names no deadline
 * (Disputed: the dispute's verdict deadline counts; terminal statuses).
 *
 * @example
 * phaseDeadline("Training"); // "Updates due"
 */
export function phaseDeadline(status: RoundJobStatusName): string | undefined {
  return ({ Bidding: "Bidding closes", Seeding: "Seed due", Training: "Updates due", Aggregating: "Aggregate due", Aggregated: "Challenge window closes" } as Partial<Record<RoundJobStatusName, string>>)[status];
}
