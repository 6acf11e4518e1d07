/**
 * The engine's Sigmoid, Tanh and average pooling (docs/training.md §4), on LeCun's LeNet-5 (Tanh,
 * AveragePool): gradients against finite differences, bit-identical runs on 1, 2 and 3 threads,
 * onnxruntime's predictions of the trained model, and the training VM's refusal (a committee
 * disputes such a job).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { jobProgram, programOf } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { compareWithOnnxRuntime, gradientCheck, smallJob } from "./fixtures.ts";

const CLASSIC = createLeNet5Onnx({ seed: 1n, activation: "tanh", pooling: "average" });

describe("Sigmoid, Tanh and average pooling", () => {
  for (const activation of ["tanh", "sigmoid"] as const) {
    it(`${activation} LeNet-5 with average pooling: every sampled gradient element agrees with a central finite difference`, () => {
      const samples = gradientCheck(createLeNet5Onnx({ seed: 3n, activation, pooling: "average" }));
      assert.equal(samples.length, 40);
      for (const { index, analytic, numeric } of samples) {
        assert.ok(Math.abs(numeric - analytic) <= 2e-3 + 0.05 * Math.abs(analytic), `parameter ${index}: analytic ${analytic}, numeric ${numeric}`);
      }
      assert.ok(samples.some(({ analytic }) => Math.abs(analytic) > 1e-3), "the gradient is not trivially zero");
    });
  }

  it("trains LeCun's LeNet-5 to bit-identical checkpoints on 1, 2 and 3 threads", async () => {
    const job = smallJob({ modelBytes: CLASSIC, trainCount: 128, batchSize: 32, microBatches: 4, checkpointInterval: 2, epochs: 2 });
    const one = await trainJob({ job, threads: 1 });
    const two = await trainJob({ job, threads: 2 });
    const three = await trainJob({ job, threads: 3 });
    assert.equal(new Set(one.hashes).size, one.hashes.length, "every checkpoint differs from the previous one");
    assert.deepEqual(two.hashes, one.hashes);
    assert.deepEqual(three.hashes, one.hashes);
  });

  it("exports a trained model whose onnxruntime predictions equal the engine's on all 10,000 test images", { timeout: 300_000 }, async () => {
    const job = smallJob({ modelBytes: CLASSIC, trainCount: 2048, batchSize: 64, microBatches: 4, checkpointInterval: 100 });
    const { finalState } = await trainJob({ job, threads: 2 });
    const { examples, agree, correct, maxLogitDifference } = await compareWithOnnxRuntime(job, finalState.params);
    assert.ok(correct / examples > 0.8, `the model learned something (accuracy ${correct / examples})`);
    assert.ok(maxLogitDifference < 1e-3, `logits close (max difference ${maxLogitDifference})`);
    assert.equal(agree, examples, `argmax agreement ${agree}/${examples}`);
  });

  it("is refused by the training VM, naming the layer, so its job commits no program and a committee disputes it", () => {
    const job = smallJob({ modelBytes: CLASSIC, trainCount: 128 });
    assert.throws(() => jobProgram(job), (error: unknown) => error instanceof VeritrainError && error.code === "VM_UNSUPPORTED" && /a tanh layer \(tanh1\)/.test(error.message));
    assert.equal(programOf(job), undefined);
  });
});
