import { VeritrainError } from "../errors.ts";
import { MAX_SHARD_COUNT } from "./stripeLimits.ts";

/** Parameters of {@link assertStripeCounts}. */
export type AssertStripeCountsParameters = {
  /** k, the number of data shards. */
  dataCount: number;
  /** n − k, the number of parity shards. */
  parityCount: number;
  /** The caller's field names for k and n − k, so messages name what the caller passed. */
  fields: { dataCount: string; parityCount: string };
};

/**
 * Throws `ERASURE_STRIPE_INVALID` unless k >= 1, n − k >= 1 and n = k + (n − k) <= 255, all integers.
 *
 * @example
 * assertStripeCounts({ dataCount: 8, parityCount: 3, fields: { dataCount: "k", parityCount: "parityCount" } });
 */
export function assertStripeCounts({ dataCount, parityCount, fields }: AssertStripeCountsParameters): void {
  const fail = (message: string, field: string, value: unknown) => {
    throw new VeritrainError(message, { code: "ERASURE_STRIPE_INVALID", details: { field, value } });
  };
  if (!Number.isInteger(dataCount) || dataCount < 1) {
    fail(`${fields.dataCount} must be an integer >= 1, got ${dataCount}`, fields.dataCount, dataCount);
  }
  if (!Number.isInteger(parityCount) || parityCount < 1) {
    fail(`${fields.parityCount} must be an integer >= 1, got ${parityCount}`, fields.parityCount, parityCount);
  }
  if (dataCount + parityCount > MAX_SHARD_COUNT) {
    fail(
      `n = k + parity must be <= ${MAX_SHARD_COUNT}, got ${dataCount} + ${parityCount} = ${dataCount + parityCount}`,
      "n",
      dataCount + parityCount,
    );
  }
}
