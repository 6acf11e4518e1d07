/**
 * Small ONNX models of the engine's newer operators, shared by their tests and by shortRun.ts (the arm64 run):
 * Dropout's model (dropout.test.ts) and Concat's (graphOperators.test.ts).
 */
import { constant, encodeModel, heUniform, int, ints } from "../../../keepers/src/training/onnxBuilder.ts";
import { ONNX_FLOAT, type NodeProto, type TensorProto } from "../../../keepers/src/training/onnxProto.ts";

/** A node whose output is named after it ("logits" for the node named "head"). */
export const node = (name: string, opType: string, input: string[], attribute: NodeProto["attribute"] = []): NodeProto => ({ name, opType, input, output: [name === "head" ? "logits" : name], attribute });

/** A scalar FLOAT initializer (Dropout's ratio). */
export const scalar = (name: string, value: number): TensorProto => ({ name, dims: [], dataType: ONNX_FLOAT, floatData: [value] });

/**
 * Conv 2@5×5 → Dropout (CNHW, 2 channels) → Tanh → AveragePool 4×4 → Flatten → Gemm 98→16 → Dropout →
 * Tanh → Gemm 16→10, both ratios `ratio` (opset 20: ratio an initializer input); without the Dropouts
 * when `ratio` is undefined.
 */
export function dropoutModel(ratio: number | undefined, edit?: (nodes: NodeProto[], initializers: TensorProto[]) => void): Uint8Array {
  const initializers = [
    heUniform(1n, 0, "conv.weight", [2, 1, 5, 5], 25, false),
    constant("conv.bias", 2, 0),
    heUniform(1n, 1, "fc.weight", [16, 98], 98, false),
    constant("fc.bias", 16, 0),
    heUniform(1n, 2, "head.weight", [10, 16], 16, false),
    constant("head.bias", 10, 0),
    scalar("ratio", ratio ?? 0),
  ];
  const dropout = (name: string, x: string) => (ratio === undefined ? x : (nodes.push(node(name, "Dropout", [x, "ratio"])), name));
  const nodes: NodeProto[] = [node("conv", "Conv", ["input", "conv.weight", "conv.bias"], [ints("pads", [2, 2, 2, 2])])];
  nodes.push(node("tanh1", "Tanh", [dropout("drop1", "conv")]));
  nodes.push(node("pool", "AveragePool", ["tanh1"], [ints("kernel_shape", [4, 4]), ints("strides", [4, 4])]));
  nodes.push(node("flatten", "Flatten", ["pool"]));
  nodes.push(node("fc", "Gemm", ["flatten", "fc.weight", "fc.bias"], [int("transB", 1)]));
  nodes.push(node("tanh2", "Tanh", [dropout("drop2", "fc")]));
  nodes.push(node("head", "Gemm", ["tanh2", "head.weight", "head.bias"], [int("transB", 1)]));
  if (ratio === undefined) initializers.pop();
  edit?.(nodes, initializers);
  return encodeModel({ name: "dropout", nodes, initializers, inputShape: [1, 28, 28], classes: 10, opset: 20 });
}

/** Convolutions Concatenated on the channels, the rows and the columns of CNHW activations. */
export function channelModel(): Uint8Array {
  const initializers = [
    heUniform(1n, 0, "conv1.weight", [2, 1, 3, 3], 9, false),
    heUniform(1n, 1, "conv2.weight", [3, 1, 3, 3], 9, false),
    constant("conv2.bias", 3, 0.1),
    heUniform(1n, 2, "head.weight", [10, 980], 980, false),
    constant("head.bias", 10, 0),
  ];
  const nodes = [
    node("conv1", "Conv", ["input", "conv1.weight"], [ints("pads", [1, 1, 1, 1])]),
    node("conv2", "Conv", ["input", "conv2.weight", "conv2.bias"], [ints("pads", [1, 1, 1, 1])]),
    node("channels", "Concat", ["conv1", "conv2"], [int("axis", 1)]),
    node("tanh", "Tanh", ["channels"]),
    node("rows", "Concat", ["tanh", "tanh"], [int("axis", 2)]),
    node("pool", "AveragePool", ["rows"], [ints("kernel_shape", [4, 4]), ints("strides", [4, 4])]),
    node("columns", "Concat", ["pool", "pool"], [int("axis", -1)]),
    node("flatten", "Flatten", ["columns"]),
    node("head", "Gemm", ["flatten", "head.weight", "head.bias"], [int("transB", 1)]),
  ];
  return encodeModel({ name: "channels", nodes, initializers, inputShape: [1, 28, 28], classes: 10, opset: 20 });
}
