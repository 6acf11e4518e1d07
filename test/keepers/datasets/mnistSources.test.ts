import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Manifest } from "../../../keepers/src/datasets/manifest.ts";
import { mnistRecords } from "../../../keepers/src/datasets/mnistRecords.ts";
import { mnistSourcesFromRecords } from "../../../keepers/src/datasets/mnistSources.ts";
import { loadMnist, sliceImageSet } from "../../../keepers/src/training/mnist.ts";

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
