/**
 * Gather (a parameter table at constant indices), Concat, Unsqueeze/Squeeze and Sub (docs/training.md §4,
 * §10): gradients against finite differences, the Gather positional embedding against the Add of a
 * parameter it replaces, bit-identical runs on 1, 2 and 3 threads, onnxruntime's outputs of the exported
 * trained models, the importer's refusals, and the training VM's.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { contentId, RAW_CODEC } from "../../../keepers/src/training/contentId.ts";
import { Gather } from "../../../keepers/src/training/gather.ts";
import { constant, encodeModel, heUniform, int, int64s, ints } from "../../../keepers/src/training/onnxBuilder.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import type { NodeProto } from "../../../keepers/src/training/onnxProto.ts";
import type { PreparedJob } from "../../../keepers/src/training/preparedJob.ts";
import { createTransformerOnnx } from "../../../keepers/src/training/transformer.ts";
import { jobProgram } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { assertThreadIdentity, gradientCheck, smallJob } from "./fixtures.ts";
import { channelModel, node, tokenModel } from "./operatorModels.ts";
import { compareWithOnnxRuntime } from "./runtimeComparison.ts";

function assertRefused(bytes: Uint8Array, code: string, message: RegExp): void {
  assert.throws(() => importOnnxModel(bytes), (error: unknown) => error instanceof VeritrainError && error.code === code && message.test(error.message));
}

function assertAgrees(samples: { index: number; analytic: number; numeric: number }[]): void {
  for (const { index, analytic, numeric } of samples) {
    assert.ok(Math.abs(numeric - analytic) <= 2e-3 + 0.05 * Math.abs(analytic), `parameter ${index}: analytic ${analytic}, numeric ${numeric}`);
  }
  assert.ok(samples.some(({ analytic }) => Math.abs(analytic) > 1e-3), "the gradient is not trivially zero");
}

/**
 * onnxruntime's logits of the exported model within 1e-4 of the engine's on the 10,000 test images (a
 * briefly trained model, so its top logits may nearly tie: at most 0.1 % of the predictions may differ).
 */
async function assertForwardAgrees(job: PreparedJob, params: Float32Array): Promise<void> {
  const { examples, agree, maxLogitDifference } = await compareWithOnnxRuntime(job, params);
  assert.ok(maxLogitDifference < 1e-4, `logits within 1e-4 (max difference ${maxLogitDifference})`);
  assert.ok(agree >= examples - 10, `argmax agreement ${agree}/${examples}`);
}

/** `nodes` with node `name` replaced by `replacement`'s fields. */
function replace(nodes: NodeProto[], name: string, replacement: Partial<NodeProto>): void {
  Object.assign(nodes.find((n) => n.name === name)!, replacement);
}

describe("Gather, Concat, Unsqueeze/Squeeze and Sub", () => {
  it("imports the operators as layers: the Gathers read no activation, Unsqueeze and Squeeze are reshapes", () => {
    const { definition } = importOnnxModel(tokenModel());
    const kinds = definition.layers.map((layer) => `${layer.kind}${layer.inputs.join(",")}`);
    assert.deepEqual(kinds, [
      "reshape-1", "matMulWeight0", "gather", "add1,2", "gather", "tanh3", "add4,5", "reduceMean6", "reshape7", "concat8,6", "concat9,9",
      "broadcastAdd10", "broadcastAdd11", "reduceMean12", "reshape13", "reshape14", "linear15",
    ]);
    const byName = new Map(definition.layers.map((layer) => [layer.name, layer]));
    assert.deepEqual(byName.get("placed"), { kind: "add", name: "placed", subtract: true, inputs: [1, 2] });
    assert.deepEqual(byName.get("flipped"), { kind: "broadcastAdd", name: "flipped", parameter: 3, subtract: "input", inputs: [10] });
    assert.deepEqual(byName.get("shifted"), { kind: "broadcastAdd", name: "shifted", parameter: 4, subtract: "parameter", inputs: [11] });
    assert.deepEqual(byName.get("sequence"), { kind: "concat", name: "sequence", axis: 0, cnhw: false, inputs: [8, 6] });
    assert.deepEqual(byName.get("cls"), { kind: "reshape", name: "cls", shape: [1, 8], inputs: [7] });
    assert.deepEqual(byName.get("column"), { kind: "reshape", name: "column", shape: [16, 1], inputs: [13] });
    const rows = byName.get("rows");
    assert.ok(rows?.kind === "gather");
    assert.deepEqual(rows.indices.slice(0, 8), [0, 3, 1, 4, 2, 0, 3, 1], "negative indices count from the end (−5 at t = 0, −4 at t = 7)");
    assert.deepEqual(definition.parameters.map((p) => p.name), ["w1", "position", "table", "bias1", "bias2", "head.weight", "head.bias"]);
    const channels = importOnnxModel(channelModel()).definition.layers.filter((layer) => layer.kind === "concat");
    assert.deepEqual(channels.map((layer) => (layer.kind === "concat" ? [layer.axis, layer.cnhw] : [])), [[0, true], [1, true], [2, true]]);
  });

  it("Gather routes each output row's gradient to its table row, summed over examples and repeats", () => {
    // Values exact in binary32 (multiples of 1/8), so every summation order gives the same sums.
    const parameters = [{ name: "table", dims: [3, 2], offset: 0, size: 6 }];
    const layer = new Gather({ definition: { kind: "gather", name: "g", table: 0, indices: [2, 0, 2], indexShape: [3] }, maxExamples: 2, parameters });
    const params = Float32Array.from([1, 2, 3, 4, 5, 6]);
    layer.forward(new Float32Array(0), 2, params);
    assert.deepEqual(Array.from(layer.output), [5, 6, 1, 2, 5, 6, 5, 6, 1, 2, 5, 6]);
    const dy = Float32Array.from({ length: 12 }, (_, i) => (i + 1) / 8);
    const grads = Float32Array.from([9, 9, 9, 9, 9, 9]);
    layer.backward(new Float32Array(0), dy, 2, params, grads);
    // Row 0: positions 1 of both examples; row 2: positions 0 and 2 of both; row 1: nobody (+0).
    const sum = (...at: number[]) => at.reduce((s, i) => s + dy[i]!, 0);
    assert.deepEqual(Array.from(grads), [sum(2, 8), sum(3, 9), 0, 0, sum(0, 4, 6, 10), sum(1, 5, 7, 11)]);
    assert.ok(Object.is(grads[2], 0), "an unread row's gradient is +0");
  });

  it("every sampled gradient element agrees with a central finite difference (row tokens, and CNHW channels, rows and columns)", () => {
    const tokens = gradientCheck(tokenModel());
    assert.equal(tokens.length, 4 * 7);
    assertAgrees(tokens);
    const channels = gradientCheck(channelModel());
    assert.equal(channels.length, 4 * 5);
    assertAgrees(channels);
  });

  it("the transformer with a Gather positional embedding trains to docs/training.md §10's parameters of the Add template, on 1, 2 and 3 threads, and onnxruntime agrees with the engine", async () => {
    assert.equal(contentId({ bytes: createTransformerOnnx({ seed: 1n }), codec: RAW_CODEC }), "bafkreiam5ucjazboqryg3wkljyzm2elldm4sybnhsilu2fztaplhnjei6i", "the default template's CID is unchanged");
    assert.deepEqual(createTransformerOnnx({ seed: 1n, positional: "add" }), createTransformerOnnx({ seed: 1n }));
    const gathered = createTransformerOnnx({ seed: 2n, width: 8, heads: 2, positional: "gather" });
    const { job, run } = await assertThreadIdentity(gathered);
    const params = run.finalState.params;
    const digest = createHash("sha256").update(new Uint8Array(params.buffer, params.byteOffset, params.byteLength)).digest("hex");
    assert.equal(digest, "551647ce790f118d8eebce347deebdf1894ebd5b616b54c586c1064910960530", "the Add of the parameter's run (§10's test vector)");
    await assertForwardAgrees(job, params);
  });

  for (const [label, model] of [["row tokens", tokenModel], ["CNHW channels, rows and columns", channelModel]] as const) {
    it(`${label}: bit-identical on 1, 2 and 3 threads, and onnxruntime agrees with the engine on the exported model`, async () => {
      const { job, run } = await assertThreadIdentity(model());
      await assertForwardAgrees(job, run.finalState.params);
    });
  }

  it("refuses what it cannot train, with one line naming the node, the value and the rule", () => {
    const gather = (edit: Partial<NodeProto>) => tokenModel((nodes) => replace(nodes, "positions", edit));
    assertRefused(gather({ attribute: [int("axis", 1)] }), "ONNX_UNSUPPORTED_ATTRIBUTE", /Gather node "positions": attribute axis=1 is not supported \(must be 0/);
    assertRefused(gather({ input: ["embed", "position.indices"] }), "ONNX_MODEL_INVALID", /Gather node "positions": data "embed" must be a 2-D FLOAT initializer/);
    assertRefused(gather({ input: ["position", "embed"] }), "ONNX_MODEL_INVALID", /Gather node "positions": indices "embed" must be a constant INT64 initializer; gathering at computed indices/);
    assertRefused(tokenModel((_, initializers) => Object.assign(initializers.find((t) => t.name === "position.indices")!, { int64Data: [28, ...Array.from({ length: 27 }, (_, t) => t)] })), "ONNX_MODEL_INVALID", /Gather node "positions": index 28 \(position 0 of "position.indices"\) is outside \[-28, 27\]/);
    assertRefused(tokenModel((nodes) => replace(nodes, "tanh", { input: ["positions"] })), "ONNX_MODEL_INVALID", /Tanh node "tanh" reads "positions", a Gather's rows without a batch axis/);
    assertRefused(tokenModel((nodes) => replace(nodes, "placed", { input: ["positions", "positions"] })), "ONNX_MODEL_INVALID", /Sub node "placed": both operands are a Gather's rows/);
    assertRefused(tokenModel((nodes) => replace(nodes, "placed", { input: ["tokens", "positions"] })), "ONNX_MODEL_INVALID", /Sub node "placed": operands have shapes \[28,28\] and \[28,8\].*a Gather's rows \[28,8\] broadcast over the batch only/);
    const concat = (edit: Partial<NodeProto>) => tokenModel((nodes) => replace(nodes, "sequence", edit));
    assertRefused(concat({ attribute: [int("axis", 0)] }), "ONNX_UNSUPPORTED_ATTRIBUTE", /Concat node "sequence": attribute axis=0 .*other than the batch axis 0/);
    assertRefused(concat({ attribute: [] }), "ONNX_MODEL_INVALID", /Concat node "sequence" has no axis attribute/);
    assertRefused(concat({ attribute: [int("axis", 2)] }), "ONNX_MODEL_INVALID", /Concat node "sequence": operands \[N,1,8\] and \[N,28,8\] differ on an axis other than 2/);
    assertRefused(concat({ input: ["cls"] }), "ONNX_MODEL_INVALID", /Concat node "sequence" has 1 operand; it joins two or more/);
    const squeeze = (name: string, edit: Partial<NodeProto>) => tokenModel((nodes) => replace(nodes, name, edit));
    assertRefused(squeeze("cls", { input: ["mean"] }), "ONNX_UNSUPPORTED_ATTRIBUTE", /Unsqueeze node "cls": attribute axes=\[\] .*must name the axes/);
    assertRefused(squeeze("flat", { input: ["column"] }), "ONNX_UNSUPPORTED_ATTRIBUTE", /Squeeze node "flat": attribute axes=\[\] .*the batch axis too when N = 1/);
    assertRefused(squeeze("flat", { input: ["column", "axes1"] }), "ONNX_UNSUPPORTED_ATTRIBUTE", /Squeeze node "flat": attribute axes=\[1\] .*axis 1 of \[N,16,1\] has extent 16, not 1/);
    assertRefused(tokenModel((nodes, initializers) => { initializers.push(int64s("axes0", [0])); replace(nodes, "cls", { input: ["mean", "axes0"] }); }), "ONNX_UNSUPPORTED_ATTRIBUTE", /Unsqueeze node "cls": attribute axes=\[0\] .*other than the batch axis 0/);
    assertRefused(squeeze("cls", { input: ["mean", "tanh"] }), "ONNX_MODEL_INVALID", /Unsqueeze node "cls": axes "tanh" must be an INT64 initializer/);
    assertRefused(squeeze("shifted", { input: ["flipped", "w1"] }), "ONNX_MODEL_INVALID", /Sub node "shifted": initializer "w1" of dims \[28,8\] does not broadcast over \[N,29,16\]/);
  });

  it("refuses a Concat of CNHW activations of several channels with a row-major one", () => {
    const initializers = [heUniform(1n, 0, "conv.weight", [2, 1, 3, 3], 9, false), int64s("shape", [0, 1, 28, 28]), heUniform(1n, 1, "head.weight", [10, 2352], 2352, false)];
    const nodes = [
      node("conv", "Conv", ["input", "conv.weight"], [ints("pads", [1, 1, 1, 1])]),
      node("same", "Reshape", ["input", "shape"]),
      node("both", "Concat", ["conv", "same"], [int("axis", 1)]),
      node("flatten", "Flatten", ["both"]),
      node("head", "Gemm", ["flatten", "head.weight"], [int("transB", 1)]),
    ];
    assertRefused(encodeModel({ name: "m", nodes, initializers, inputShape: [1, 28, 28], classes: 10, opset: 20 }), "ONNX_MODEL_INVALID", /Concat node "both" joins CNHW activations of several channels with row-major ones/);
  });

  it("is refused by the training VM, naming the first layer it does not run", () => {
    const initializers = [heUniform(1n, 0, "head.weight", [10, 1568], 1568, false), constant("head.bias", 10, 0)];
    const flatten = node("flatten", "Flatten", ["input"]);
    const concat = encodeModel({ name: "m", nodes: [flatten, node("twice", "Concat", ["flatten", "flatten"], [int("axis", 1)]), node("head", "Gemm", ["twice", "head.weight", "head.bias"], [int("transB", 1)])], initializers, inputShape: [1, 28, 28], classes: 10, opset: 20 });
    const refused = (bytes: Uint8Array, layer: RegExp) => assert.throws(() => jobProgram(smallJob({ modelBytes: bytes, trainCount: 64 })), (error: unknown) => error instanceof VeritrainError && error.code === "VM_UNSUPPORTED" && layer.test(error.message));
    refused(concat, /a concat layer \(twice\)/);
    refused(tokenModel(), /a reshape layer \(tokens\)/);
    const gatherFirst = tokenModel((nodes) => nodes.unshift(...nodes.splice(2, 1)));
    refused(gatherFirst, /a gather layer \(positions\)/);
  });
});
