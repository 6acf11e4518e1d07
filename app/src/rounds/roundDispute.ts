import { AGGREGATE_SLOT } from "../../../keepers/src/roundJobs/roundJobStatus.ts";

/**
 * What a round dispute accuses: a slot's update, or the round's aggregate (slot 255).
 *
 * @example
 * disputeSubject(255); // "the aggregate"
 */
export function disputeSubject(slot: number): string {
  return slot === AGGREGATE_SLOT ? "the aggregate" : `slot ${slot}'s update`;
}

/**
 * A round dispute's verdict in a sentence: the accused was wrong (and what followed) or the
 * challenger was.
 *
 * @example
 * roundVerdict({ slot: 1, providerWrong: true }); // "slot 1's update was wrong: …"
 */
export function roundVerdict({ slot, providerWrong }: { slot: number; providerWrong: boolean }): string {
  if (!providerWrong) return `the challenger was wrong: ${disputeSubject(slot)} stands`;
  return slot === AGGREGATE_SLOT
    ? "the aggregate was wrong: its aggregator was slashed and the aggregate voided"
    : `${disputeSubject(slot)} was wrong: the slot was slashed and dropped, the round aggregated without it`;
}
