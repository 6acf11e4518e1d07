import { equals } from "multiformats/bytes";
import type { CID } from "multiformats/cid";
import { columnRoot } from "../commitments/columnRoot.ts";
import { datasetRoot } from "../commitments/datasetRoot.ts";
import { fieldToBytes32Hex } from "../commitments/field.ts";
import { DEFAULT_COLUMN_DEPTH } from "../commitments/treeDepth.ts";
import type { ContentStore } from "../content/contentStore.ts";
import { encodeStripe } from "../erasure/encodeStripe.ts";
import { VeritrainError } from "../errors.ts";
import { encodeManifest, MANIFEST_VERSION, type Manifest, type RecordField, type Split } from "./manifest.ts";
import { stripeLayout } from "./stripeLayout.ts";

/** Parameters of {@link packageDataset}. */
export type PackageDatasetParameters = {
  name: string;
  /** The records, back to back, `recordSize` bytes each. */
  records: Uint8Array;
  recordSize: number;
  fields: RecordField[];
  splits: Split[];
  /** Data shards per stripe (default 8). */
  k?: number;
  /** Shards per stripe (default 11). */
  n?: number;
  /** Bytes per shard (default 1 MiB). */
  shardSize?: number;
  /** Column Merkle tree depth, 4-ary levels (default 13: columns up to 33 GB). */
  columnTreeDepth?: number;
  /** Worker threads for the commitments. */
  threads?: number;
  /** Where the shards and the manifest are written. */
  store: ContentStore;
  /** Progress: `stage` "encode" counts stripes, "commit" counts columns. */
  onProgress?: (progress: { stage: "encode" | "commit"; done: number; total: number }) => void;
};

/** A packaged dataset: its manifest and where the manifest is. */
export type PackagedDataset = { manifest: Manifest; manifestCid: CID };

/**
 * Turns records into a stored, committed dataset: stripes of k data shards (the last one
 * zero-padded), n − k Reed–Solomon parity shards each, every shard one raw block in `store`,
 * one Poseidon root per column (streamed back from the store, so memory stays one stripe), the
 * dataset root over them, and the dag-cbor manifest — stored too — that lists it all.
 *
 * @example
 * const { manifest, manifestCid } = await packageDataset({ name: "mnist", records, recordSize: 785, fields, splits, store });
 */
export async function packageDataset({
  name,
  records,
  recordSize,
  fields,
  splits,
  k = 8,
  n = 11,
  shardSize = 1 << 20,
  columnTreeDepth = DEFAULT_COLUMN_DEPTH,
  threads = 1,
  store,
  onProgress,
}: PackageDatasetParameters): Promise<PackagedDataset> {
  if (!Number.isInteger(recordSize) || recordSize < 1 || records.byteLength % recordSize !== 0) {
    throw new VeritrainError(`records must be whole ${recordSize}-byte records, got ${records.byteLength} bytes`, {
      code: "DATASET_INVALID",
      details: { field: "records", byteLength: records.byteLength, recordSize },
    });
  }
  const layout = stripeLayout({ k, n, shardSize, byteLength: records.byteLength });
  const stripeBytes = k * shardSize;
  const shards: CID[][] = [];
  for (let stripe = 0; stripe < layout.stripeCount; stripe++) {
    const dataShards = Array.from({ length: k }, (_, i) => {
      const shard = new Uint8Array(shardSize);
      const start = stripe * stripeBytes + i * shardSize;
      shard.set(records.subarray(Math.min(start, records.byteLength), Math.min(start + shardSize, records.byteLength)));
      return shard;
    });
    const parity = encodeStripe({ dataShards, parityCount: n - k });
    shards.push(await Promise.all([...dataShards, ...parity].map((shard) => store.put(shard))));
    onProgress?.({ stage: "encode", done: stripe + 1, total: layout.stripeCount });
  }
  const roots: bigint[] = [];
  for (let column = 0; column < n; column++) {
    const { root } = await columnRoot({ column: columnShards(store, shards, column), depth: columnTreeDepth, threads });
    roots.push(root);
    onProgress?.({ stage: "commit", done: column + 1, total: n });
  }
  const manifest: Manifest = {
    version: MANIFEST_VERSION,
    name,
    recordSize,
    recordCount: records.byteLength / recordSize,
    fields,
    splits,
    layout,
    shards,
    columnTreeDepth,
    columnRoots: roots.map(fieldToBytes32Hex),
    datasetRoot: fieldToBytes32Hex(datasetRoot(roots)),
  };
  const { bytes, cid } = await encodeManifest(manifest);
  const stored = await store.put(bytes);
  if (!equals(stored.multihash.bytes, cid.multihash.bytes)) {
    throw new VeritrainError(`store returned ${stored} for the manifest ${cid}`, { code: "CONTENT_CID_MISMATCH" });
  }
  return { manifest, manifestCid: cid };
}

/** The shards of one column in stripe order, read back from the store. */
async function* columnShards(store: ContentStore, shards: CID[][], column: number): AsyncGenerator<Uint8Array> {
  for (const stripe of shards) yield store.get(stripe[column]!);
}
