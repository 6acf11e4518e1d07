/** Disputes' `RESULT_DISPUTE` as the subgraph serves it: the `checkpointIndex` of a dispute of the result as published. */
export const RESULT_DISPUTE = (2n ** 64n - 1n).toString();

/**
 * What a single-provider job's dispute is about, from its `checkpointIndex`: a checkpoint, or the result as
 * published (`challengeResult`: not served, or contradicting its on-chain commitment; the committee's alone).
 *
 * @example
 * jobDisputeSubject("3"); // "checkpoint 3"
 */
export function jobDisputeSubject(checkpointIndex: string): string {
  return checkpointIndex === RESULT_DISPUTE ? "the result as published" : `checkpoint ${checkpointIndex}`;
}
