import { isAddressEqual } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import type { HeliaContentStore } from "../content/heliaContentStore.ts";
import { type DatasetOnChain, readDatasetOnChain } from "../datasets/datasetOnChain.ts";
import { decodeManifest, type Manifest, manifestBlockCid } from "../datasets/manifest.ts";
import { VeritrainError } from "../errors.ts";
import type { CID } from "multiformats/cid";

/** A column of a dataset as this provider sees it: on-chain state, manifest, shard CIDs. */
export type HeldColumn = {
  onChain: DatasetOnChain;
  manifest: Manifest;
  /** Whether this keeper's account is the column's current holder. */
  held: boolean;
  /** The column's shards, one per stripe, in stripe order. */
  cids: CID[];
  /** The column's bytes, shard after shard, read from the content store. */
  bytes(): AsyncIterable<Uint8Array>;
};

/**
 * Reads column `column` of dataset `datasetId`: the registry's state, the manifest (checked
 * against the registered column root) and the column's shard CIDs.
 *
 * @example
 * const { held, bytes } = await readHeldColumn({ chain, store, datasetId: 1n, column: 3, signal });
 */
export async function readHeldColumn({
  chain,
  store,
  datasetId,
  column,
  signal,
}: {
  chain: ProtocolConnection;
  store: HeliaContentStore;
  datasetId: bigint;
  column: number;
  signal: AbortSignal;
}): Promise<HeldColumn> {
  const onChain = await readDatasetOnChain(chain, datasetId);
  const holder = onChain.holders[column];
  const manifest = await decodeManifest(await store.get(manifestBlockCid(onChain.manifestCid), { signal }), onChain.manifestCid);
  if (manifest.columnRoots[column] !== onChain.columnRoots[column]) {
    throw new VeritrainError(`dataset ${datasetId}: the manifest's root of column ${column} differs from the registered one`, {
      code: "MANIFEST_MISMATCH",
      details: { datasetId: datasetId.toString(), column },
    });
  }
  const cids = manifest.shards.map((stripe) => stripe[column]!);
  return {
    onChain,
    manifest,
    held: holder !== undefined && isAddressEqual(holder, chain.account.address),
    cids,
    bytes: async function* () {
      for (const cid of cids) yield store.get(cid, { signal });
    },
  };
}
