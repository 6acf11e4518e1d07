import { batchNormNode, encodeModel, heUniform, int, ints } from "./onnxBuilder.ts";
import type { NodeProto, TensorProto } from "./onnxProto.ts";

/** Parameters of {@link createResidualCnnOnnx}. */
export type CreateResidualCnnOnnxParameters = {
  /** Seed of the weight initialisation (unsigned 64-bit). */
  seed: bigint;
  /** Channels of the two stages. @default [16, 32] */
  channels?: [number, number];
  /** ReLU and max pooling (default), or Tanh and average pooling: smooth everywhere, for finite-difference checks. */
  smooth?: boolean;
  /** A BatchNormalization after each convolution. @default true */
  batchNorm?: boolean;
};

/**
 * A small residual CNN for MNIST (He et al.'s basic block with BatchNorm), as an ONNX model with
 * deterministic He-uniform weights (tensor index = position among the Conv and Gemm weights and
 * biases):
 * input [N,1,28,28] → stem Conv c₁@3×3 pad 1 → BN → Relu → block(c₁) → MaxPool 2×2/2 →
 * Conv c₂@3×3 pad 1 → BN → Relu → block(c₂) → MaxPool 2×2/2 → Flatten → Gemm c₂·49→10 → logits,
 * where block(c) = Conv c@3×3 pad 1 → BN → Relu → Conv c@3×3 pad 1 → BN → Add(the block's input) → Relu.
 * Every BatchNormalization starts at γ 1, β 0, running mean 0 and variance 1. Without `batchNorm` the same network has
 * none (each "→ BN" dropped).
 *
 * @example
 * writeFileSync("resnet.onnx", createResidualCnnOnnx({ seed: 1n }));
 */
export function createResidualCnnOnnx({ seed, channels = [16, 32], smooth = false, batchNorm = true }: CreateResidualCnnOnnxParameters): Uint8Array {
  const initializers: TensorProto[] = [];
  const nodes: NodeProto[] = [];
  const activation = smooth ? "Tanh" : "Relu";
  let weights = 0;
  let current = "input";
  let currentChannels = 1;
  /** Appends a node reading `inputs` (the current activation first unless given) and makes its output current. */
  const node = (name: string, opType: string, inputs: string[], attribute: NodeProto["attribute"] = []) => {
    nodes.push({ name, opType, input: inputs, output: [`${name}_out`], attribute });
    current = `${name}_out`;
  };
  const conv = (name: string, outChannels: number) => {
    const fanIn = currentChannels * 9;
    initializers.push(heUniform(seed, weights++, `${name}.weight`, [outChannels, currentChannels, 3, 3], fanIn, false));
    initializers.push(heUniform(seed, weights++, `${name}.bias`, [outChannels], fanIn, true));
    node(name, "Conv", [current, `${name}.weight`, `${name}.bias`], [ints("kernel_shape", [3, 3]), ints("pads", [1, 1, 1, 1]), ints("strides", [1, 1])]);
    currentChannels = outChannels;
    if (!batchNorm) return;
    nodes.push(batchNormNode(`${name}.bn`, current, `${name}.bn_out`, outChannels, initializers));
    current = `${name}.bn_out`;
  };
  const activate = (name: string) => node(name, activation, [current]);
  const pool = (name: string) => node(name, smooth ? "AveragePool" : "MaxPool", [current], [ints("kernel_shape", [2, 2]), ints("strides", [2, 2])]);
  const block = (name: string) => {
    const shortcut = current;
    conv(`${name}.conv1`, currentChannels);
    activate(`${name}.act1`);
    conv(`${name}.conv2`, currentChannels);
    node(`${name}.add`, "Add", [current, shortcut]);
    activate(`${name}.act2`);
  };
  conv("stem", channels[0]);
  activate("stem.act");
  block("block1");
  pool("pool1");
  conv("widen", channels[1]);
  activate("widen.act");
  block("block2");
  pool("pool2");
  node("flatten", "Flatten", [current], [int("axis", 1)]);
  const features = channels[1] * 49;
  initializers.push(heUniform(seed, weights++, "fc.weight", [10, features], features, false));
  initializers.push(heUniform(seed, weights++, "fc.bias", [10], features, true));
  nodes.push({ name: "fc", opType: "Gemm", input: [current, "fc.weight", "fc.bias"], output: ["logits"], attribute: [int("transB", 1)] });
  return encodeModel({ name: "residual-cnn", nodes, initializers, inputShape: [1, 28, 28], classes: 10 });
}
