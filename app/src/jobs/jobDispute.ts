/** Disputes' `RESULT_DISPUTE` as the subgraph serves it: the `checkpointIndex` of a dispute of the result as published. */
export const RESULT_DISPUTE = (2n ** 64n - 1n).toString();

/**
 * What a single-provider job's dispute is about, from its `checkpointIndex`: a checkpoint, or the result as
 * published (`challengeResult`: not served; answered by publishing it on-chain on a job that commits a program, by a committee otherwise).
 *
 * @example
 * jobDisputeSubject("3"); // "checkpoint 3"
 */
export function jobDisputeSubject(checkpointIndex: string): string {
  return checkpointIndex === RESULT_DISPUTE ? "the result as published" : `checkpoint ${checkpointIndex}`;
}
