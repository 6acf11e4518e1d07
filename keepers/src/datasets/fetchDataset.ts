import { fetchStripe, type FetchStripeParameters } from "./fetchStripe.ts";
import { locateBytes } from "./stripeLayout.ts";

/** Parameters of {@link fetchDataset}. */
export type FetchDatasetParameters = Omit<FetchStripeParameters, "stripe"> & {
  /** Called after each stripe with the number done, for a progress bar. */
  onStripe?: (done: number, total: number) => void;
};

/**
 * The original bytes of a dataset, stripe by stripe from any k healthy shards each, checked
 * against the manifest's CIDs.
 *
 * @example
 * const bytes = await fetchDataset({ manifest, source: (column) => providerStores[column] });
 */
export async function fetchDataset({ onStripe, ...parameters }: FetchDatasetParameters): Promise<Uint8Array> {
  const { k, shardSize, stripeCount, byteLength } = parameters.manifest.layout;
  const stripeBytes = k * shardSize;
  const out = new Uint8Array(stripeCount * stripeBytes);
  for (let stripe = 0; stripe < stripeCount; stripe++) {
    const data = await fetchStripe({ ...parameters, stripe });
    data.forEach((shard, i) => out.set(shard, stripe * stripeBytes + i * shardSize));
    onStripe?.(stripe + 1, stripeCount);
  }
  return out.subarray(0, byteLength);
}

/** Parameters of {@link readRecords}. */
export type ReadRecordsParameters = Omit<FetchStripeParameters, "stripe"> & { first: number; count: number };

/**
 * Records [first, first + count) without fetching the whole dataset: only the data shards they
 * live in, decoding a stripe only when one of those shards cannot be had.
 *
 * @example
 * const sample = await readRecords({ manifest, first: 1234, count: 1, source });
 */
export async function readRecords({ first, count, ...parameters }: ReadRecordsParameters): Promise<Uint8Array> {
  const { layout, recordSize } = parameters.manifest;
  const slices = locateBytes({ layout, offset: first * recordSize, length: count * recordSize });
  const out = new Uint8Array(count * recordSize);
  const stripes = new Map<number, Promise<Uint8Array[]>>();
  let position = 0;
  for (const { stripe, shard, start, end } of slices) {
    if (!stripes.has(stripe)) stripes.set(stripe, fetchStripe({ ...parameters, stripe }));
    const data = await stripes.get(stripe)!;
    out.set(data[shard]!.subarray(start, end), position);
    position += end - start;
  }
  return out;
}
