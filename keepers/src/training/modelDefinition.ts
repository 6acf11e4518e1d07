import type { Nf4Tensor } from "./nf4.ts";

/**
 * The engine's description of a trainable network: a graph of layers over one input, each reading
 * the outputs of earlier layers (a residual connection is an `add` of two),
 * with all parameters packed into a single binary32 vector in a canonical order. Produced from
 * an ONNX file by `importOnnxModel`; plain data, so it can be posted to worker threads.
 */

/** One parameter tensor (an ONNX initializer) inside the packed parameter vector. */
export type ParameterTensor = {
  /** ONNX initializer name. */
  name: string;
  /** ONNX dims, e.g. [6, 1, 5, 5] for a Conv weight. */
  dims: number[];
  /** First element's index in the packed vector. */
  offset: number;
  /** Number of elements (product of dims). */
  size: number;
  /**
   * A BatchNormalization running mean or variance: no gradient, no optimizer, no weight decay; each
   * step moves it to `momentum`·itself + (1 − `momentum`)·the step's statistic (docs/training.md §6).
   */
  statistic?: { momentum: number };
};

/**
 * Shape of one example's activation: [channels, height, width] (CNHW), [features], or a row-major
 * sequence shape such as [tokens, features] or [heads, tokens, features] ([example][…] row-major).
 */
export type ActivationShape = number[];

/** Conv: 2-D convolution, group 1, dilation 1. Weight [outC][inC][kH][kW], optional bias [outC]. */
export type ConvLayerDefinition = {
  kind: "conv";
  name: string;
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  stride: [number, number];
  /** [top, left, bottom, right] zero padding. */
  pads: [number, number, number, number];
  weight: number;
  bias: number | null;
};

/** MaxPool: 2-D max pooling without padding. */
export type MaxPoolLayerDefinition = {
  kind: "maxPool";
  name: string;
  kernel: [number, number];
  stride: [number, number];
};

/** AveragePool without padding (ONNX AveragePool; GlobalAveragePool has the plane as its kernel). */
export type AveragePoolLayerDefinition = {
  kind: "averagePool";
  name: string;
  kernel: [number, number];
  stride: [number, number];
};

/**
 * BatchNormalization over `channels` (the C of [C, H, W], or the F of [F]): scale γ, bias β and
 * running mean and variance, each [channels]. Training normalises with the micro-batch's
 * statistics, evaluation with the running ones.
 */
export type BatchNormLayerDefinition = {
  kind: "batchNorm";
  name: string;
  channels: number;
  /** Values per example and channel: H·W, or 1 over features. */
  positions: number;
  /** binary32 value of the ONNX attribute. */
  epsilon: number;
  scale: number;
  bias: number;
  mean: number;
  variance: number;
};

/** LogSoftmax over the features of a flat activation (ONNX axis 1 or −1). */
export type LogSoftmaxLayerDefinition = { kind: "logSoftmax"; name: string };

/** Relu: max(x, 0). */
export type ReluLayerDefinition = { kind: "relu"; name: string };

/** Sigmoid 1 / (1 + e^−x) or Tanh, with the engine's own e^x. */
export type SmoothActivationLayerDefinition = { kind: "sigmoid"; name: string } | { kind: "tanh"; name: string };

/** Flatten: [C, H, W] → [C·H·W] in C-major order (ONNX Flatten axis 1). */
export type FlattenLayerDefinition = { kind: "flatten"; name: string };

/** Gemm with transB = 1: y = x·Wᵀ + b. Weight [out][in], optional bias [out]. */
export type LinearLayerDefinition = {
  kind: "linear";
  name: string;
  inFeatures: number;
  outFeatures: number;
  weight: number;
  bias: number | null;
};

/**
 * Add: the elementwise sum of two activations of the same shape (ONNX Add without broadcasting; residual
 * connections); with `subtract`, their difference first − second (ONNX Sub).
 */
export type AddLayerDefinition = { kind: "add"; name: string; subtract?: true };

/**
 * Reshape between row-major shapes of the same size ([1, H, W] CNHW with C = 1 is row-major too):
 * a relabelling of the same values, copied unchanged.
 */
export type ReshapeLayerDefinition = { kind: "reshape"; name: string; /** Per-example output shape. */ shape: number[] };

/** Transpose of an example's axes: output axis i is input axis `perm[i]` (ONNX perm without the batch axis, minus 1). */
export type TransposeLayerDefinition = { kind: "transpose"; name: string; perm: number[] };

/** MatMul by a weight initializer W [inFeatures][outFeatures] of every row [.., inFeatures] of a row-major activation. */
export type MatMulWeightLayerDefinition = {
  kind: "matMulWeight";
  name: string;
  inFeatures: number;
  outFeatures: number;
  weight: number;
};

/**
 * Add of a parameter (a bias [D], a positional embedding [T, D]) broadcast over the activation's leading
 * axes; `subtract` makes it ONNX Sub: "parameter" computes x − P, "input" P − x.
 */
export type BroadcastAddLayerDefinition = { kind: "broadcastAdd"; name: string; parameter: number; subtract?: "parameter" | "input" };

/** Mul: the elementwise product of two activations of the same shape (ONNX Mul without broadcasting; a gate). */
export type MulLayerDefinition = { kind: "mul"; name: string };

/** Mul by a parameter (a per-feature scale [D]) broadcast over the activation's leading axes. */
export type BroadcastMulLayerDefinition = { kind: "broadcastMul"; name: string; parameter: number };

/** MatMul of two activations [.., M, K]·[.., K, N], batched over examples and the leading axes. */
export type BatchedMatMulLayerDefinition = { kind: "batchedMatMul"; name: string };

/** LayerNormalization over the last axis (`features` values per row): scale γ and optional bias β [features]. */
export type LayerNormLayerDefinition = {
  kind: "layerNorm";
  name: string;
  features: number;
  /** binary32 value of the ONNX attribute. */
  epsilon: number;
  scale: number;
  bias: number | null;
};

/** Gelu: x·Φ(x) with the engine's own erf ("none") or its tanh approximation ("tanh"). */
export type GeluLayerDefinition = { kind: "gelu"; name: string; approximate: "none" | "tanh" };

/** Softmax over the last axis of a row-major activation. */
export type SoftmaxLayerDefinition = { kind: "softmax"; name: string };

/** Mul or Div of an activation by a binary32 constant (not a parameter). */
export type ScaleLayerDefinition = { kind: "scale"; name: string; factor: number; divide: boolean };

/** ReduceMean of [T, D] over the tokens (ONNX axes [1], keepdims 0): [D]. */
export type ReduceMeanLayerDefinition = { kind: "reduceMean"; name: string };

/**
 * A qLoRA layer (docs/training.md §6b): a MatMul or Gemm whose weight is frozen and stored in NF4, plus
 * trainable low-rank adapters: y = x·W̃ᵀ (+ b) + scale·B·(A·x) over the rows of a row-major activation, W̃
 * the dequantised `base` in nn.Linear's [out][in] order. A [rank][in] and B [out][rank] are parameters.
 */
export type LoraLayerDefinition = {
  kind: "lora";
  name: string;
  inFeatures: number;
  outFeatures: number;
  rank: number;
  /** α / rank, binary64. */
  scale: number;
  /** The frozen weight, [out][in] row-major, in NF4. */
  base: Nf4Tensor;
  /** The ONNX initializer the base was quantised from (where a merged model writes W̃ + scale·B·A). */
  weightName: string;
  a: number;
  b: number;
  /** A Gemm's bias (frozen), or null for a MatMul. */
  bias: number | null;
};

/**
 * ONNX Gather on axis 0 of a parameter table [V, D] (an embedding) at constant `indices`: the rows
 * table[indices[i]], the same for every example (the output has no batch axis in ONNX; the engine
 * stores it for each example, and only Add or Sub with an activation of its shape reads it).
 */
export type GatherLayerDefinition = {
  kind: "gather";
  name: string;
  table: number;
  /** Row indices in [0, V) (negative ONNX indices already counted from the end), row-major over `indexShape`. */
  indices: number[];
  /** The ONNX indices' dims: the output is [...indexShape, D]. */
  indexShape: number[];
};

/**
 * ONNX Concat of two or more activations of one layout along `axis` of the example's shape (ONNX axis
 * `axis` + 1): of row-major activations, or of CNHW ones [C, H, W] (channels, rows or columns).
 */
export type ConcatLayerDefinition = { kind: "concat"; name: string; axis: number; cnhw: boolean };

/**
 * Dropout in a gradient's pass (identity otherwise): element j of the example at batch position p keeps
 * its value divided by 1 − ratio unless draw p·`drawsPerExample` + `drawOffset` + j of the dropout stream
 * of the step is below ratio·2^32 (docs/training.md §4).
 */
export type DropoutLayerDefinition = {
  kind: "dropout";
  name: string;
  /** binary32 value of the ONNX ratio, in [0, 1). */
  ratio: number;
  /** Elements of all the model's Dropouts per example before this one (graph order). */
  drawOffset: number;
  /** Elements of all the model's Dropouts per example. */
  drawsPerExample: number;
  /** The C of a CNHW activation [C, H, W] (stored [C][example][H·W]); 1 for a row-major one. */
  channels: number;
};

/**
 * A layer with the activations it reads: `inputs` holds, per operand, the index of the layer whose
 * output it is, or −1 for the model's input; always earlier layers. One operand for every kind but
 * `add` and `batchedMatMul`, which have two, `concat`, which has two or more, and `gather`, which has
 * none. A plain chain has inputs [i − 1] at layer i.
 */
export type LayerDefinition = LayerKindDefinition & { inputs: number[] };

/** What a layer computes, without what it reads: one of the kinds above. */
export type LayerKindDefinition =
  | ConvLayerDefinition
  | MaxPoolLayerDefinition
  | AveragePoolLayerDefinition
  | BatchNormLayerDefinition
  | LogSoftmaxLayerDefinition
  | ReluLayerDefinition
  | SmoothActivationLayerDefinition
  | FlattenLayerDefinition
  | LinearLayerDefinition
  | AddLayerDefinition
  | ReshapeLayerDefinition
  | TransposeLayerDefinition
  | MatMulWeightLayerDefinition
  | BroadcastAddLayerDefinition
  | MulLayerDefinition
  | BroadcastMulLayerDefinition
  | BatchedMatMulLayerDefinition
  | LayerNormLayerDefinition
  | GeluLayerDefinition
  | SoftmaxLayerDefinition
  | ScaleLayerDefinition
  | ReduceMeanLayerDefinition
  | LoraLayerDefinition
  | GatherLayerDefinition
  | ConcatLayerDefinition
  | DropoutLayerDefinition;

/**
 * Per layer kind, the fields that hold a parameter tensor's index (a rewrite of the parameter list, as qLoRA's,
 * remaps exactly these). Typed by every kind, so a new kind must say which of its fields are tensors.
 */
export const TENSOR_FIELDS: { readonly [K in LayerKindDefinition["kind"]]: readonly (keyof Extract<LayerKindDefinition, { kind: K }>)[] } = {
  conv: ["weight", "bias"], maxPool: [], averagePool: [], batchNorm: ["scale", "bias", "mean", "variance"], logSoftmax: [], relu: [],
  sigmoid: [], tanh: [], flatten: [], linear: ["weight", "bias"], add: [], reshape: [], transpose: [], matMulWeight: ["weight"],
  broadcastAdd: ["parameter"], mul: [], broadcastMul: ["parameter"], batchedMatMul: [], layerNorm: ["scale", "bias"], gelu: [], softmax: [], scale: [], reduceMean: [],
  lora: ["a", "b", "bias"], gather: ["table"], concat: [], dropout: [],
};

/** A whole network: layers in execution order and its parameters in canonical order. */
export type ModelDefinition = {
  inputName: string;
  outputName: string;
  /** Per-example input shape, e.g. [1, 28, 28]. */
  inputShape: ActivationShape;
  /** Number of classes (the last layer's width). */
  classes: number;
  /** Layers in execution order; the last one's output is the logits. */
  layers: LayerDefinition[];
  /** Parameter tensors in canonical order (see docs/training.md). */
  parameters: ParameterTensor[];
  /** Number of binary32 parameters that train (the packed vector's length: a checkpoint's parameters). */
  parameterCount: number;
  /**
   * A qLoRA model's frozen tensors (biases, norms, embeddings; not the NF4 bases, which its `lora` layers
   * hold): the values of the parameter tensors at offsets [parameterCount, parameterCount + frozen.length),
   * which take no optimizer step. Absent: every tensor trains.
   */
  frozen?: Float32Array;
};
