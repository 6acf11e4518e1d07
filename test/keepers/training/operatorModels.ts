/**
 * Small ONNX models of the engine's newer operators, shared by their tests and by shortRun.ts (the arm64 run):
 * Dropout's model (dropout.test.ts), the row tokens' and Concat's (graphOperators.test.ts), and Mul's (mul.test.ts).
 */
import { constant, encodeModel, heUniform, int, int64s, ints } from "../../../keepers/src/training/onnxBuilder.ts";
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

/**
 * Row tokens through every new sequence operator: Sub of a Gather (positions), Add of a Gather with
 * repeated indices (first operand), a "CLS" token (the tokens' mean, Unsqueezed) Concatenated before the
 * tokens, a Concat of an activation with itself on the features, Sub of parameters both ways, and an
 * Unsqueeze/Squeeze pair before the head.
 */
export function tokenModel(edit?: (nodes: NodeProto[], initializers: TensorProto[]) => void): Uint8Array {
  const initializers = [
    int64s("tokens.shape", [-1, 28, 28]),
    heUniform(1n, 0, "w1", [28, 8], 28, false),
    heUniform(1n, 1, "position", [28, 8], 8, false),
    int64s("position.indices", Array.from({ length: 28 }, (_, t) => t)),
    heUniform(1n, 2, "table", [5, 8], 8, false),
    int64s("table.indices", Array.from({ length: 28 }, (_, t) => (3 * t) % 5 - (t % 7 === 0 ? 5 : 0))),
    int64s("axes1", [1]),
    int64s("axes2", [2]),
    int64s("axesLast", [-1]),
    heUniform(1n, 3, "bias1", [16], 16, false),
    heUniform(1n, 4, "bias2", [1, 16], 16, false),
    heUniform(1n, 5, "head.weight", [10, 16], 16, false),
    constant("head.bias", 10, 0),
  ];
  const nodes = [
    node("tokens", "Reshape", ["input", "tokens.shape"]),
    node("embed", "MatMul", ["tokens", "w1"]),
    node("positions", "Gather", ["position", "position.indices"]),
    node("placed", "Sub", ["embed", "positions"]),
    node("rows", "Gather", ["table", "table.indices"], [int("axis", 0)]),
    node("tanh", "Tanh", ["placed"]),
    node("mixed", "Add", ["rows", "tanh"]),
    node("mean", "ReduceMean", ["mixed", "axes1"], [int("keepdims", 0)]),
    node("cls", "Unsqueeze", ["mean", "axes1"]),
    node("sequence", "Concat", ["cls", "mixed"], [int("axis", 1)]),
    node("wide", "Concat", ["sequence", "sequence"], [int("axis", -1)]),
    node("flipped", "Sub", ["bias1", "wide"]),
    node("shifted", "Sub", ["flipped", "bias2"]),
    node("pooled", "ReduceMean", ["shifted", "axes1"], [int("keepdims", 0)]),
    node("column", "Unsqueeze", ["pooled", "axes2"]),
    node("flat", "Squeeze", ["column", "axesLast"]),
    node("head", "Gemm", ["flat", "head.weight", "head.bias"], [int("transB", 1)]),
  ];
  edit?.(nodes, initializers);
  return encodeModel({ name: "tokens", nodes, initializers, inputShape: [1, 28, 28], classes: 10, opset: 20 });
}

/**
 * Row tokens through Mul (mul.test.ts): by a parameter broadcast over the tokens (second operand, then first), of
 * two activations (a Tanh gated by a Sigmoid), and of an activation by itself, then the tokens' mean and the head.
 */
export function mulModel(edit?: (nodes: NodeProto[], initializers: TensorProto[]) => void): Uint8Array {
  const initializers = [
    int64s("tokens.shape", [-1, 28, 28]),
    heUniform(1n, 0, "w1", [28, 8], 28, false),
    heUniform(1n, 1, "scale1", [8], 8, false),
    heUniform(1n, 2, "scale2", [1, 8], 8, false),
    int64s("axes1", [1]),
    heUniform(1n, 3, "head.weight", [10, 8], 8, false),
    constant("head.bias", 10, 0),
  ];
  const nodes = [
    node("tokens", "Reshape", ["input", "tokens.shape"]),
    node("embed", "MatMul", ["tokens", "w1"]),
    node("scaled", "Mul", ["embed", "scale1"]),
    node("tanh", "Tanh", ["scaled"]),
    node("rescaled", "Mul", ["scale2", "embed"]),
    node("sigmoid", "Sigmoid", ["rescaled"]),
    node("gated", "Mul", ["tanh", "sigmoid"]),
    node("squared", "Mul", ["gated", "gated"]),
    node("mean", "ReduceMean", ["squared", "axes1"], [int("keepdims", 0)]),
    node("head", "Gemm", ["mean", "head.weight", "head.bias"], [int("transB", 1)]),
  ];
  edit?.(nodes, initializers);
  return encodeModel({ name: "mul", nodes, initializers, inputShape: [1, 28, 28], classes: 10, opset: 20 });
}
