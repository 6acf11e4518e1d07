import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mnistRecords } from "../../../keepers/src/datasets/mnistRecords.ts";
import { loadMnist } from "../../../keepers/src/training/mnist.ts";

describe("mnistRecords", () => {
  const mnist = loadMnist();

  it("packs all 70,000 MNIST images as 785-byte records, train then test", () => {
    const { records, recordSize, splits } = mnistRecords(mnist);
    assert.equal(recordSize, 785);
    assert.equal(records.byteLength, 70_000 * 785);
    assert.deepEqual(splits, [
      { name: "train", firstRecord: 0, recordCount: 60_000 },
      { name: "test", firstRecord: 60_000, recordCount: 10_000 },
    ]);
    for (const [record, set, index] of [
      [0, mnist.train, 0],
      [59_999, mnist.train, 59_999],
      [60_000, mnist.test, 0],
      [69_999, mnist.test, 9_999],
    ] as const) {
      assert.equal(records[record * 785], set.labels[index]);
      assert.deepEqual(records.subarray(record * 785 + 1, (record + 1) * 785), set.pixels.subarray(index * 784, (index + 1) * 784));
    }
  });

  it("takes the first `limit` images of each split", () => {
    const { records, splits } = mnistRecords(mnist, { limit: 10 });
    assert.equal(records.byteLength, 20 * 785);
    assert.deepEqual(splits[1], { name: "test", firstRecord: 10, recordCount: 10 });
  });
});
