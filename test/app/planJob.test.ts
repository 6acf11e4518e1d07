import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseUnits } from "viem";
import { planJob, type PlanJobContext, type PostJobForm } from "../../app/src/jobs/planJob.ts";
import { contentId, RAW_CODEC } from "../../keepers/src/training/contentId.ts";
import { createResidualCnnOnnx } from "../../keepers/src/training/residualCnn.ts";
import { createLeNet5Onnx } from "../../keepers/src/training/lenet5.ts";

const FORM: PostJobForm = {
  datasetId: "1", model: "lenet5", epochs: "1", trainImages: "400", testImages: "200", seed: "1", batchSize: "20", learningRate: "0.001", checkpointInterval: "5",
  reward: "10", minStake: "100", biddingPeriod: "60", executionPeriod: "3600", challengeWindow: "600",
};
const CONTEXT: PlanJobContext = { sizes: { train: 500, test: 500 }, maxChallengeWindow: 604800, balance: parseUnits("1000", 18) };

describe("planJob", () => {
  describe("when every field is right", () => {
    it("builds the CLI's LeNet-5 spec sized by the dataset and the order in wei and seconds", () => {
      const { plan, errors } = planJob(FORM, CONTEXT);
      assert.deepEqual(errors, {});
      assert.deepEqual(plan!.order, { datasetId: 1n, reward: parseUnits("10", 18), minStake: parseUnits("100", 18), biddingPeriod: 60, executionPeriod: 3600, challengeWindow: 600 });
      assert.deepEqual(plan!.spec.dataset.splits.train, { source: "train", start: 0, end: 400 });
      assert.deepEqual(plan!.spec.dataset.splits.test, { source: "test", start: 0, end: 200 });
      assert.equal(plan!.spec.model, contentId({ bytes: plan!.modelBytes, codec: RAW_CODEC }));
    });

    it("builds the chosen template's model: LeNet-5 with BatchNorm, LeCun's, or the residual CNN", () => {
      const batchNorm = planJob({ ...FORM, model: "lenet5-batchnorm" }, CONTEXT).plan!;
      assert.deepEqual(batchNorm.modelBytes, createLeNet5Onnx({ seed: 1n, batchNorm: true }));
      assert.equal(batchNorm.spec.model, contentId({ bytes: batchNorm.modelBytes, codec: RAW_CODEC }));
      assert.deepEqual(planJob({ ...FORM, model: "lenet5-classic" }, CONTEXT).plan!.modelBytes, createLeNet5Onnx({ seed: 1n, activation: "tanh", pooling: "average" }));
      assert.deepEqual(planJob({ ...FORM, model: "resnet" }, CONTEXT).plan!.modelBytes, createResidualCnnOnnx({ seed: 1n }));
    });

    it("names the uploaded model in the spec instead of the template", () => {
      const bytes = createLeNet5Onnx({ seed: 7n });
      const { plan } = planJob({ ...FORM, model: "upload" }, { ...CONTEXT, upload: { bytes } });
      assert.equal(plan!.modelBytes, bytes);
      assert.equal(plan!.spec.model, contentId({ bytes, codec: RAW_CODEC }));
    });
  });

  describe("when a field breaks a rule", () => {
    it("says the reward is more than the balance and the window above JobRegistry's maximum", () => {
      const { plan, errors } = planJob({ ...FORM, reward: "5000", challengeWindow: "604801" }, CONTEXT);
      assert.equal(plan, undefined);
      assert.equal(errors.reward, "That is more than the 1000 tokens you have for this.");
      assert.equal(errors.challengeWindow, "The challenge window in seconds must be from 1 to 604,800.");
    });

    it("refuses zero periods and non-numbers", () => {
      const { errors } = planJob({ ...FORM, biddingPeriod: "0", executionPeriod: "soon", minStake: "0" }, CONTEXT);
      assert.match(errors.biddingPeriod!, /from 1 to/);
      assert.match(errors.executionPeriod!, /whole number/);
      assert.match(errors.minStake!, /more than 0/);
    });

    it("says how many training and test images the dataset has room for", () => {
      const { errors } = planJob({ ...FORM, trainImages: "480", testImages: "600" }, CONTEXT);
      assert.equal(errors.trainImages, "Dataset 1 has room for 450 training images (50 more validate).");
      assert.equal(errors.testImages, "Dataset 1 has 500 test images.");
    });

    it("reports the engine's spec rules on their field (batch size not divisible by its micro-batches is fixed, epochs bounded)", () => {
      assert.match(planJob({ ...FORM, epochs: "20000" }, CONTEXT).errors.epochs!, /from 1 to 10,000/);
      assert.match(planJob({ ...FORM, learningRate: "fast" }, CONTEXT).errors.learningRate!, /positive decimal/);
      assert.match(planJob({ ...FORM, batchSize: "1000" }, CONTEXT).errors.batchSize!, /at most the 400 training images/);
    });

    it("refuses a missing or refused upload", () => {
      assert.match(planJob({ ...FORM, model: "upload" }, CONTEXT).errors.model!, /Choose an ONNX file/);
      assert.equal(planJob({ ...FORM, model: "upload" }, { ...CONTEXT, upload: { bytes: new Uint8Array(1), error: "The engine cannot train this model." } }).errors.model, "The engine cannot train this model.");
    });

    it("refuses to plan without the dataset's sizes", () => {
      const { plan, errors } = planJob(FORM, { ...CONTEXT, sizes: { error: "Could not read dataset 1's manifest." } });
      assert.equal(plan, undefined);
      assert.equal(errors.datasetId, "Could not read dataset 1's manifest.");
    });
  });
});
