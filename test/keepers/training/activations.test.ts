/**
 * The engine's Sigmoid, Tanh, LogSoftmax and average pooling (docs/training.md §4), on LeCun's
 * LeNet-5 (Tanh, AveragePool) and on LeNet-5 ending in LogSoftmax as PyTorch models do: gradients
 * against finite differences, bit-identical runs on 1, 2 and 3 threads, onnxruntime's predictions
 * of the trained model, and the training VM's program (a game, not a committee, disputes such a job).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import { LogSoftmax } from "../../../keepers/src/training/logSoftmax.ts";
import { onnx } from "../../../keepers/src/training/onnxProto.ts";
import { PRNG_DOMAIN, SplitMix64 } from "../../../keepers/src/training/prng.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { jobProgram, programOf } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { assertThreadIdentity, gradientCheck, smallJob } from "./fixtures.ts";
import { assertAgreesWithOnnxRuntime } from "./runtimeComparison.ts";

const CLASSIC = createLeNet5Onnx({ seed: 1n, activation: "tanh", pooling: "average" });

/** `base` (LeNet-5 of seed 1 by default) ending in LogSoftmax, as a PyTorch model before its NLL loss is exported. */
function withLogSoftmax(base = createLeNet5Onnx({ seed: 1n }), axis?: number): Uint8Array {
  const model = onnx.ModelProto.decode(base);
  const graph = model.graph!;
  graph.node!.at(-1)!.output = ["scores"];
  graph.node!.push({ name: "log_softmax", opType: "LogSoftmax", input: ["scores"], output: ["logits"], attribute: axis === undefined ? [] : [{ name: "axis", type: 2, i: axis }] });
  return onnx.ModelProto.encode(model).finish();
}

describe("Sigmoid, Tanh, LogSoftmax and average pooling", () => {
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

  it("LogSoftmax: imported at the end of a flat model (axis 1 or −1), its gradient agrees with central finite differences", () => {
    assert.equal(importOnnxModel(withLogSoftmax(undefined, 1)).definition.layers.at(-1)!.kind, "logSoftmax");
    assert.throws(() => importOnnxModel(withLogSoftmax(undefined, 0)), (e: unknown) => e instanceof VeritrainError && e.code === "ONNX_UNSUPPORTED_ATTRIBUTE" && /axis=0/.test(e.message));
    // On LeCun's LeNet-5: finite differences would cross ReLU's and max pooling's kinks.
    const samples = gradientCheck(withLogSoftmax(createLeNet5Onnx({ seed: 3n, activation: "tanh", pooling: "average" })));
    for (const { index, analytic, numeric } of samples) {
      assert.ok(Math.abs(numeric - analytic) <= 2e-3 + 0.05 * Math.abs(analytic), `parameter ${index}: analytic ${analytic}, numeric ${numeric}`);
    }
  });

  it("LogSoftmax: its input gradient for any output gradient agrees with central finite differences", () => {
    // The loss's own output gradient sums to ~0 over the features, which hides LogSoftmax's Σdy term: test the layer alone.
    const F = 10;
    const layer = new LogSoftmax({ inputShape: [F], maxExamples: 1 });
    const rng = SplitMix64.keyed({ seed: 5n, domain: PRNG_DOMAIN.init, index: 0n });
    const z = Float32Array.from({ length: F }, () => 4 * rng.nextUnit() - 2);
    const dy = Float32Array.from({ length: F }, () => 2 * rng.nextUnit() - 1);
    const objective = (input: Float32Array) => {
      layer.forward(input, 1);
      return layer.output.reduce((sum, y, j) => sum + y * dy[j]!, 0);
    };
    objective(z);
    layer.backward(z, dy, 1);
    const analytic = Float32Array.from(layer.inputGradient);
    for (let j = 0; j < F; j++) {
      const probe = Float32Array.from(z);
      probe[j] = z[j]! + 1e-3;
      const [plus, up] = [probe[j]!, objective(probe)];
      probe[j] = z[j]! - 1e-3;
      const [minus, down] = [probe[j]!, objective(probe)];
      const numeric = (up - down) / (plus - minus);
      assert.ok(Math.abs(numeric - analytic[j]!) <= 2e-3 + 0.01 * Math.abs(analytic[j]!), `feature ${j}: analytic ${analytic[j]}, numeric ${numeric}`);
    }
  });

  it("LogSoftmax: a trained model's onnxruntime predictions equal the engine's on all 10,000 test images, bit-identical on 1 and 2 threads", { timeout: 300_000 }, async () => {
    const job = smallJob({ modelBytes: withLogSoftmax(), trainCount: 2048, batchSize: 64, microBatches: 4, checkpointInterval: 8 });
    const one = await trainJob({ job, threads: 1 });
    const two = await trainJob({ job, threads: 2 });
    assert.deepEqual(two.hashes, one.hashes);
    await assertAgreesWithOnnxRuntime(job, two.finalState.params);
  });

  it("trains LeCun's LeNet-5 to bit-identical checkpoints on 1, 2 and 3 threads", async () => {
    await assertThreadIdentity(CLASSIC);
  });

  it("exports a trained model whose onnxruntime predictions equal the engine's on all 10,000 test images", { timeout: 300_000 }, async () => {
    const job = smallJob({ modelBytes: CLASSIC, trainCount: 2048, batchSize: 64, microBatches: 4, checkpointInterval: 100 });
    const { finalState } = await trainJob({ job, threads: 2 });
    await assertAgreesWithOnnxRuntime(job, finalState.params);
  });

  it("runs on the training VM, as LeNet-5 ending in LogSoftmax does, so their jobs commit a program and a game disputes them", () => {
    for (const modelBytes of [CLASSIC, withLogSoftmax()]) {
      const job = smallJob({ modelBytes, trainCount: 128 });
      assert.equal(programOf(job)?.hash, jobProgram(job).hash);
    }
  });
});
