import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { contentId, RAW_CODEC } from "../../../keepers/src/training/contentId.ts";
import { encodeModel, heUniform, int } from "../../../keepers/src/training/onnxBuilder.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import { createResidualCnnOnnx } from "../../../keepers/src/training/residualCnn.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { jobProgram } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { OPERATOR_KINDS } from "../../../keepers/src/trainingVm/stepProgram.ts";
import { assertThreadIdentity, gradientCheck, smallJob } from "./fixtures.ts";
import { assertAgreesWithOnnxRuntime } from "./runtimeComparison.ts";

const SMALL = createResidualCnnOnnx({ seed: 2n, channels: [4, 8] });

describe("residual networks (Add of two earlier layers)", () => {
  it("builds the residual CNN as a graph: each block's Add reads the block's input and its second BatchNorm", () => {
    const { definition } = importOnnxModel(createResidualCnnOnnx({ seed: 1n }));
    const adds = definition.layers.flatMap((layer, i) => (layer.kind === "add" ? [[i, layer.inputs]] : []));
    assert.deepEqual(adds, [[8, [7, 2]], [19, [18, 13]]]);
    assert.equal(definition.parameterCount, 44202);
    assert.equal(contentId({ bytes: createResidualCnnOnnx({ seed: 1n }), codec: RAW_CODEC }), "bafkreicknmgz56gwqaactrnzgtltvk4qzpamha7iezmtbb27kmihhexbvi", "docs/training.md §10's CID");
  });

  it("smooth residual CNN: every sampled gradient element agrees with a central finite difference", () => {
    const samples = gradientCheck(createResidualCnnOnnx({ seed: 3n, channels: [4, 8], smooth: true }));
    for (const { index, analytic, numeric } of samples) {
      assert.ok(Math.abs(numeric - analytic) <= 2e-3 + 0.05 * Math.abs(analytic), `parameter ${index}: analytic ${analytic}, numeric ${numeric}`);
    }
    assert.ok(samples.some(({ analytic }) => Math.abs(analytic) > 1e-3), "the gradient is not trivially zero");
  });

  /** flatten → fc1 (784→8) → `activation` → Add of (`first`, `second`) → fc2 (8→10), an activation read once or twice. */
  function branchedMlp(operands: (t: string) => [string, string], activation = "Tanh"): Uint8Array {
    const initializers = [
      heUniform(5n, 0, "fc1.weight", [8, 784], 784, false), heUniform(5n, 1, "fc1.bias", [8], 784, true),
      heUniform(5n, 2, "fcb.weight", [8, 784], 784, false), heUniform(5n, 3, "fcb.bias", [8], 784, true),
      heUniform(5n, 4, "fc2.weight", [10, 8], 8, false), heUniform(5n, 5, "fc2.bias", [10], 8, true),
    ];
    const [first, second] = operands("a");
    const nodes = [
      { name: "flatten", opType: "Flatten", input: ["input"], output: ["flat"], attribute: [int("axis", 1)] },
      { name: "fc1", opType: "Gemm", input: ["flat", "fc1.weight", "fc1.bias"], output: ["h"], attribute: [int("transB", 1)] },
      { name: "act", opType: activation, input: ["h"], output: ["a"] },
      ...(second === "b" ? [
        { name: "fcb", opType: "Gemm", input: ["flat", "fcb.weight", "fcb.bias"], output: ["hb"], attribute: [int("transB", 1)] },
        { name: "actb", opType: activation, input: ["hb"], output: ["b"] },
      ] : []),
      { name: "add", opType: "Add", input: [first, second], output: ["sum"] },
      { name: "fc2", opType: "Gemm", input: ["sum", "fc2.weight", "fc2.bias"], output: ["logits"], attribute: [int("transB", 1)] },
    ];
    return encodeModel({ name: "branched", nodes, initializers: second === "b" ? initializers : [...initializers.slice(0, 2), ...initializers.slice(4)], inputShape: [1, 28, 28], classes: 10 });
  }

  for (const [name, model] of [
    ["an Add reading one activation twice: its gradient is the sum of both", branchedMlp((a) => [a, a])],
    ["an Add of two in-place ReLUs: each gets the whole output gradient, whichever masks first", branchedMlp((a) => [a, "b"], "Relu")],
  ] as const) {
    it(`${name} (central finite differences)`, () => {
      const samples = gradientCheck(model);
      for (const { index, analytic, numeric } of samples) {
        assert.ok(Math.abs(numeric - analytic) <= 2e-3 + 0.05 * Math.abs(analytic), `parameter ${index}: analytic ${analytic}, numeric ${numeric}`);
      }
      assert.ok(samples.slice(0, 8).some(({ analytic }) => Math.abs(analytic) > 1e-3), "fc1 gets a gradient through the Add");
    });
  }

  it("trains to bit-identical checkpoints on 1, 2 and 3 threads", async () => {
    await assertThreadIdentity(SMALL);
  });

  it("exports a trained model whose onnxruntime predictions equal the engine's on all 10,000 test images", { timeout: 300_000 }, async () => {
    const job = smallJob({ modelBytes: SMALL, trainCount: 2048, batchSize: 32, microBatches: 2, checkpointInterval: 100 });
    const { finalState } = await trainJob({ job, threads: 2 });
    await assertAgreesWithOnnxRuntime(job, finalState.params, 0.6);
  });

  it("commits a training-VM program (its Adds and BatchNorms run on the VM), with gradient clipping too", () => {
    const kinds = new Set(jobProgram(smallJob({ modelBytes: SMALL, trainCount: 64 })).operators.map((o) => OPERATOR_KINDS[o.kind]));
    for (const kind of ["add", "batchNorm", "batchNormBackward"]) assert.ok(kinds.has(kind as never), `the program has ${kind}`);
    const clipped = new Set(jobProgram(smallJob({ modelBytes: SMALL, trainCount: 64, optimizer: "adamw" })).operators.map((o) => OPERATOR_KINDS[o.kind]));
    for (const kind of ["batchNorm", "reduce", "clipFactor", "optimizer"]) assert.ok(clipped.has(kind as never), `the clipped job's program has ${kind}`);
  });
});
