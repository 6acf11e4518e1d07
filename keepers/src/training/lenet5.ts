import { onnx, ONNX_FLOAT, type NodeProto, type TensorProto } from "./onnxProto.ts";
import { PRNG_DOMAIN, SplitMix64 } from "./prng.ts";

/** Parameters of {@link createLeNet5Onnx}. */
export type CreateLeNet5OnnxParameters = {
  /** Seed of the weight initialisation (unsigned 64-bit). */
  seed: bigint;
};

const ATTRIBUTE_INTS = 7;
const ATTRIBUTE_INT = 2;

function ints(name: string, values: number[]) {
  return { name, type: ATTRIBUTE_INTS, ints: values };
}

/**
 * He-uniform initialisation of tensor `index`: weights w = fround((2u − 1)·√(6 / fanIn)) with u
 * from `SplitMix64.nextUnit()` of the keyed stream (seed, init, index), in row-major order;
 * biases are 0.
 */
function initializer(seed: bigint, index: number, name: string, dims: number[], fanIn: number, isBias: boolean): TensorProto {
  const size = dims.reduce((a, b) => a * b, 1);
  const raw = new Uint8Array(size * 4);
  if (!isBias) {
    const view = new DataView(raw.buffer);
    const rng = SplitMix64.keyed({ seed, domain: PRNG_DOMAIN.init, index: BigInt(index) });
    const bound = Math.sqrt(6 / fanIn);
    for (let i = 0; i < size; i++) view.setFloat32(i * 4, (2 * rng.nextUnit() - 1) * bound, true);
  }
  return { name, dims, dataType: ONNX_FLOAT, rawData: raw };
}

/**
 * The LeNet-5 variant used by veritrain's MNIST jobs, as an ONNX model (opset 13) with
 * deterministic He-uniform initial weights:
 * input [N,1,28,28] → Conv 6@5×5 pad 2 → Relu → MaxPool 2×2/2 → Conv 16@5×5 → Relu →
 * MaxPool 2×2/2 → Flatten → Gemm 400→120 → Relu → Gemm 120→84 → Relu → Gemm 84→10 → logits.
 * 61,706 parameters.
 *
 * @example
 * writeFileSync("lenet5.onnx", createLeNet5Onnx({ seed: 1n }));
 */
export function createLeNet5Onnx({ seed }: CreateLeNet5OnnxParameters): Uint8Array {
  const tensors: Array<[name: string, dims: number[], fanIn: number]> = [
    ["conv1.weight", [6, 1, 5, 5], 25], ["conv1.bias", [6], 25],
    ["conv2.weight", [16, 6, 5, 5], 150], ["conv2.bias", [16], 150],
    ["fc1.weight", [120, 400], 400], ["fc1.bias", [120], 400],
    ["fc2.weight", [84, 120], 120], ["fc2.bias", [84], 120],
    ["fc3.weight", [10, 84], 84], ["fc3.bias", [10], 84],
  ];
  const initializers = tensors.map(([name, dims, fanIn], index) =>
    initializer(seed, index, name, dims, fanIn, name.endsWith(".bias")));
  const nodes: NodeProto[] = [
    { name: "conv1", opType: "Conv", input: ["input", "conv1.weight", "conv1.bias"], output: ["conv1_out"],
      attribute: [ints("kernel_shape", [5, 5]), ints("pads", [2, 2, 2, 2]), ints("strides", [1, 1])] },
    { name: "relu1", opType: "Relu", input: ["conv1_out"], output: ["relu1_out"] },
    { name: "pool1", opType: "MaxPool", input: ["relu1_out"], output: ["pool1_out"],
      attribute: [ints("kernel_shape", [2, 2]), ints("strides", [2, 2])] },
    { name: "conv2", opType: "Conv", input: ["pool1_out", "conv2.weight", "conv2.bias"], output: ["conv2_out"],
      attribute: [ints("kernel_shape", [5, 5]), ints("strides", [1, 1])] },
    { name: "relu2", opType: "Relu", input: ["conv2_out"], output: ["relu2_out"] },
    { name: "pool2", opType: "MaxPool", input: ["relu2_out"], output: ["pool2_out"],
      attribute: [ints("kernel_shape", [2, 2]), ints("strides", [2, 2])] },
    { name: "flatten", opType: "Flatten", input: ["pool2_out"], output: ["flat"],
      attribute: [{ name: "axis", type: ATTRIBUTE_INT, i: 1 }] },
    { name: "fc1", opType: "Gemm", input: ["flat", "fc1.weight", "fc1.bias"], output: ["fc1_out"],
      attribute: [{ name: "transB", type: ATTRIBUTE_INT, i: 1 }] },
    { name: "relu3", opType: "Relu", input: ["fc1_out"], output: ["relu3_out"] },
    { name: "fc2", opType: "Gemm", input: ["relu3_out", "fc2.weight", "fc2.bias"], output: ["fc2_out"],
      attribute: [{ name: "transB", type: ATTRIBUTE_INT, i: 1 }] },
    { name: "relu4", opType: "Relu", input: ["fc2_out"], output: ["relu4_out"] },
    { name: "fc3", opType: "Gemm", input: ["relu4_out", "fc3.weight", "fc3.bias"], output: ["logits"],
      attribute: [{ name: "transB", type: ATTRIBUTE_INT, i: 1 }] },
  ];
  const tensorType = (dims: Array<number | string>) => ({
    tensorType: {
      elemType: ONNX_FLOAT,
      shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) },
    },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: "veritrain",
    producerVersion: "1",
    opsetImport: [{ domain: "", version: 13 }],
    graph: {
      name: "lenet5",
      node: nodes,
      initializer: initializers,
      input: [{ name: "input", type: tensorType(["N", 1, 28, 28]) }],
      output: [{ name: "logits", type: tensorType(["N", 10]) }],
    },
  }).finish();
}
