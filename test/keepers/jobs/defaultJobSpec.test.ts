import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultJobSpec } from "../../../keepers/src/jobs/defaultJobSpec.ts";
import { contentId, RAW_CODEC } from "../../../keepers/src/training/contentId.ts";
import type { ModelTemplateName } from "../../../keepers/src/training/modelTemplates.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";

describe("defaultJobSpec", () => {
  it("keeps the last 100 training images for validation and Adam at 0.001 without decay by default", () => {
    const { spec } = defaultJobSpec({ sizes: { train: 5000, test: 5000 }, trainImages: 5000 });
    assert.deepEqual(spec.dataset.splits.train, { source: "train", start: 0, end: 4900 });
    assert.deepEqual(spec.dataset.splits.validation, { source: "train", start: 4900, end: 5000 });
    assert.equal(spec.optimizer.learningRate, "0.001");
    assert.equal(spec.optimizer.learningRateDecay, "1");
    assert.equal(spec.checkpointInterval, 5);
  });

  it("names the model of its template: LeNet-5 by default, with BatchNorm, LeCun's, the residual CNN, or the transformer", () => {
    const kinds = (template?: ModelTemplateName) => {
      const { spec, modelBytes } = defaultJobSpec({ sizes: { train: 5000, test: 5000 }, template });
      assert.equal(spec.model, contentId({ bytes: modelBytes, codec: RAW_CODEC }));
      return importOnnxModel(modelBytes).definition.layers.map((l) => l.kind);
    };
    assert.deepEqual(kinds().slice(0, 3), ["conv", "relu", "maxPool"]);
    assert.deepEqual(kinds("lenet5-batchnorm").slice(0, 4), ["conv", "batchNorm", "relu", "maxPool"]);
    assert.deepEqual(kinds("lenet5-classic").slice(0, 3), ["conv", "tanh", "averagePool"]);
    assert.equal(kinds("resnet").filter((kind) => kind === "add").length, 2);
    assert.ok(kinds("transformer").includes("softmax"));
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
