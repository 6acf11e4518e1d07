import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { CID } from "multiformats/cid";
import { createHeliaContentStore } from "../../../keepers/src/content/heliaContentStore.ts";
import type { Manifest } from "../../../keepers/src/datasets/manifest.ts";
import { mnistRecords } from "../../../keepers/src/datasets/mnistRecords.ts";
import { mnistSourcesFromRecords, readMnistSplits } from "../../../keepers/src/datasets/mnistSources.ts";
import { packageDataset } from "../../../keepers/src/datasets/packageDataset.ts";
import { sliceImageSet } from "../../../keepers/src/training/idxImageSet.ts";
import { loadMnist } from "../../../keepers/src/training/mnist.ts";

describe("mnistSourcesFromRecords", () => {
  const mnist = loadMnist();
  const packed = mnistRecords(mnist, { limit: 30 });
  // Only the fields the reader looks at; layout and commitments do not matter here.
  const manifest = { name: "mnist-30", recordSize: packed.recordSize, recordCount: 60, fields: packed.fields, splits: packed.splits } as Manifest;

  it("reads back the images and labels mnistRecords packed, split by split", () => {
    const sources = mnistSourcesFromRecords({ manifest, bytes: packed.records });
    for (const split of ["train", "test"] as const) {
      const expected = sliceImageSet({ set: mnist[split], start: 0, end: 30 });
      assert.equal(sources[split].count, 30);
      assert.deepEqual(sources[split].pixels, expected.pixels);
      assert.deepEqual(sources[split].labels, expected.labels);
    }
  });

  it("refuses datasets that are not MNIST records, naming what does not fit", () => {
    const refuse = (changed: Partial<Manifest>, bytes: Uint8Array, rule: RegExp) =>
      assert.throws(() => mnistSourcesFromRecords({ manifest: { ...manifest, ...changed }, bytes }), { code: "DATASET_NOT_MNIST", message: rule });
    refuse({ fields: [{ name: "bytes", offset: 0, length: 785, type: "uint8" }] }, packed.records, /no one-byte label field at offset 0/);
    refuse({ splits: [packed.splits[0]!] }, packed.records, /no split named test/);
    refuse({}, packed.records.subarray(1), /47099 bytes for 60 records/);
  });
});

describe("readMnistSplits", () => {
  it("reads the first images of each split from the data shards they live in only, in unshared memory; refuses a count past a split", async (t) => {
    const mnist = loadMnist();
    const packed = mnistRecords(mnist, { limit: 30 });
    const directory = await mkdtemp(join(tmpdir(), "veritrain-mnist-splits-"));
    const store = await createHeliaContentStore({ directory });
    t.after(async () => {
      await store.close();
      await rm(directory, { recursive: true, force: true });
    });
    const { manifest } = await packageDataset({ name: "mnist-30", ...packed, k: 4, n: 6, shardSize: 1024, columnTreeDepth: 8, store });
    // Parity columns serve nothing: intact data shards are all the reader needs (no erasure decoding).
    const source = (column: number) => (column < 4 ? { backend: "data columns", get: (cid: CID) => store.get(cid) } : undefined);
    const sources = await readMnistSplits({ manifest, source, counts: { train: 20, test: 10 } });
    for (const [split, count] of [["train", 20], ["test", 10]] as const) {
      const expected = sliceImageSet({ set: mnist[split], start: 0, end: count });
      assert.equal(sources[split].count, count);
      assert.deepEqual(sources[split].pixels, expected.pixels);
      assert.deepEqual(sources[split].labels, expected.labels);
      assert.ok(!(sources[split].pixels.buffer instanceof SharedArrayBuffer), "a browser without cross-origin isolation has no SharedArrayBuffer");
    }
    await assert.rejects(readMnistSplits({ manifest, source, counts: { train: 31, test: 0 } }), { code: "DATASET_NOT_MNIST", message: /split train has 30 records, 31 were asked for/ });
  });
});
