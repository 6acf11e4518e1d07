import { batchNormNode, encodeModel, heUniform, int, ints } from "./onnxBuilder.ts";
import type { NodeProto, TensorProto } from "./onnxProto.ts";

/** Parameters of {@link createLeNet5Onnx}. */
export type CreateLeNet5OnnxParameters = {
  /** Seed of the weight initialisation (unsigned 64-bit). */
  seed: bigint;
  /** The activation after each layer but the last: Relu (default), or LeCun's Tanh, or Sigmoid. */
  activation?: "relu" | "tanh" | "sigmoid";
  /** Max pooling (default) or LeCun's average pooling. */
  pooling?: "max" | "average";
  /** A BatchNormalization after each Conv and each hidden Gemm (γ 1, β 0, running mean 0 and variance 1). */
  batchNorm?: boolean;
};

const ACTIVATION_OPS = { relu: "Relu", tanh: "Tanh", sigmoid: "Sigmoid" } as const;

/**
 * `nodes` with a BatchNormalization after each node of `normalized` (name → channels), which then
 * writes `<name>_pre`.
 */
function withBatchNorm(nodes: NodeProto[], initializers: TensorProto[], normalized: Record<string, number>): NodeProto[] {
  return nodes.flatMap((node) => {
    const channels = normalized[node.name!];
    if (channels === undefined) return [node];
    const pre = `${node.name}_pre`;
    return [{ ...node, output: [pre] }, batchNormNode(`${node.name}.bn`, pre, node.output![0]!, channels, initializers)];
  });
}

/**
 * The LeNet-5 variant used by veritrain's MNIST jobs, as an ONNX model (opset 13) with
 * deterministic He-uniform initial weights:
 * input [N,1,28,28] → Conv 6@5×5 pad 2 → Relu → MaxPool 2×2/2 → Conv 16@5×5 → Relu →
 * MaxPool 2×2/2 → Flatten → Gemm 400→120 → Relu → Gemm 120→84 → Relu → Gemm 84→10 → logits.
 * 61,706 parameters. `activation` and `pooling` swap in LeCun's originals (Tanh, AveragePool) or
 * Sigmoid (activation nodes and their outputs are named after the activation: `tanh1`, `tanh1_out`);
 * `batchNorm` adds a BatchNormalization after each Conv and hidden Gemm (`conv1.bn`, …; 62,610 values:
 * 4·226 more, half of them running statistics). The Conv and Gemm weights are the same whatever the options.
 *
 * @example
 * writeFileSync("lenet5.onnx", createLeNet5Onnx({ seed: 1n }));
 * writeFileSync("lenet5-classic.onnx", createLeNet5Onnx({ seed: 1n, activation: "tanh", pooling: "average" }));
 */
export function createLeNet5Onnx({ seed, activation = "relu", pooling = "max", batchNorm = false }: CreateLeNet5OnnxParameters): Uint8Array {
  const tensors: Array<[name: string, dims: number[], fanIn: number]> = [
    ["conv1.weight", [6, 1, 5, 5], 25], ["conv1.bias", [6], 25],
    ["conv2.weight", [16, 6, 5, 5], 150], ["conv2.bias", [16], 150],
    ["fc1.weight", [120, 400], 400], ["fc1.bias", [120], 400],
    ["fc2.weight", [84, 120], 120], ["fc2.bias", [84], 120],
    ["fc3.weight", [10, 84], 84], ["fc3.bias", [10], 84],
  ];
  const initializers = tensors.map(([name, dims, fanIn], index) =>
    heUniform(seed, index, name, dims, fanIn, name.endsWith(".bias")));
  const layers: NodeProto[] = [
    { name: "conv1", opType: "Conv", input: ["input", "conv1.weight", "conv1.bias"], output: ["conv1_out"],
      attribute: [ints("kernel_shape", [5, 5]), ints("pads", [2, 2, 2, 2]), ints("strides", [1, 1])] },
    { name: `${activation}1`, opType: ACTIVATION_OPS[activation], input: ["conv1_out"], output: [`${activation}1_out`] },
    { name: "pool1", opType: pooling === "max" ? "MaxPool" : "AveragePool", input: [`${activation}1_out`], output: ["pool1_out"],
      attribute: [ints("kernel_shape", [2, 2]), ints("strides", [2, 2])] },
    { name: "conv2", opType: "Conv", input: ["pool1_out", "conv2.weight", "conv2.bias"], output: ["conv2_out"],
      attribute: [ints("kernel_shape", [5, 5]), ints("strides", [1, 1])] },
    { name: `${activation}2`, opType: ACTIVATION_OPS[activation], input: ["conv2_out"], output: [`${activation}2_out`] },
    { name: "pool2", opType: pooling === "max" ? "MaxPool" : "AveragePool", input: [`${activation}2_out`], output: ["pool2_out"],
      attribute: [ints("kernel_shape", [2, 2]), ints("strides", [2, 2])] },
    { name: "flatten", opType: "Flatten", input: ["pool2_out"], output: ["flat"],
      attribute: [int("axis", 1)] },
    { name: "fc1", opType: "Gemm", input: ["flat", "fc1.weight", "fc1.bias"], output: ["fc1_out"],
      attribute: [int("transB", 1)] },
    { name: `${activation}3`, opType: ACTIVATION_OPS[activation], input: ["fc1_out"], output: [`${activation}3_out`] },
    { name: "fc2", opType: "Gemm", input: [`${activation}3_out`, "fc2.weight", "fc2.bias"], output: ["fc2_out"],
      attribute: [int("transB", 1)] },
    { name: `${activation}4`, opType: ACTIVATION_OPS[activation], input: ["fc2_out"], output: [`${activation}4_out`] },
    { name: "fc3", opType: "Gemm", input: [`${activation}4_out`, "fc3.weight", "fc3.bias"], output: ["logits"],
      attribute: [int("transB", 1)] },
  ];
  const nodes = batchNorm ? withBatchNorm(layers, initializers, { conv1: 6, conv2: 16, fc1: 120, fc2: 84 }) : layers;
  return encodeModel({ name: "lenet5", nodes, initializers, inputShape: [1, 28, 28], classes: 10 });
}
