import { MAX_SHARD_BYTES, MAX_SHARD_COUNT } from "../erasure/stripeLimits.ts";
import { VeritrainError } from "../errors.ts";

/** How a dataset's bytes are cut into stripes of k data shards plus n − k parity shards. */
export type StripeLayout = {
  /** Data shards per stripe. */
  k: number;
  /** Shards per stripe, data and parity. */
  n: number;
  /** Bytes per shard. */
  shardSize: number;
  /** Stripes; the last one is zero-padded. */
  stripeCount: number;
  /** Bytes of the original data. */
  byteLength: number;
};

/** Parameters of {@link stripeLayout}. */
export type StripeLayoutParameters = Omit<StripeLayout, "stripeCount">;

/**
 * The stripe layout of `byteLength` bytes: stripe s holds bytes [s·k·shardSize, (s+1)·k·shardSize),
 * data shard j of it the shardSize bytes at j·shardSize within the stripe.
 *
 * @example
 * stripeLayout({ k: 8, n: 11, shardSize: 1 << 20, byteLength: 54_950_000 }).stripeCount; // 7
 */
export function stripeLayout({ k, n, shardSize, byteLength }: StripeLayoutParameters): StripeLayout {
  const rule = (field: string, value: number, text: string) =>
    new VeritrainError(`${field} ${text}, got ${value}`, { code: "LAYOUT_INVALID", details: { field, value } });
  if (!Number.isInteger(k) || k < 1) throw rule("k", k, "must be an integer >= 1");
  if (!Number.isInteger(n) || n <= k || n > MAX_SHARD_COUNT) throw rule("n", n, `must be an integer in (k=${k}, ${MAX_SHARD_COUNT}]`);
  if (!Number.isInteger(shardSize) || shardSize < 1 || shardSize > MAX_SHARD_BYTES) {
    throw rule("shardSize", shardSize, `must be an integer in [1, ${MAX_SHARD_BYTES}]`);
  }
  if (!Number.isSafeInteger(byteLength) || byteLength < 1) throw rule("byteLength", byteLength, "must be a positive integer");
  return { k, n, shardSize, byteLength, stripeCount: Math.ceil(byteLength / (k * shardSize)) };
}

/** A piece of one data shard: bytes [start, end) of shard `shard` of stripe `stripe`. */
export type ShardSlice = { stripe: number; shard: number; start: number; end: number };

/** Parameters of {@link locateBytes}. */
export type LocateBytesParameters = { layout: StripeLayout; offset: number; length: number };

/**
 * The data-shard slices holding bytes [offset, offset + length) of the dataset, in order: what a
 * reader fetches to get one sample without decoding the whole dataset.
 *
 * @example
 * locateBytes({ layout, offset: 785 * 1000, length: 785 }); // one or two slices
 */
export function locateBytes({ layout, offset, length }: LocateBytesParameters): ShardSlice[] {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 1 || offset + length > layout.byteLength) {
    throw new VeritrainError(`byte range [${offset}, ${offset + length}) is outside the dataset's ${layout.byteLength} bytes`, {
      code: "RANGE_INVALID",
      details: { offset, length, byteLength: layout.byteLength },
    });
  }
  const slices: ShardSlice[] = [];
  for (let position = offset; position < offset + length; ) {
    const shardIndex = Math.floor(position / layout.shardSize);
    const start = position - shardIndex * layout.shardSize;
    const end = Math.min(layout.shardSize, start + offset + length - position);
    slices.push({ stripe: Math.floor(shardIndex / layout.k), shard: shardIndex % layout.k, start, end });
    position += end - start;
  }
  return slices;
}
