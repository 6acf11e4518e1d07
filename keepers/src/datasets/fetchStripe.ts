import type { CID } from "multiformats/cid";
import { verifyBlock, type ContentStore } from "../content/contentStore.ts";
import { VeritrainError } from "../errors.ts";
import type { Manifest } from "./manifest.ts";

/** Where column `column`'s shards can be fetched from (its provider's store), if anywhere. */
export type ShardSource = (column: number) => Pick<ContentStore, "backend" | "get"> | undefined;

/** Parameters of {@link fetchStripe}. */
export type FetchStripeParameters = {
  manifest: Manifest;
  stripe: number;
  source: ShardSource;
  signal?: AbortSignal;
  /** Told about every shard that could not be used (unreachable, or bytes not matching its CID). */
  onSkip?: (skipped: { stripe: number; column: number; error: unknown }) => void;
};

/**
 * The k data shards of one stripe, from any k healthy shards of its n: data shards are tried
 * first, k at a time, and every failure (unreachable provider, corrupted bytes) is replaced by
 * the next column. Each shard is checked against its CID in the manifest — whatever the store
 * claims — and rebuilt data shards are checked too.
 *
 * @example
 * const dataShards = await fetchStripe({ manifest, stripe: 0, source: (column) => providerStores[column] });
 */
export async function fetchStripe({ manifest, stripe, source, signal, onSkip }: FetchStripeParameters): Promise<Uint8Array[]> {
  const { k, n } = manifest.layout;
  const cids = manifest.shards[stripe];
  if (!cids) throw new VeritrainError(`stripe ${stripe} is not in the manifest`, { code: "RANGE_INVALID", details: { stripe } });
  const shards: (Uint8Array | undefined)[] = new Array(n).fill(undefined);
  const skipped: number[] = [];
  let present = 0;
  let nextColumn = 0;
  const worker = async () => {
    while (present < k && nextColumn < n) {
      const column = nextColumn++;
      try {
        shards[column] = await fetchShard(cids[column]!, column, source, signal);
        present++;
      } catch (error) {
        skipped.push(column);
        onSkip?.({ stripe, column, error });
      }
    }
  };
  await Promise.all(Array.from({ length: k }, worker));
  if (present < k) {
    throw new VeritrainError(`stripe ${stripe}: only ${present} of ${n} shards are reachable and intact, ${k} are needed`, {
      code: "SHARDS_UNAVAILABLE",
      details: { stripe, present, k, n, skipped },
    });
  }
  const dataShards = shards.slice(0, k);
  if (dataShards.every((shard) => shard !== undefined)) return dataShards;
  // Loaded only when a stripe must be rebuilt, so that reading intact data shards needs no codec (the web app's
  // case: the codec reads its kernel from disk with node:fs).
  const { decodeStripe } = await import("../erasure/decodeStripe.ts");
  const data = decodeStripe({ shards, k });
  for (const column of skipped.filter((c) => c < k)) {
    await verifyBlock({ cid: cids[column]!, bytes: data[column]!, source: "erasure decoding" });
  }
  return data;
}

async function fetchShard(cid: CID, column: number, source: ShardSource, signal?: AbortSignal): Promise<Uint8Array> {
  const store = source(column);
  if (!store) throw new VeritrainError(`no provider serves column ${column}`, { code: "CONTENT_NOT_FOUND", details: { column } });
  return verifyBlock({ cid, bytes: await store.get(cid, { signal }), source: `${store.backend} (column ${column})` });
}
