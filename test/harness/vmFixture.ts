import { encodeCheckpoint } from "../../keepers/src/training/checkpoint.ts";
import type { StepConfig } from "../../keepers/src/training/jobSpec.ts";
import { sliceImageSet } from "../../keepers/src/training/idxImageSet.ts";
import { loadMnist } from "../../keepers/src/training/mnist.ts";
import type { ModelDefinition } from "../../keepers/src/training/modelDefinition.ts";
import { encodeModel, heUniform, int, ints } from "../../keepers/src/training/onnxBuilder.ts";
import { importOnnxModel } from "../../keepers/src/training/onnxImport.ts";
import type { NodeProto } from "../../keepers/src/training/onnxProto.ts";
import { optimizerStateVectors } from "../../keepers/src/training/optimizer.ts";
import { SplitMix64 } from "../../keepers/src/training/prng.ts";
import { createResidualCnnOnnx } from "../../keepers/src/training/residualCnn.ts";
import { Trainer } from "../../keepers/src/training/trainer.ts";
import type { TrainingState } from "../../keepers/src/training/trainingState.ts";
import { vmData } from "../../keepers/src/trainingVm/trainingVm.ts";
import type { CheckpointSchedule } from "../../keepers/src/trainingVm/vmProgram.ts";
import { treeDepth, WordTree } from "../../keepers/src/trainingVm/wordTree.ts";

// What the training VM's tests run: a small perceptron on the first 200 MNIST training images, three optimizer
// configurations of engine version 2 (the VM's), and the engine's own step to compare with.

/** A 784-`hidden`-10 perceptron with biases, as the ONNX importer would describe it. */
export function perceptron(hidden = 24): ModelDefinition {
  const tensors = [
    { name: "w1", dims: [hidden, 784] }, { name: "b1", dims: [hidden] }, { name: "w2", dims: [10, hidden] }, { name: "b2", dims: [10] },
  ];
  let offset = 0;
  const parameters = tensors.map((t) => {
    const size = t.dims.reduce((a, b) => a * b, 1);
    const tensor = { ...t, offset, size };
    offset += size;
    return tensor;
  });
  return {
    inputName: "x", outputName: "y", inputShape: [1, 28, 28], classes: 10, parameters, parameterCount: offset,
    layers: [
      { kind: "flatten", name: "flatten", inputs: [-1] },
      { kind: "linear", name: "fc1", inFeatures: 784, outFeatures: hidden, weight: 0, bias: 1, inputs: [0] },
      { kind: "relu", name: "relu", inputs: [1] },
      { kind: "linear", name: "fc2", inFeatures: hidden, outFeatures: 10, weight: 2, bias: 3, inputs: [2] },
    ],
  };
}

/**
 * A small CNN of the training VM's smooth layers, as ONNX: Conv 4@5×5 stride 3 → Sigmoid → AveragePool 3×3 stride 2
 * (overlapping windows) → GlobalAveragePool → Flatten (4 channels) → Gemm 4→16 → Sigmoid → Gemm 16→10, then a
 * LogSoftmax if `logSoftmax`.
 */
export function sigmoidPoolingCnnOnnx({ seed = 1n, logSoftmax = false }: { seed?: bigint; logSoftmax?: boolean } = {}): Uint8Array {
  const tensors: Array<[name: string, dims: number[], fanIn: number]> = [
    ["conv.weight", [4, 1, 5, 5], 25], ["conv.bias", [4], 25], ["fc1.weight", [16, 4], 4], ["fc1.bias", [16], 4], ["fc2.weight", [10, 16], 16], ["fc2.bias", [10], 16],
  ];
  const initializers = tensors.map(([name, dims, fanIn], index) => heUniform(seed, index, name, dims, fanIn, name.endsWith(".bias")));
  const nodes = [
    { name: "conv", opType: "Conv", input: ["input", "conv.weight", "conv.bias"], output: ["conv_out"], attribute: [ints("kernel_shape", [5, 5]), ints("strides", [3, 3])] },
    { name: "sigmoid1", opType: "Sigmoid", input: ["conv_out"], output: ["sigmoid1_out"] },
    { name: "pool", opType: "AveragePool", input: ["sigmoid1_out"], output: ["pool_out"], attribute: [ints("kernel_shape", [3, 3]), ints("strides", [2, 2])] },
    { name: "gap", opType: "GlobalAveragePool", input: ["pool_out"], output: ["gap_out"] },
    { name: "flatten", opType: "Flatten", input: ["gap_out"], output: ["flat"], attribute: [int("axis", 1)] },
    { name: "fc1", opType: "Gemm", input: ["flat", "fc1.weight", "fc1.bias"], output: ["fc1_out"], attribute: [int("transB", 1)] },
    { name: "sigmoid2", opType: "Sigmoid", input: ["fc1_out"], output: ["sigmoid2_out"] },
    { name: "fc2", opType: "Gemm", input: ["sigmoid2_out", "fc2.weight", "fc2.bias"], output: [logSoftmax ? "fc2_out" : "logits"], attribute: [int("transB", 1)] },
    ...(logSoftmax ? [{ name: "logSoftmax", opType: "LogSoftmax", input: ["fc2_out"], output: ["logits"], attribute: [int("axis", 1)] }] : []),
  ];
  return encodeModel({ name: "sigmoidPoolingCnn", nodes, initializers, inputShape: [1, 28, 28], classes: 10 });
}

/**
 * An MLP of three Gemms as ONNX: Flatten → Gemm 784→16 (fc1) → Tanh (a) → Gemm 16→16 (fc2, into b) → `between` →
 * Gemm 16→10 (head) reading `headInput`.
 */
function tanhMlpOnnx({ name, seed, between, headInput }: { name: string; seed: bigint; between: NodeProto[]; headInput: string }): Uint8Array {
  const tensors: Array<[name: string, dims: number[], fanIn: number]> = [
    ["fc1.weight", [16, 784], 784], ["fc1.bias", [16], 784], ["fc2.weight", [16, 16], 16], ["fc2.bias", [16], 16], ["head.weight", [10, 16], 16], ["head.bias", [10], 16],
  ];
  const initializers = tensors.map(([tensor, dims, fanIn], index) => heUniform(seed, index, tensor, dims, fanIn, tensor.endsWith(".bias")));
  const gemm = (layer: string, x: string, output: string): NodeProto => ({ name: layer, opType: "Gemm", input: [x, `${layer}.weight`, `${layer}.bias`], output: [output], attribute: [int("transB", 1)] });
  const nodes = [
    { name: "flatten", opType: "Flatten", input: ["input"], output: ["flat"], attribute: [int("axis", 1)] },
    gemm("fc1", "flat", "fc1_out"),
    { name: "tanh", opType: "Tanh", input: ["fc1_out"], output: ["a"] },
    gemm("fc2", "a", "b"),
    ...between,
    gemm("head", headInput, "logits"),
  ];
  return encodeModel({ name, nodes, initializers, inputShape: [1, 28, 28], classes: 10 });
}

/**
 * An MLP with a Sub: {@link tanhMlpOnnx} with Sub b − a → Add (b − a) + a between. `a` is read three times, the Sub's
 * second operand before the Add's in layer order: in the backward (reverse order) the Sub's negated gradient is added
 * to a sum the Add began.
 */
export function subtractionMlpOnnx(seed = 1n): Uint8Array {
  const between = [
    { name: "sub", opType: "Sub", input: ["b", "a"], output: ["difference"] },
    { name: "add", opType: "Add", input: ["difference", "a"], output: ["sum"] },
  ];
  return tanhMlpOnnx({ name: "subtractionMlp", seed, between, headInput: "sum" });
}

/**
 * A gated MLP with Mul: {@link tanhMlpOnnx} with Sigmoid (g) → Mul a·g → Mul of that by itself between. `a` is read by
 * the second Gemm and by the gate, so its gradient sums the gate's product with the Gemm's; the square's two operands
 * are one output, whose two products are summed.
 */
export function gatedMlpOnnx(seed = 1n): Uint8Array {
  const between = [
    { name: "sigmoid", opType: "Sigmoid", input: ["b"], output: ["g"] },
    { name: "gate", opType: "Mul", input: ["a", "g"], output: ["gated"] },
    { name: "square", opType: "Mul", input: ["gated", "gated"], output: ["squared"] },
  ];
  return tanhMlpOnnx({ name: "gatedMlp", seed, between, headInput: "squared" });
}

/**
 * The residual CNN template narrowed to 2 and 4 channels, without its BatchNorms unless `batchNorm`: each block's input
 * is read by its first convolution and by its Add, so its gradient is a sum of two.
 */
export const residualCnn = ({ batchNorm = false } = {}): ModelDefinition =>
  importOnnxModel(createResidualCnnOnnx({ seed: 1n, channels: [2, 4], batchNorm })).definition;

const f = Math.fround;
export const SGD: StepConfig = {
  engineVersion: "veritrain-train/2", seed: 7n, batchSize: 16, microBatches: 2,
  optimizer: { type: "sgd", learningRate: f(0.05), learningRateDecay: f(0.9), momentum: f(0.9), weightDecay: f(0.0001) },
};
export const ADAM: StepConfig = {
  engineVersion: "veritrain-train/2", seed: 9n, batchSize: 12, microBatches: 3,
  optimizer: { type: "adam", learningRate: f(0.001), learningRateDecay: f(1), beta1: f(0.9), beta2: f(0.999), epsilon: f(1e-8), weightDecay: f(0) },
};
/** AdamW with the cosine schedule (a warm-up of 2 steps, then down to a floor at step 30) and a gradient-norm bound that clips. */
export const ADAMW: StepConfig = {
  engineVersion: "veritrain-train/2", seed: 11n, batchSize: 12, microBatches: 2,
  optimizer: {
    type: "adamw", learningRate: f(0.002), learningRateDecay: f(1), beta1: f(0.9), beta2: f(0.999), epsilon: f(1e-8), weightDecay: f(0.01),
    schedule: { type: "cosine", warmupSteps: 2, totalSteps: 30, minLearningRate: f(0.0001) }, clipNorm: f(0.05),
  },
};
export const train = sliceImageSet({ set: loadMnist().train, start: 0, end: 200 });
export const data = vmData(train);

export function initial(model: ModelDefinition, config: StepConfig, step: number): TrainingState {
  const rng = new SplitMix64(123n);
  const params = Float32Array.from({ length: model.parameterCount }, () => (rng.nextUnit() - 0.5) / 5);
  const optimizerState = Array.from({ length: optimizerStateVectors(config.optimizer) }, () => new Float32Array(model.parameterCount));
  return { step, params, optimizerState };
}

/** One step of the engine's Trainer (one thread) on the training images from `state`. */
export async function engineStep(model: ModelDefinition, config: StepConfig, state: TrainingState): Promise<TrainingState> {
  const trainer = await Trainer.create({ model, config, sets: { train, validation: train, test: train }, state, threads: 1 });
  try {
    await trainer.runSteps(1);
    return trainer.snapshot();
  } finally {
    await trainer.close();
  }
}

export const checkpointOf = (config: StepConfig, state: TrainingState, examples = train.count) =>
  encodeCheckpoint({ state, optimizer: config.optimizer.type, stepsPerEpoch: Math.floor(examples / config.batchSize), engineVersion: config.engineVersion });

/** A checkpoint schedule whose checkpoint 0 is `checkpoint` (its word-tree root), for a VmProgram or a VmTrace. */
export const scheduleOf = (checkpoint: Uint8Array, checkpointInterval: number, totalSteps: number): CheckpointSchedule => ({
  initialRoot: new WordTree(checkpoint, treeDepth(checkpoint.length)).root,
  checkpointInterval,
  totalSteps,
});
