/**
 * Splits that keep some labels only (docs/training.md §3, "Splits"): which examples a prepared job reads, in which
 * order, the refusals that need the data (an empty split, a batch larger than the split), and a training run and
 * a training-VM program over such a split.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import type { JobSpec } from "../../../keepers/src/training/jobSpec.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { prepareJob } from "../../../keepers/src/training/preparedJob.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { jobProgram } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { mnistSources, smallJobSpec } from "./fixtures.ts";

const modelBytes = createLeNet5Onnx({ seed: 1n });
const HIGH = [5, 6, 7, 8, 9];

/** A short job on MNIST training images 0–499 labelled `labels`, tested on test images 0–199 with the same labels. */
function labelledSpec(labels: number[] | undefined, edit: Partial<JobSpec> = {}): JobSpec {
  const spec = smallJobSpec({ modelBytes, trainCount: 500, batchSize: 32, microBatches: 2, checkpointInterval: 4 });
  const keep = labels === undefined ? {} : { labels };
  const splits = { ...spec.dataset.splits, train: { ...spec.dataset.splits.train, ...keep }, test: { source: "test", start: 0, end: 200, ...keep } } as const;
  return { ...spec, dataset: { id: "mnist", splits }, ...edit };
}

function assertSpecInvalid(spec: JobSpec, field: string, pattern: RegExp): void {
  assert.throws(() => prepareJob({ spec, modelBytes, sources: mnistSources() }), (error: unknown) =>
    error instanceof VeritrainError && error.code === "JOB_SPEC_INVALID" && error.details.field === field && pattern.test(error.message));
}

describe("label-filtered splits", () => {
  it("reads exactly the range's examples whose label is kept, in index order", () => {
    const { train } = mnistSources();
    const job = prepareJob({ spec: labelledSpec(HIGH), modelBytes, sources: mnistSources() });
    const expected = Array.from({ length: 500 }, (_, i) => i).filter((i) => HIGH.includes(train.labels[i]!));
    assert.ok(expected.length > 200 && expected.length < 300, `${expected.length} of 500 are 5–9`);
    assert.equal(job.sets.train.count, expected.length);
    const width = train.rows * train.cols;
    expected.forEach((index, i) => {
      assert.equal(job.sets.train.labels[i], train.labels[index], `example ${i}`);
      assert.deepEqual(job.sets.train.pixels.subarray(i * width, (i + 1) * width), train.pixels.subarray(index * width, (index + 1) * width), `example ${i}`);
    });
    assert.ok([...job.sets.test.labels].every((label) => HIGH.includes(label)));
    assert.equal(job.stepsPerEpoch, Math.floor(expected.length / 32), "steps follow the kept examples");
  });

  it("refuses a split that keeps no example and a batch larger than the kept examples, naming them", () => {
    const { test } = mnistSources();
    const absent = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((label) => label !== test.labels[0])!;
    const empty = labelledSpec(undefined);
    empty.dataset.splits.test = { source: "test", start: 0, end: 1, labels: [absent] };
    assertSpecInvalid(empty, "dataset.splits.test.labels", new RegExp(`images 0–0 have none labelled ${absent}`));
    assertSpecInvalid(labelledSpec([3], { batchSize: 64, microBatches: 2 }), "batchSize", /must be at most the training split's \d+ examples \(those of images 0–499 labelled 3\)/);
  });

  it("trains, and commits a training-VM program over the kept examples only", async () => {
    const filtered = prepareJob({ spec: labelledSpec(HIGH, { epochs: 1 }), modelBytes, sources: mnistSources() });
    const whole = prepareJob({ spec: labelledSpec(undefined, { epochs: 1 }), modelBytes, sources: mnistSources() });
    assert.notEqual(filtered.cid, whole.cid);
    assert.notEqual(jobProgram(filtered), jobProgram(whole));
    const { hashes } = await trainJob({ job: filtered, threads: 1 });
    assert.equal(hashes.length, filtered.checkpointSteps.length);
  });
});
