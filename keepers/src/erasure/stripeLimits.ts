/** The largest shard: 1 MiB, so a stripe of k shards is at most k MiB. */
export const MAX_SHARD_BYTES = 1024 * 1024;

/** The largest n = k + parity: GF(2^8) has 256 elements, and the Cauchy construction needs n of them distinct. */
export const MAX_SHARD_COUNT = 255;

/** Default data shards per stripe. */
export const DEFAULT_DATA_SHARDS = 8;

/** Default total shards per stripe (8 data + 3 parity). */
export const DEFAULT_TOTAL_SHARDS = 11;
