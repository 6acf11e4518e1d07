/**
 * Reed–Solomon erasure coding of dataset stripes over GF(2^8): k data shards + (n − k) parity
 * shards, any k of n decode. Byte-exact specification: docs/erasure.md.
 *
 * @example
 * import { decodeStripe, encodeStripe } from "./keepers/src/erasure/index.ts";
 * const parity = encodeStripe({ dataShards, parityCount: 3 });
 * const data = decodeStripe({ shards: [...dataShards, ...parity].map((s, i) => (i < 3 ? undefined : s)), k: 8 });
 */
export { decodeStripe, type DecodeStripeParameters } from "./decodeStripe.ts";
export { encodeStripe, type EncodeStripeParameters } from "./encodeStripe.ts";
export { DEFAULT_DATA_SHARDS, DEFAULT_TOTAL_SHARDS, MAX_SHARD_BYTES, MAX_SHARD_COUNT } from "./stripeLimits.ts";
