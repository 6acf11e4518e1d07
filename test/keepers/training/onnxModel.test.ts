import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { contentId, RAW_CODEC } from "../../../keepers/src/training/contentId.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { exportOnnxModel } from "../../../keepers/src/training/onnxExport.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import { onnx, type ModelProto } from "../../../keepers/src/training/onnxProto.ts";

/** LeNet-5 with one edit applied to its decoded protobuf. */
function editedLeNet5(edit: (model: ModelProto) => void): Uint8Array {
  const model = onnx.ModelProto.decode(createLeNet5Onnx({ seed: 1n }));
  edit(model);
  return onnx.ModelProto.encode(model).finish();
}

function assertVeritrainError(run: () => unknown, code: string, message: RegExp): VeritrainError {
  let caught: unknown;
  assert.throws(run, (error: unknown) => {
    caught = error;
    return error instanceof VeritrainError && error.code === code && message.test(error.message);
  });
  return caught as VeritrainError;
}

describe("ONNX model import", () => {
  it("imports LeNet-5 with its layers and 61,706 parameters in canonical order", () => {
    const { definition, params } = importOnnxModel(createLeNet5Onnx({ seed: 1n }));
    assert.deepEqual(definition.layers.map((l) => l.kind), [
      "conv", "relu", "maxPool", "conv", "relu", "maxPool", "flatten", "linear", "relu", "linear", "relu", "linear",
    ]);
    assert.deepEqual(definition.parameters.map((p) => [p.name, p.offset, p.size]), [
      ["conv1.weight", 0, 150], ["conv1.bias", 150, 6], ["conv2.weight", 156, 2400], ["conv2.bias", 2556, 16],
      ["fc1.weight", 2572, 48000], ["fc1.bias", 50572, 120], ["fc2.weight", 50692, 10080], ["fc2.bias", 60772, 84],
      ["fc3.weight", 60856, 840], ["fc3.bias", 61696, 10],
    ]);
    assert.equal(definition.parameterCount, 61706);
    assert.equal(params.length, 61706);
    assert.deepEqual(definition.inputShape, [1, 28, 28]);
    assert.equal(definition.classes, 10);
  });

  it("creates LeNet-5 deterministically (model CID test vector) and differently per seed", () => {
    assert.equal(contentId({ bytes: createLeNet5Onnx({ seed: 1n }), codec: RAW_CODEC }), "bafkreidh225rbzjm6jnw2kumnful67v7uk5dbqam5dwjhte66jvai3um6m");
    assert.notDeepEqual(createLeNet5Onnx({ seed: 2n }), createLeNet5Onnx({ seed: 1n }));
  });

  it("rejects an unsupported op, naming the op and the node", () => {
    const bytes = editedLeNet5((model) => {
      model.graph!.node![1]!.opType = "Elu";
    });
    const error = assertVeritrainError(() => importOnnxModel(bytes), "ONNX_UNSUPPORTED_OP", /unsupported ONNX op Elu \(node "relu1"\)/);
    assert.equal(error.details.op, "Elu");
    assert.equal(error.details.node, "relu1");
  });

  it("imports LeCun's LeNet-5 (Tanh, AveragePool), Sigmoid and GlobalAveragePool with the same parameters", () => {
    const relu = importOnnxModel(createLeNet5Onnx({ seed: 1n }));
    const classic = importOnnxModel(createLeNet5Onnx({ seed: 1n, activation: "tanh", pooling: "average" }));
    assert.deepEqual(classic.definition.layers.map((l) => l.kind), [
      "conv", "tanh", "averagePool", "conv", "tanh", "averagePool", "flatten", "linear", "tanh", "linear", "tanh", "linear",
    ]);
    assert.deepEqual(classic.definition.layers[2], { kind: "averagePool", name: "pool1", kernel: [2, 2], stride: [2, 2], inputs: [1] });
    assert.deepEqual(classic.params, relu.params);
    const sigmoid = importOnnxModel(createLeNet5Onnx({ seed: 1n, activation: "sigmoid" }));
    assert.deepEqual(sigmoid.definition.layers.filter((l) => l.kind === "sigmoid").map((l) => l.name), ["sigmoid1", "sigmoid2", "sigmoid3", "sigmoid4"]);
    // GlobalAveragePool in place of the second pooling: [16, 10, 10] → [16, 1, 1], so fc1 reads 16 features.
    const global = editedLeNet5((model) => {
      const graph = model.graph!;
      graph.node![5] = { name: "gap", opType: "GlobalAveragePool", input: ["relu2_out"], output: ["pool2_out"] };
      const fc1 = graph.initializer!.find((t) => t.name === "fc1.weight")!;
      fc1.dims = [120, 16];
      fc1.rawData = fc1.rawData!.subarray(0, 120 * 16 * 4);
    });
    const { definition } = importOnnxModel(global);
    assert.deepEqual(definition.layers[5], { kind: "averagePool", name: "gap", kernel: [10, 10], stride: [1, 1], inputs: [4] });
    assert.equal(definition.parameterCount, 61706 - 120 * 384);
  });

  it("rejects AveragePool's padding, ceil mode and a window larger than its input", () => {
    const averaged = (attribute: { name: string; type: number; ints?: number[]; i?: number }) =>
      editedLeNet5((model) => {
        const pool = model.graph!.node![2]!;
        pool.opType = "AveragePool";
        pool.attribute = [...pool.attribute!.filter((a) => a.name !== attribute.name), attribute];
      });
    assertVeritrainError(() => importOnnxModel(averaged({ name: "pads", type: 7, ints: [1, 1, 1, 1] })), "ONNX_UNSUPPORTED_ATTRIBUTE", /AveragePool node "pool1": attribute pads=\[1,1,1,1\] is not supported \(must be 0\)/);
    assertVeritrainError(() => importOnnxModel(averaged({ name: "ceil_mode", type: 2, i: 1 })), "ONNX_UNSUPPORTED_ATTRIBUTE", /ceil_mode=1/);
    assertVeritrainError(() => importOnnxModel(averaged({ name: "kernel_shape", type: 7, ints: [29, 29] })), "ONNX_UNSUPPORTED_ATTRIBUTE", /must fit the 28×28 input/);
    assert.equal(importOnnxModel(averaged({ name: "count_include_pad", type: 2, i: 1 })).definition.layers[2]!.kind, "averagePool");
  });

  it("rejects an op from another domain", () => {
    const bytes = editedLeNet5((model) => {
      model.graph!.node![1]!.domain = "com.microsoft";
    });
    assertVeritrainError(() => importOnnxModel(bytes), "ONNX_UNSUPPORTED_OP", /com\.microsoft\.Relu/);
  });

  it("rejects unsupported attribute values, naming the attribute", () => {
    const grouped = editedLeNet5((model) => {
      model.graph!.node![0]!.attribute!.push({ name: "group", type: 2, i: 2 });
    });
    assertVeritrainError(() => importOnnxModel(grouped), "ONNX_UNSUPPORTED_ATTRIBUTE", /Conv node "conv1": attribute group=2/);
    const ceil = editedLeNet5((model) => {
      model.graph!.node![2]!.attribute!.push({ name: "ceil_mode", type: 2, i: 1 });
    });
    assertVeritrainError(() => importOnnxModel(ceil), "ONNX_UNSUPPORTED_ATTRIBUTE", /ceil_mode/);
    const notTransposed = editedLeNet5((model) => {
      model.graph!.node![7]!.attribute = [];
    });
    assertVeritrainError(() => importOnnxModel(notTransposed), "ONNX_UNSUPPORTED_ATTRIBUTE", /transB=0/);
  });

  it("rejects a node reading what no earlier node wrote, an unread branch, a name written twice, and garbage bytes", () => {
    const unordered = editedLeNet5((model) => {
      model.graph!.node![3]!.input![0] = "relu2_out";
    });
    assertVeritrainError(() => importOnnxModel(unordered), "ONNX_MODEL_INVALID", /Conv node "conv2" reads "relu2_out", which is neither the graph input nor an earlier node's output/);
    const unread = editedLeNet5((model) => {
      model.graph!.node!.splice(3, 0, { name: "spare", opType: "Relu", input: ["pool1_out"], output: ["spare_out"] });
    });
    assertVeritrainError(() => importOnnxModel(unread), "ONNX_MODEL_INVALID", /"spare_out" \(node "spare"\) is never read: remove the unused branch/);
    const rewritten = editedLeNet5((model) => {
      model.graph!.node![1]!.output![0] = "conv1_out";
    });
    assertVeritrainError(() => importOnnxModel(rewritten), "ONNX_MODEL_INVALID", /writes "conv1_out", which an earlier node or the input already defines/);
    assertVeritrainError(() => importOnnxModel(new Uint8Array([1, 2, 3, 255])), "ONNX_MODEL_INVALID", /protobuf|graph/);
  });

  it("imports a residual connection as an add of two earlier layers, and refuses Add with a constant or another shape", () => {
    // relu1_out → pool1 → … becomes relu1_out + conv1_out (both [6, 28, 28]) → pool1.
    const residual = (second: string) => editedLeNet5((model) => {
      const graph = model.graph!;
      graph.node!.splice(2, 0, { name: "skip", opType: "Add", input: ["relu1_out", second], output: ["sum"] });
      graph.node![3]!.input![0] = "sum";
    });
    const { definition } = importOnnxModel(residual("conv1_out"));
    assert.deepEqual(definition.layers.slice(0, 4).map((l) => [l.kind, l.inputs]), [["conv", [-1]], ["relu", [0]], ["add", [1, 0]], ["maxPool", [2]]]);
    assertVeritrainError(() => importOnnxModel(residual("conv1.bias")), "ONNX_MODEL_INVALID", /Add node "skip": its second operand "conv1.bias" is an initializer/);
    assertVeritrainError(() => importOnnxModel(residual("input")), "ONNX_MODEL_INVALID", /Add node "skip": operands have shapes \[6,28,28\] and \[1,28,28\]/);
  });

  it("accepts Reshape to [N, -1] as a flatten and float_data initializers", () => {
    const bytes = editedLeNet5((model) => {
      const graph = model.graph!;
      graph.node![6] = { name: "reshape", opType: "Reshape", input: ["pool2_out", "shape"], output: ["flat"] };
      graph.initializer!.push({ name: "shape", dims: [2], dataType: 7, int64Data: [-1, 400] });
      const bias = graph.initializer!.find((t) => t.name === "fc3.bias")!;
      bias.rawData = new Uint8Array(0);
      bias.floatData = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9.5];
    });
    const { definition, params } = importOnnxModel(bytes);
    assert.equal(definition.layers[6]!.kind, "flatten");
    assert.equal(params[61705], 9.5);
  });

  it("exports trained weights that import back bit for bit", () => {
    const original = createLeNet5Onnx({ seed: 1n });
    const { definition, params } = importOnnxModel(original);
    const trained = params.map((v, i) => v * 0.5 + i * 1e-7);
    const exported = exportOnnxModel({ original, definition, params: trained });
    const reimported = importOnnxModel(exported);
    assert.deepEqual(reimported.definition, definition);
    assert.deepEqual(reimported.params, trained);
  });
});
