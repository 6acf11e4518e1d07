import { VeritrainError } from "../errors.ts";
import { assertShardLengths } from "./assertShardLengths.ts";
import { assertStripeCounts } from "./assertStripeCounts.ts";
import { multiplyShards } from "./multiplyShards.ts";
import { parityMatrix } from "./parityMatrix.ts";

/** Parameters of {@link encodeStripe}. */
export type EncodeStripeParameters = {
  /** The k data shards of one stripe, all the same length (1 byte .. 1 MiB). */
  dataShards: readonly Uint8Array[];
  /** n − k, the number of parity shards to compute (k + parityCount <= 255). */
  parityCount: number;
};

/**
 * Computes the parity shards of one stripe with the systematic Reed–Solomon code of
 * docs/erasure.md. Shard i of the stripe is `dataShards[i]` for i < k and `parity[i − k]` after;
 * any k of those n shards give the data back through {@link decodeStripe}.
 *
 * @example
 * const parity = encodeStripe({ dataShards, parityCount: 3 }); // 8 data shards → 3 parity shards
 */
export function encodeStripe({ dataShards, parityCount }: EncodeStripeParameters): Uint8Array[] {
  if (!Array.isArray(dataShards)) {
    throw new VeritrainError("dataShards must be an array of Uint8Array", {
      code: "ERASURE_STRIPE_INVALID",
      details: { field: "dataShards" },
    });
  }
  assertStripeCounts({ dataCount: dataShards.length, parityCount, fields: { dataCount: "dataShards.length", parityCount: "parityCount" } });
  assertShardLengths({ shards: dataShards, field: "dataShards" });
  return multiplyShards({ coefficients: parityMatrix({ dataCount: dataShards.length, parityCount }), inputs: dataShards });
}
