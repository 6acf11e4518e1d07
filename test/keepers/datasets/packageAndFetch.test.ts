import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CID } from "multiformats/cid";
import { columnRoot } from "../../../keepers/src/commitments/columnRoot.ts";
import { fieldToBytes32Hex } from "../../../keepers/src/commitments/field.ts";
import type { ContentStore } from "../../../keepers/src/content/contentStore.ts";
import { createHeliaContentStore } from "../../../keepers/src/content/heliaContentStore.ts";
import { fetchDataset, readRecords } from "../../../keepers/src/datasets/fetchDataset.ts";
import { decodeManifest, manifestBlockCid } from "../../../keepers/src/datasets/manifest.ts";
import { packageDataset, type PackagedDataset } from "../../../keepers/src/datasets/packageDataset.ts";
import type { ShardSource } from "../../../keepers/src/datasets/fetchStripe.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";

const RECORD_SIZE = 7;
const RECORD_COUNT = 1000;
const K = 4;
const N = 7;

/** xorshift32: seeded test data, no Math.random. */
function seeded(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** A provider that serves the owner's blocks of one column only, optionally corrupting them. */
function provider(owner: ContentStore, columnCids: Set<string>, corrupt = false): ContentStore {
  return {
    ...owner,
    backend: corrupt ? "corrupt-provider" : "provider",
    async get(cid: CID) {
      if (!columnCids.has(cid.toString())) throw new VeritrainError(`${cid} is not in this column`, { code: "CONTENT_NOT_FOUND" });
      const bytes = (await owner.get(cid)).slice();
      if (corrupt) bytes[0]! ^= 0xff;
      return bytes;
    },
  };
}

describe("packageDataset and fetchDataset", () => {
  let directory: string;
  let owner: ContentStore;
  let packaged: PackagedDataset;
  const records = new Uint8Array(RECORD_SIZE * RECORD_COUNT);
  const random = seeded(7);
  records.forEach((_, i) => (records[i] = Math.floor(random() * 256)));

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "veritrain-dataset-"));
    owner = await createHeliaContentStore({ directory });
    packaged = await packageDataset({
      name: "synthetic",
      records,
      recordSize: RECORD_SIZE,
      fields: [{ name: "bytes", offset: 0, length: RECORD_SIZE, type: "uint8" }],
      splits: [{ name: "train", firstRecord: 0, recordCount: RECORD_COUNT }],
      k: K,
      n: N,
      shardSize: 512,
      columnTreeDepth: 8,
      store: owner,
    });
  });
  after(async () => {
    await owner.close();
    await rm(directory, { recursive: true, force: true });
  });

  const sources = (columns: (ContentStore | undefined)[]): ShardSource => (column) => columns[column];
  const providers = (corrupt: number[] = []) =>
    Array.from({ length: N }, (_, column) =>
      provider(owner, new Set(packaged.manifest.shards.map((stripe) => stripe[column]!.toString())), corrupt.includes(column)),
    );

  it("stores a manifest that round-trips and commits each column as recomputed", async () => {
    const { manifest, manifestCid } = packaged;
    assert.equal(manifest.layout.stripeCount, Math.ceil((RECORD_SIZE * RECORD_COUNT) / (K * 512)));
    assert.deepEqual(await decodeManifest(await owner.get(manifestBlockCid(manifestCid)), manifestCid), manifest);
    const column3 = Buffer.concat(await Promise.all(manifest.shards.map((stripe) => owner.get(stripe[3]!))));
    assert.equal(fieldToBytes32Hex((await columnRoot({ column: column3, depth: 8 })).root), manifest.columnRoots[3]);
  });

  it("returns the original bytes with every provider up", async () => {
    assert.deepEqual(await fetchDataset({ manifest: packaged.manifest, source: sources(providers()) }), records);
  });

  it("returns bit-identical bytes after losing any n − k shards of every stripe (seeded trials)", async () => {
    const pick = seeded(99);
    const everyone = providers();
    for (let trial = 0; trial < 20; trial++) {
      const lost = new Set<number>();
      while (lost.size < N - K) lost.add(Math.floor(pick() * N));
      const up = everyone.map((store, column) => (lost.has(column) ? undefined : store));
      const skipped: number[] = [];
      const bytes = await fetchDataset({ manifest: packaged.manifest, source: sources(up), onSkip: ({ column }) => skipped.push(column) });
      assert.deepEqual(bytes, records, `trial ${trial}, lost columns ${[...lost]}`);
      assert.ok(skipped.every((column) => lost.has(column)));
    }
  });

  it("detects and skips providers serving corrupted bytes", async () => {
    const skipped: { column: number; error: unknown }[] = [];
    const bytes = await fetchDataset({ manifest: packaged.manifest, source: sources(providers([0, 2])), onSkip: (s) => skipped.push(s) });
    assert.deepEqual(bytes, records);
    assert.ok(skipped.length > 0);
    assert.ok(skipped.every(({ column, error }) => [0, 2].includes(column) && error instanceof VeritrainError && error.code === "CONTENT_HASH_MISMATCH"));
  });

  it("fails clearly when fewer than k shards of a stripe are reachable", async () => {
    const up = providers().map((store, column) => (column < N - K + 1 ? undefined : store));
    await assert.rejects(
      fetchDataset({ manifest: packaged.manifest, source: sources(up) }),
      (error: unknown) => error instanceof VeritrainError && error.code === "SHARDS_UNAVAILABLE" && error.details.present === K - 1,
    );
  });

  it("reads single records, also across shard boundaries and with shards lost", async () => {
    const up = providers().map((store, column) => (column === 1 ? undefined : store));
    for (const index of [0, 73, 292, 585, RECORD_COUNT - 1]) {
      const record = await readRecords({ manifest: packaged.manifest, first: index, count: 1, source: sources(up) });
      assert.deepEqual(record, records.subarray(index * RECORD_SIZE, (index + 1) * RECORD_SIZE), `record ${index}`);
    }
  });

  it("rejects records that are not whole", async () => {
    await assert.rejects(
      packageDataset({ name: "x", records: new Uint8Array(10), recordSize: 3, fields: [], splits: [], store: owner }),
      (error: unknown) => error instanceof VeritrainError && error.code === "DATASET_INVALID",
    );
  });
});
