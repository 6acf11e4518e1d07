import type { Logger } from "pino";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { boundedGets } from "../content/boundedGets.ts";
import type { HeliaContentStore } from "../content/heliaContentStore.ts";
import type { ShardSource } from "../datasets/fetchStripe.ts";
import { readDatasetOnChain } from "../datasets/datasetOnChain.ts";
import { decodeManifest, manifestBlockCid, type Manifest } from "../datasets/manifest.ts";

/** Parameters of {@link fetchDatasetManifest}. */
export type FetchDatasetManifestParameters = {
  chain: ProtocolConnection;
  /** A listening store; it dials every holder's announced endpoint. */
  store: HeliaContentStore;
  datasetId: bigint;
  log: Logger;
  /** A fresh bound for each network step. */
  bounded: () => AbortSignal;
};

/**
 * Connects to dataset `datasetId`'s holders and fetches its manifest, checked against the digest
 * registered on-chain. `reachable[column]` says whether the column's holder answered the dial.
 *
 * @example
 * const { manifest, reachable } = await fetchDatasetManifest({ chain, store, datasetId, log, bounded });
 */
export async function fetchDatasetManifest({ chain, store, datasetId, log, bounded }: FetchDatasetManifestParameters): Promise<{ manifest: Manifest; reachable: boolean[] }> {
  const dataset = await readDatasetOnChain(chain, datasetId);
  const reachable = await Promise.all(
    dataset.endpoints.map((endpoint) =>
      endpoint === ""
        ? false
        : store.dial(endpoint, { signal: bounded() }).then(
            () => true,
            (error: unknown) => (log.warn({ endpoint, err: error }, "dataset holder unreachable"), false),
          ),
    ),
  );
  const manifest = await decodeManifest(await store.get(manifestBlockCid(dataset.manifestCid), { signal: bounded() }), dataset.manifestCid);
  return { manifest, reachable };
}

/**
 * The shards of the holders {@link fetchDatasetManifest} reached, from `store`, each get bounded by a fresh
 * `bounded()` signal: one slow or silent peer costs one bound, not the whole fetch (hundreds of gets).
 *
 * @example
 * const source = reachableShards({ reachable, store, bounded });
 */
export function reachableShards({ reachable, store, bounded }: { reachable: boolean[]; store: HeliaContentStore; bounded: () => AbortSignal }): ShardSource {
  const shards = boundedGets(store, bounded);
  return (column) => (reachable[column] ? shards : undefined);
}
