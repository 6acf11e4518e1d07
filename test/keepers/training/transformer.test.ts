/**
 * The sequence and attention operators (docs/training.md §4) and the transformer template (§10): the
 * import of the template's graph, gradients against finite differences (whole model and each layer
 * alone), Gelu against PyTorch, the import's refusals, bit-identical runs on 1, 2 and 3 threads,
 * onnxruntime's predictions of a trained model, and the training VM's refusal.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { contentId, RAW_CODEC } from "../../../keepers/src/training/contentId.ts";
import { Gelu } from "../../../keepers/src/training/gelu.ts";
import type { Layer } from "../../../keepers/src/training/layer.ts";
import { LayerNorm } from "../../../keepers/src/training/layerNorm.ts";
import { encodeModel, heUniform, int, int64s, ints, string } from "../../../keepers/src/training/onnxBuilder.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import { onnx, type NodeProto } from "../../../keepers/src/training/onnxProto.ts";
import { prepareJob } from "../../../keepers/src/training/preparedJob.ts";
import { PRNG_DOMAIN, SplitMix64 } from "../../../keepers/src/training/prng.ts";
import { Softmax } from "../../../keepers/src/training/softmax.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { Transpose } from "../../../keepers/src/training/transpose.ts";
import { createTransformerOnnx } from "../../../keepers/src/training/transformer.ts";
import { jobProgram, programOf } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { assertThreadIdentity, gradientCheck, mnistSources, smallJob, smallJobSpec } from "./fixtures.ts";
import { assertAgreesWithOnnxRuntime } from "./runtimeComparison.ts";

const SMALL = createTransformerOnnx({ seed: 2n, width: 8, heads: 2 });

function assertVeritrainError(run: () => unknown, code: string, message: RegExp): void {
  assert.throws(run, (error: unknown) => error instanceof VeritrainError && error.code === code && message.test(error.message));
}

function assertAgrees(samples: { index: number; analytic: number; numeric: number }[]): void {
  for (const { index, analytic, numeric } of samples) {
    assert.ok(Math.abs(numeric - analytic) <= 2e-3 + 0.05 * Math.abs(analytic), `parameter ${index}: analytic ${analytic}, numeric ${numeric}`);
  }
  assert.ok(samples.some(({ analytic }) => Math.abs(analytic) > 1e-3), "the gradient is not trivially zero");
}

/** The template with node `name` changed by `edit`. */
function edited(edit: (node: NodeProto, model: ReturnType<typeof onnx.ModelProto.decode>) => void, name: string): Uint8Array {
  const model = onnx.ModelProto.decode(SMALL);
  edit(model.graph!.node!.find((node) => node.name === name)!, model);
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Checks `layer`'s input gradient for a random output gradient dy against central finite differences of
 * Σ y·dy, one input element at a time (the loss's own gradient would hide terms, as it sums to 0 over a row).
 */
function assertInputGradient(layer: Layer, size: number, seed: bigint, params = new Float32Array(0), grads = new Float32Array(0)): void {
  const rng = SplitMix64.keyed({ seed, domain: PRNG_DOMAIN.init, index: 0n });
  const x = Float32Array.from({ length: size }, () => 4 * rng.nextUnit() - 2);
  const dy = Float32Array.from({ length: size }, () => 2 * rng.nextUnit() - 1);
  const objective = (input: Float32Array) => {
    layer.forward(input, 1, params, true);
    return layer.output.subarray(0, size).reduce((sum, y, j) => sum + y * dy[j]!, 0);
  };
  objective(x);
  layer.backward(x, dy, 1, params, grads, true);
  const analytic = Float32Array.from(layer.inputGradient.subarray(0, size));
  for (let j = 0; j < size; j++) {
    const probe = Float32Array.from(x);
    probe[j] = x[j]! + 1e-3;
    const [plus, up] = [probe[j]!, objective(probe)];
    probe[j] = x[j]! - 1e-3;
    const [minus, down] = [probe[j]!, objective(probe)];
    const numeric = (up - down) / (plus - minus);
    assert.ok(Math.abs(numeric - analytic[j]!) <= 2e-3 + 0.01 * Math.abs(analytic[j]!), `element ${j}: analytic ${analytic[j]}, numeric ${numeric}`);
  }
}

describe("transformer operators", () => {
  it("imports the template as a graph: tokens, embedding, attention with two heads, pre-norm residuals, pooling", () => {
    const bytes = createTransformerOnnx({ seed: 1n });
    assert.equal(contentId({ bytes, codec: RAW_CODEC }), "bafkreiam5ucjazboqryg3wkljyzm2elldm4sybnhsilu2fztaplhnjei6i", "docs/training.md §10's CID");
    const { definition } = importOnnxModel(bytes);
    // d = 32: embedding 28·32 + 32, positions 28·32, per layer 2 LayerNorms (2·64), Q K V O (4·(32·32 + 32)),
    // fc1 32·128 + 128, fc2 128·32 + 32; final LayerNorm 64; head 32·10 + 10.
    assert.equal(definition.parameterCount, 928 + 896 + (128 + 4 * 1056 + 4224 + 4128) + 64 + 330);
    const kinds = definition.layers.map((layer) => `${layer.kind}${layer.inputs.join(",")}`);
    assert.deepEqual(kinds.slice(0, 5), ["reshape-1", "matMulWeight0", "broadcastAdd1", "broadcastAdd2", "layerNorm3"]);
    assert.deepEqual(kinds.slice(16, 25), ["transpose15", "batchedMatMul8,12", "scale17", "softmax18", "batchedMatMul19,16", "transpose20", "reshape21", "matMulWeight22", "broadcastAdd23"]);
    assert.deepEqual(kinds.slice(-4), ["add25,31", "layerNorm32", "reduceMean33", "linear34"]);
    const transposes = definition.layers.flatMap((layer) => (layer.kind === "transpose" ? [layer.perm] : []));
    assert.deepEqual(transposes, [[1, 0, 2], [1, 2, 0], [1, 0, 2], [1, 0, 2]]);
  });

  for (const gelu of ["none", "tanh"] as const) {
    it(`the template (Gelu "${gelu}"): every sampled gradient element agrees with a central finite difference`, () => {
      const samples = gradientCheck(createTransformerOnnx({ seed: 3n, width: 8, heads: 2, layers: 2, gelu }));
      assert.equal(samples.length, 4 * 39, "4 samples of each of the 39 parameter tensors");
      assertAgrees(samples);
    });
  }

  it("Softmax, LayerNorm and Gelu alone: input gradients for any output gradient agree with central finite differences", () => {
    assertInputGradient(new Softmax({ inputShape: [3, 7], maxExamples: 1 }), 21, 5n);
    const definition = { kind: "layerNorm", name: "ln", features: 6, epsilon: Math.fround(1e-5), scale: 0, bias: 1 } as const;
    const parameters = [{ name: "scale", dims: [6], offset: 0, size: 6 }, { name: "bias", dims: [6], offset: 6, size: 6 }];
    const params = Float32Array.from([0.5, -1, 2, 1.5, 0.25, 1, 0.1, 0.2, -0.3, 0, 0.5, -0.5]);
    assertInputGradient(new LayerNorm({ definition, inputShape: [4, 6], maxExamples: 1, parameters }), 24, 6n, params, new Float32Array(12));
    for (const approximate of ["none", "tanh"] as const) assertInputGradient(new Gelu({ definition: { kind: "gelu", name: "g", approximate }, inputShape: [16], maxExamples: 1 }), 16, 7n);
  });

  it("Gelu is the binary32 rounding of its binary64 formula with libm's erf and tanh, and within 2 ulp of PyTorch 1.13's float32 gelu", () => {
    const x = Float32Array.from([1, -1, 2, -0.5, 3]);
    // Python: 0.5*x*(1+math.erf(x/math.sqrt(2))) and 0.5*x*(1+math.tanh(math.sqrt(2/math.pi)*(x+0.044715*x**3))).
    const libm = {
      none: [0.8413447460685429, -0.15865525393145707, 1.9544997361036416, -0.15426876936299344, 2.99595030590511],
      tanh: [0.8411919906082768, -0.15880800939172324, 1.954597694087775, -0.15428599017485606, 2.996362607918227],
    };
    // torch.nn.functional.gelu(x) and gelu(x, approximate="tanh"), computed in float32.
    const torch = {
      none: [0.8413447141647339, -0.1586552858352661, 1.9544999599456787, -0.1542687863111496, 2.995950222015381],
      tanh: [0.8411920070648193, -0.15880799293518066, 1.9545977115631104, -0.1542859971523285, 2.9963626861572266],
    };
    for (const approximate of ["none", "tanh"] as const) {
      const layer = new Gelu({ definition: { kind: "gelu", name: "g", approximate }, inputShape: [5], maxExamples: 1 });
      layer.forward(x, 1);
      libm[approximate].forEach((reference, i) => assert.equal(layer.output[i], Math.fround(reference), `${approximate} gelu(${x[i]})`));
      torch[approximate].forEach((reference, i) => assert.ok(Math.abs(layer.output[i]! - reference) <= 2 * Math.abs(reference) * 2 ** -23, `${approximate} gelu(${x[i]}) = ${layer.output[i]}, PyTorch ${reference}`));
    }
  });

  it("Transpose moves each element to its permuted position", () => {
    // [T=3, H=2, Dh=4] → perm [1, 0, 2] → [H, T, Dh]: out[h][t][d] = in[t][h][d].
    const layer = new Transpose({ inputShape: [3, 2, 4], perm: [1, 0, 2], maxExamples: 2 });
    const input = Float32Array.from({ length: 48 }, (_, i) => i);
    layer.forward(input, 2);
    assert.deepEqual(layer.outputShape, [2, 3, 4]);
    for (let e = 0; e < 2; e++) {
      for (let h = 0; h < 2; h++) for (let t = 0; t < 3; t++) for (let d = 0; d < 4; d++) assert.equal(layer.output[e * 24 + (h * 3 + t) * 4 + d], input[e * 24 + (t * 2 + h) * 4 + d]);
    }
  });

  it("refuses what it cannot train, naming the node, the attribute, the value and the rule", () => {
    const attribute = (name: string, set: (node: NodeProto) => void) => edited((node) => set(node), name);
    assertVeritrainError(() => importOnnxModel(attribute("layer0.attention.q.transpose", (node) => { node.attribute = [ints("perm", [1, 0, 2, 3])]; })), "ONNX_UNSUPPORTED_ATTRIBUTE", /Transpose node "layer0.attention.q.transpose": attribute perm=\[1,0,2,3\] is not supported \(must permute the 4 axes keeping the batch axis 0 first\)/);
    assertVeritrainError(() => importOnnxModel(attribute("layer0.gelu", (node) => { node.attribute = [string("approximate", "fast")]; })), "ONNX_UNSUPPORTED_ATTRIBUTE", /Gelu node "layer0.gelu": attribute approximate="fast"/);
    assertVeritrainError(() => importOnnxModel(attribute("layer0.attention.softmax", (node) => { node.attribute = [int("axis", 1)]; })), "ONNX_UNSUPPORTED_ATTRIBUTE", /Softmax node "layer0.attention.softmax": attribute axis=1 .*must be -1/);
    assertVeritrainError(() => importOnnxModel(attribute("layer0.ln1", (node) => { node.attribute = [int("axis", 1)]; })), "ONNX_UNSUPPORTED_ATTRIBUTE", /LayerNormalization node "layer0.ln1": attribute axis=1/);
    assertVeritrainError(() => importOnnxModel(attribute("pool", (node) => { node.attribute = [int("keepdims", 1)]; })), "ONNX_UNSUPPORTED_ATTRIBUTE", /ReduceMean node "pool": attribute keepdims=1 .*must be 0/);
    const otherAxes = edited((_, model) => { model.graph!.initializer!.find((t) => t.name === "pool.axes")!.int64Data = [2]; }, "pool");
    assertVeritrainError(() => importOnnxModel(otherAxes), "ONNX_UNSUPPORTED_ATTRIBUTE", /ReduceMean node "pool": attribute axes=\[2\]/);
    const badSplit = edited((_, model) => { model.graph!.initializer!.find((t) => t.name === "heads.shape")!.int64Data = [0, 0, 3, -1]; }, "pool");
    assertVeritrainError(() => importOnnxModel(badSplit), "ONNX_UNSUPPORTED_ATTRIBUTE", /Reshape node "layer0.attention.q.split": attribute shape=\[0,0,3,-1\]/);
    const vectorScale = edited((_, model) => { model.graph!.initializer!.find((t) => t.name === "attention.scale")!.dims = [1, 1]; }, "pool");
    assert.equal(importOnnxModel(vectorScale).definition.layers.filter((layer) => layer.kind === "scale").length, 1, "a [1, 1] constant is one value");
    const wrongOperand = edited((node) => { node.input = [node.input![0]!, "layer0.attention.k.transpose_out"]; }, "layer0.attention.context");
    assertVeritrainError(() => importOnnxModel(wrongOperand), "ONNX_MODEL_INVALID", /MatMul node "layer0.attention.context": operands \[N,2,28,28\] and \[N,2,4,28\] must be/);
  });

  it("refuses the sequence ops on CNHW activations of several channels, and reshapes other than a flatten of them", () => {
    const initializers = [heUniform(1n, 0, "conv.weight", [2, 1, 3, 3], 9, false), heUniform(1n, 1, "w", [28, 10], 28, false), int64s("shape", [-1, 56, 28])];
    const conv = { name: "conv", opType: "Conv", input: ["input", "conv.weight"], output: ["c"], attribute: [ints("pads", [1, 1, 1, 1])] };
    const reshape = encodeModel({ name: "m", nodes: [conv, { name: "r", opType: "Reshape", input: ["c", "shape"], output: ["logits"] }], initializers, inputShape: [1, 28, 28], classes: 10 });
    assertVeritrainError(() => importOnnxModel(reshape), "ONNX_UNSUPPORTED_ATTRIBUTE", /Reshape node "r": attribute shape=\[-1,56,28\] .*2 channels stored CNHW: only flattening/);
    const matMul = encodeModel({ name: "m", nodes: [conv, { name: "mm", opType: "MatMul", input: ["c", "w"], output: ["logits"] }], initializers, inputShape: [1, 28, 28], classes: 10 });
    assertVeritrainError(() => importOnnxModel(matMul), "ONNX_MODEL_INVALID", /MatMul node "mm" needs a row-major input .*CNHW activation of 2 channels/);
  });

  it("trains to bit-identical checkpoints on 1, 2 and 3 threads, ending at docs/training.md §10's parameters", async () => {
    const { run } = await assertThreadIdentity(SMALL);
    const params = run.finalState.params;
    const digest = createHash("sha256").update(new Uint8Array(params.buffer, params.byteOffset, params.byteLength)).digest("hex");
    assert.equal(digest, "551647ce790f118d8eebce347deebdf1894ebd5b616b54c586c1064910960530");
  });

  it("learns from 2,048 images, and onnxruntime predicts all 10,000 test images as the engine does", { timeout: 300_000 }, async () => {
    const modelBytes = createTransformerOnnx({ seed: 1n });
    const spec = smallJobSpec({ modelBytes, trainCount: 2048, batchSize: 16, microBatches: 2, checkpointInterval: 100 });
    spec.optimizer = { type: "adam", learningRate: "0.003", learningRateDecay: "1", beta1: "0.9", beta2: "0.999", epsilon: "1e-8", weightDecay: "0" };
    const job = prepareJob({ spec, modelBytes, sources: mnistSources() });
    const { finalState } = await trainJob({ job, threads: 2 });
    await assertAgreesWithOnnxRuntime(job, finalState.params, 0.6);
  });

  it("is refused by the training VM, naming the layer, so its job commits no program", () => {
    const job = smallJob({ modelBytes: SMALL, trainCount: 64 });
    assert.throws(() => jobProgram(job), (error: unknown) => error instanceof VeritrainError && error.code === "VM_UNSUPPORTED" && /a reshape layer \(tokens\)/.test(error.message));
    assert.equal(programOf(job), undefined);
  });
});
