import { verifyBlock } from "../content/contentStore.ts";
import { fetchStripe, type FetchStripeParameters } from "../datasets/fetchStripe.ts";
import { encodeStripe } from "../erasure/encodeStripe.ts";
import { VeritrainError } from "../errors.ts";

/** Parameters of {@link rebuildShard}. */
export type RebuildShardParameters = Omit<FetchStripeParameters, "source"> & {
  /** The column whose shard is rebuilt; its own source is never asked (its holder is the one rebuilding). */
  column: number;
  /** Where the other columns' shards can be fetched from. */
  source: FetchStripeParameters["source"];
};

/**
 * Shard `column` of stripe `stripe` rebuilt from any k other shards of the stripe: the stripe's
 * data shards are fetched (or decoded) by {@link fetchStripe}, a parity shard is re-encoded from
 * them, and the result is checked against the manifest's CID — so a rebuilt shard is exactly the
 * one the dataset owner stored, or an error (`CONTENT_HASH_MISMATCH`, `SHARDS_UNAVAILABLE`).
 * This is how a provider takes over a column whose previous holder is gone.
 *
 * @example
 * const shard = await rebuildShard({ manifest, stripe: 0, column: 9, source: (c) => (reachable[c] ? store : undefined) });
 */
export async function rebuildShard({ manifest, stripe, column, source, signal, onSkip }: RebuildShardParameters): Promise<Uint8Array> {
  const { k, n } = manifest.layout;
  const cid = manifest.shards[stripe]?.[column];
  if (cid === undefined) {
    throw new VeritrainError(`shard (${stripe}, ${column}) is not in the manifest`, { code: "RANGE_INVALID", details: { stripe, column } });
  }
  const data = await fetchStripe({
    manifest,
    stripe,
    source: (c) => (c === column ? undefined : source(c)),
    signal,
    // The column being rebuilt is missing by definition: only the others' failures are news.
    onSkip: (skipped) => skipped.column !== column && onSkip?.(skipped),
  });
  const shard = column < k ? data[column]! : encodeStripe({ dataShards: data, parityCount: n - k })[column - k]!;
  return verifyBlock({ cid, bytes: shard, source: "erasure rebuild" });
}
