import type { ImageSet, MnistSources } from "../training/mnist.ts";
import type { RecordField, Split } from "./manifest.ts";

/** MNIST as dataset records: one label byte, then the 28×28 pixel bytes row-major. */
export type MnistRecords = { records: Uint8Array; recordSize: number; fields: RecordField[]; splits: Split[] };

/**
 * Packs MNIST into fixed-size records, the train images first, then the test images, so a
 * sample is `recordSize` bytes at `index × recordSize` and splits are record ranges.
 *
 * @example
 * const { records, recordSize, fields, splits } = mnistRecords(loadMnist());
 */
export function mnistRecords({ train, test }: MnistSources, { limit }: { limit?: number } = {}): MnistRecords {
  const pixels = train.rows * train.cols;
  const recordSize = 1 + pixels;
  const take = (set: ImageSet) => Math.min(set.count, limit ?? set.count);
  const trainCount = take(train);
  const testCount = take(test);
  const records = new Uint8Array((trainCount + testCount) * recordSize);
  let record = 0;
  for (const [set, count] of [
    [train, trainCount],
    [test, testCount],
  ] as const) {
    for (let i = 0; i < count; i++, record++) {
      records[record * recordSize] = set.labels[i]!;
      records.set(set.pixels.subarray(i * pixels, (i + 1) * pixels), record * recordSize + 1);
    }
  }
  return {
    records,
    recordSize,
    fields: [
      { name: "label", offset: 0, length: 1, type: "uint8" },
      { name: "image", offset: 1, length: pixels, type: "uint8" },
    ],
    splits: [
      { name: "train", firstRecord: 0, recordCount: trainCount },
      { name: "test", firstRecord: trainCount, recordCount: testCount },
    ],
  };
}
