import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultJobSpec } from "../../../keepers/src/jobs/defaultJobSpec.ts";

describe("defaultJobSpec", () => {
  it("keeps the last 100 training images for validation and Adam at 0.001 without decay by default", () => {
    const { spec } = defaultJobSpec({ sizes: { train: 5000, test: 5000 }, trainImages: 5000 });
    assert.deepEqual(spec.dataset.splits.train, { source: "train", start: 0, end: 4900 });
    assert.deepEqual(spec.dataset.splits.validation, { source: "train", start: 4900, end: 5000 });
    assert.equal(spec.optimizer.learningRate, "0.001");
    assert.equal(spec.optimizer.learningRateDecay, "1");
    assert.equal(spec.checkpointInterval, 5);
  });

  describe("when given the devnet's recipe", () => {
    it("writes its learning rate, decay, batch size and checkpoint interval into the spec", () => {
      const { spec } = defaultJobSpec({ sizes: { train: 5000, test: 5000 }, trainImages: 4900, testImages: 1000, epochs: 4, batchSize: 20, learningRate: "0.002", learningRateDecay: "0.7", checkpointInterval: 25 });
      assert.deepEqual(
        { learningRate: spec.optimizer.learningRate, learningRateDecay: spec.optimizer.learningRateDecay, batchSize: spec.batchSize, checkpointInterval: spec.checkpointInterval, epochs: spec.epochs, test: spec.dataset.splits.test },
        { learningRate: "0.002", learningRateDecay: "0.7", batchSize: 20, checkpointInterval: 25, epochs: 4, test: { source: "test", start: 0, end: 1000 } },
      );
    });
  });
});
