/**
 * BatchNormalization (docs/training.md §4, §6) on LeNet-5 with a BatchNorm after each Conv and
 * hidden Gemm: its import and refusals, gradients against finite differences, running statistics,
 * bit-identical runs on 1, 2 and 3 threads, onnxruntime's predictions of the trained model (which
 * normalises with the running statistics), and the training VM's refusal.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import { onnx } from "../../../keepers/src/training/onnxProto.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { programOf } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { assertThreadIdentity, gradientCheck, smallJob } from "./fixtures.ts";
import { assertAgreesWithOnnxRuntime } from "./runtimeComparison.ts";

const NORMALIZED = createLeNet5Onnx({ seed: 1n, batchNorm: true });

/** NORMALIZED with one edit to its decoded protobuf. */
function edited(edit: (graph: NonNullable<ReturnType<typeof onnx.ModelProto.decode>["graph"]>) => void): Uint8Array {
  const model = onnx.ModelProto.decode(Uint8Array.from(NORMALIZED)); // decode shares the bytes it reads
  edit(model.graph!);
  return onnx.ModelProto.encode(model).finish();
}

describe("BatchNormalization", () => {
  it("imports its scale and bias as parameters and its running mean and variance as statistics (momentum 0.9, ε 1e-5)", () => {
    const { definition } = importOnnxModel(NORMALIZED);
    const conv1 = definition.layers[1]!;
    assert.deepEqual(conv1, { kind: "batchNorm", name: "conv1.bn", channels: 6, positions: 784, epsilon: Math.fround(1e-5), scale: 2, bias: 3, mean: 4, variance: 5, inputs: [0] });
    assert.deepEqual(definition.layers[10], { ...definition.layers[10], kind: "batchNorm", channels: 120, positions: 1 });
    assert.deepEqual(definition.parameters.slice(2, 6).map((t) => [t.name, t.statistic?.momentum]), [
      ["conv1.bn.scale", undefined], ["conv1.bn.bias", undefined], ["conv1.bn.mean", Math.fround(0.9)], ["conv1.bn.var", Math.fround(0.9)],
    ]);
    assert.equal(definition.parameterCount, 62610);
  });

  it("refuses spatial = 0, a negative running variance, and one example per micro-batch over features", () => {
    const spatial = edited((graph) => {
      graph.node![1]!.attribute = [{ name: "spatial", type: 2, i: 0 }];
    });
    assert.throws(() => importOnnxModel(spatial), (e: unknown) => e instanceof VeritrainError && e.code === "ONNX_UNSUPPORTED_ATTRIBUTE" && /BatchNormalization node "conv1.bn": attribute spatial=0/.test(e.message));
    const negative = edited((graph) => {
      const variance = graph.initializer!.find((t) => t.name === "conv1.bn.var")!;
      new DataView(variance.rawData!.buffer, variance.rawData!.byteOffset).setFloat32(0, -1, true);
    });
    assert.throws(() => importOnnxModel(negative), (e: unknown) => e instanceof VeritrainError && e.code === "ONNX_MODEL_INVALID" && /running variance "conv1.bn.var" must be finite and ≥ 0/.test(e.message));
    assert.throws(
      () => smallJob({ modelBytes: NORMALIZED, trainCount: 128, batchSize: 4, microBatches: 4 }),
      (e: unknown) => e instanceof VeritrainError && e.code === "JOB_SPEC_INVALID" && /microBatches must leave at least 2 examples per micro-batch .* node "fc1.bn"/.test(e.message),
    );
  });

  it("has gradients that agree with central finite differences (training mode, the examples' own statistics)", () => {
    // Tanh and average pooling: a loss without ReLU's and max pooling's kinks, which finite differences of 4 normalised examples would cross.
    const samples = gradientCheck(createLeNet5Onnx({ seed: 3n, batchNorm: true, activation: "tanh", pooling: "average" }));
    assert.equal(samples.length, 4 * 18);
    for (const { index, analytic, numeric } of samples) {
      assert.ok(Math.abs(numeric - analytic) <= 2e-3 + 0.05 * Math.abs(analytic), `parameter ${index}: analytic ${analytic}, numeric ${numeric}`);
    }
    assert.ok(samples.some(({ analytic }) => Math.abs(analytic) > 1e-3), "the gradient is not trivially zero");
  });

  it("trains to bit-identical checkpoints on 1, 2 and 3 threads, moving the running statistics", async () => {
    const { job, run: one } = await assertThreadIdentity(NORMALIZED);
    const [mean, variance] = job.model.definition.parameters.filter((t) => t.name.startsWith("conv1.bn.") && t.statistic);
    const params = one.finalState.params;
    // 8 steps at momentum 0.9 move 1 − 0.9⁸ ≈ 57 % of the way to the batch statistics: conv1's outputs are not centred at 0 with variance 1.
    assert.ok(Array.from(params.subarray(mean!.offset, mean!.offset + 6)).every((m) => m !== 0), "every running mean moved");
    assert.ok(Array.from(params.subarray(variance!.offset, variance!.offset + 6)).every((v) => v > 0 && v !== 1), "every running variance moved and stays positive");
    // Statistics take no optimizer step: their Adam moments stay 0.
    assert.ok(one.finalState.optimizerState.every((vector) => vector.subarray(mean!.offset, variance!.offset + 6).every((x) => x === 0)));
  });

  it("exports a trained model whose onnxruntime predictions (running statistics) equal the engine's on all 10,000 test images", { timeout: 300_000 }, async () => {
    const job = smallJob({ modelBytes: NORMALIZED, trainCount: 2048, batchSize: 64, microBatches: 4, checkpointInterval: 100 });
    const { finalState } = await trainJob({ job, threads: 2 });
    await assertAgreesWithOnnxRuntime(job, finalState.params);
  });

  it("commits a training-VM program, so that a game disputes its job, with gradient clipping too", () => {
    const plain = programOf(smallJob({ modelBytes: NORMALIZED, trainCount: 128 }));
    const clipped = programOf(smallJob({ modelBytes: NORMALIZED, trainCount: 128, optimizer: "adamw" }));
    assert.ok(plain !== undefined && clipped !== undefined);
    assert.notEqual(clipped.hash, plain.hash, "clipping is part of the program");
  });
});
