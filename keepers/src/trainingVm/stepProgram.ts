import { VeritrainError } from "../errors.ts";
import type { StepConfig } from "../training/jobSpec.ts";
import type { LayerDefinition, ModelDefinition } from "../training/modelDefinition.ts";
import { optimizerStateVectors, type LearningRateSchedule } from "../training/optimizer.ts";
import { dataCursor } from "../training/trainingState.ts";
import { treeDepth } from "./wordTree.ts";

/** The VM's memories: the checkpoint (its canonical bytes), the step's scratch, the job's training data (read-only). */
export const TREE = { checkpoint: 0, scratch: 1, data: 2 } as const;
export type MemoryTree = typeof TREE.checkpoint | typeof TREE.scratch;

/** 4-byte slots before the first parameter in a checkpoint: its 36-byte header. */
export const CHECKPOINT_HEADER_SLOTS = 9;
/**
 * Scratch slots of the step's constants: η (binary32) at 0, Adam's and AdamW's 1 − β₁ᵗ and 1 − β₂ᵗ (binary64) at 2
 * and 4, the clipping's factor (binary64) at 6.
 */
export const CONSTANT_SLOTS = { learningRate: 0, correction1: 2, correction2: 4, clipFactor: 6 } as const;
/**
 * A distributed slot's round start (docs/training-vm.md §4): scratch slots 0–7, the constants' word, hold the global
 * model's chunked-blob digest until `load` clears them.
 */
export const GLOBAL_DIGEST_SLOT = 0;
/** Byte offset of parameter 0 in a global-model blob (docs/distributed-training.md, "Global model blob"). */
export const GLOBAL_MODEL_VALUES = 16;
/** Scratch slots of the softmax's per-example work: the maximum (binary32) at 8, Σ eⱼ (binary64) at 10, eⱼ from 12. */
export const SOFTMAX_WORK = { max: 8, sum: 10, exponentials: 12 } as const;

/** A matrix operand: element (i, k) of A at offset + i·outer + k·inner; element (k, j) of B at offset + k·outer + j·inner. */
export type Strided = { tree: MemoryTree; offset: number; outer: number; inner: number };

/**
 * The geometry of a convolution's im2col/col2im or of a pooling, and the buffers it reads and writes:
 * `channels` planes of `height × width` per example, a `kernel`, a `stride`, top and left `pads`, an output of
 * `out` = [rows, columns] per plane. maxPoolBackward also reads the forward pass's output; both poolings'
 * backward read the output's gradient.
 */
export type Window = {
  channels: number;
  height: number;
  width: number;
  kernel: [number, number];
  stride: [number, number];
  pads: [number, number];
  out: [number, number];
  source: number;
  destination: number;
  forwardOutput: number;
  outputGradient: number;
};

/**
 * One operator of a step (docs/training-vm.md §4): a fixed sequence of instructions. Its fields do not depend on
 * the step, so a job's program is one list for all of its steps; {@link instructionCount} gives its length in a step.
 */
export type Operator =
  | { kind: "gather"; microBatch: number; destination: number }
  | { kind: "matMul"; m: number; n: number; k: number; a: Strided | null; b: Strided; destination: number; bias: number | null; biasPerRow: boolean }
  /** An elementwise activation: `size` elements of `source` into `destination`. */
  | { kind: "relu" | "sigmoid" | "tanh"; size: number; source: number; destination: number }
  /**
   * `size` elementwise sums (`sub`: differences first − second) of `first` and `second` into `destination`: an Add or
   * Sub layer, or a gradient added to (subtracted from) a sum of gradients.
   */
  | { kind: "add" | "sub" | "mul"; size: number; first: number; second: number; destination: number }
  /** `size` elementwise negations of `source` into `destination`: a Sub's gradient for its second operand. */
  | { kind: "negate"; size: number; source: number; destination: number }
  /** An elementwise activation's backward, in place over the output's gradient, from the activation's output. */
  | { kind: "reluMask" | "sigmoidBackward" | "tanhBackward"; size: number; gradient: number; activation: number }
  | { kind: "softmax"; microBatch: number; logits: number; gradient: number }
  /** The last layer's LogSoftmax over each example's `classes` features, and its backward in place over the gradient. */
  | { kind: "logSoftmax"; source: number; destination: number }
  | { kind: "logSoftmaxBackward"; gradient: number; activation: number }
  /**
   * A distributed slot's first operator: at a round's first step, instruction i < P copies the global model's
   * parameter i into the checkpoint; the last clears the digest's word (at any other step it is the only one).
   */
  | { kind: "load" }
  /** acc = 1, then `exponent` (the step's epoch or its step + 1) multiplications by `base`, then a store. */
  | { kind: "power"; base: number; exponent: "epoch" | "steps"; store: "learningRate" | "correction"; scale: number; destination: number }
  /**
   * With `clipped`, ĝ comes from the reduced gradient and the clipping's factor, not from the micro-batches' gradients.
   * Parameters [from, to) of each of `statistics` (a BatchNorm's running mean or variance) are averaged, not optimized:
   * from the micro-batches' gradient slots, clipped or not (`reduce` leaves theirs unreduced).
   */
  | { kind: "optimizer"; clipped: boolean; statistics: Statistic[] }
  /**
   * A BatchNorm's forward in a gradient's pass over `channels` channels of `plane` values per example (docs/training.md
   * §4): per channel, μ, then q and inv (kept at `statistics`, a word per channel, with the running statistics'
   * gradient slots `meanGradient` and `varianceGradient`), then x̂ into `normalized` and y into `destination`. `scale`
   * and `bias` are γ's and β's checkpoint slots; `epsilon` the binary32 ε.
   */
  | {
    kind: "batchNorm"; channels: number; plane: number; source: number; normalized: number; statistics: number; destination: number;
    scale: number; bias: number; meanGradient: number; varianceGradient: number; epsilon: number;
  }
  /**
   * A Dropout's mask over `size` values of micro-batch `microBatch`, channels of `plane` values per example stored
   * [channel][example][plane] (docs/training.md §4), element by element of `source` into `destination`: fround(x /
   * `keep`) where the element's draw keeps it (its high word ≥ `threshold` = ⌈p·2^32⌉), +0 elsewhere. Draw
   * (microBatch·b + e)·`drawsPerExample` + `drawOffset` + j of the stream (seed, 7, step) for element j (ONNX order) of
   * example e. The forward of the layer, and its backward in place over the output's gradient (the same mask and scale).
   */
  | {
    kind: "dropout"; size: number; plane: number; microBatch: number; drawsPerExample: number; drawOffset: number;
    threshold: number; keep: number; source: number; destination: number;
  }
  /** A BatchNorm's backward: per channel Σ dy and Σ dy·x̂ into γ's and β's gradient slots, then dx into `destination` (−1: none). */
  | {
    kind: "batchNormBackward"; channels: number; plane: number; gradient: number; normalized: number; statistics: number; scale: number;
    scaleGradient: number; biasGradient: number; destination: number;
  }
  | { kind: "end" }
  | { kind: "im2col" | "col2im" | "maxPool" | "maxPoolBackward" | "averagePool" | "averagePoolBackward"; window: Window }
  /** [n][C·P] from CNHW (forward), or back (backward): a copy per element. */
  | { kind: "flatten"; channels: number; plane: number; backward: boolean; source: number; destination: number }
  /** ĝ = fround(Σ g_m) of every parameter but those of `statistics`, over micro-batch 0's gradient vector. */
  | { kind: "reduce"; statistics: Statistic[] }
  /** The clipping's factor min(1, C / (‖ĝ‖ + 10⁻⁶)) (1 for a NaN quotient) from the reduced gradient, without `statistics`. */
  | { kind: "clipFactor"; maxNorm: number; statistics: Statistic[] }
  /** The learning rate η of a schedule (docs/training.md §6) from the base rate `learningRate`. */
  | { kind: "schedule"; schedule: LearningRateSchedule; learningRate: number };

/** Parameters [from, to) averaged with `momentum` (a BatchNorm's running mean or variance, docs/training.md §6). */
export type Statistic = { from: number; to: number; momentum: number };

/** Scratch slots of a BatchNorm's per-channel binary64 values, in the channel's word: μ, inv, Σ dy, Σ dy·x̂. */
export const BATCH_NORM_WORK = { mean: 0, inverse: 2, sumDy: 4, sumDyX: 6 } as const;

/**
 * The layer kinds the VM runs (LogSoftmax as the last layer only); every other kind of the engine (LayerNorm, the
 * sequence and attention ops, Mul by a parameter) it refuses.
 */
const VM_KINDS = ["conv", "maxPool", "averagePool", "relu", "sigmoid", "tanh", "flatten", "linear", "logSoftmax", "add", "batchNorm", "dropout", "mul"] as const;
type VmLayer = Extract<LayerDefinition, { kind: (typeof VM_KINDS)[number] }>;
const runsOnVm = (layer: LayerDefinition): layer is VmLayer => (VM_KINDS as readonly string[]).includes(layer.kind);

/** The operators' kind codes, as the one-step contract numbers them. */
export const OPERATOR_KINDS = [
  "gather", "matMul", "relu", "reluMask", "softmax", "power", "optimizer", "end", "im2col", "col2im", "maxPool", "maxPoolBackward", "flatten",
  "reduce", "clipFactor", "schedule", "sigmoid", "tanh", "sigmoidBackward", "tanhBackward", "averagePool", "averagePoolBackward",
  "logSoftmax", "logSoftmaxBackward", "add", "batchNorm", "batchNormBackward", "dropout", "sub", "negate", "mul", "load",
] as const;

/** Each elementwise activation's backward operator. */
const ACTIVATION_BACKWARD = { relu: "reluMask", sigmoid: "sigmoidBackward", tanh: "tanhBackward" } as const;
type ActivationLayer = Extract<VmLayer, { kind: keyof typeof ACTIVATION_BACKWARD }>;
const isActivation = (layer: VmLayer): layer is ActivationLayer => layer.kind in ACTIVATION_BACKWARD;

/**
 * How many windows of an average pooling may hold one input element, per axis: ⌈kernel / stride⌉, but no more
 * than the output has. Its backward visits that many (rows × columns) per element.
 */
export function poolOverlap(window: Window): [number, number] {
  const { kernel: [kH, kW], stride: [sH, sW], out: [OH, OW] } = window;
  return [Math.min(Math.ceil(kH / sH), OH), Math.min(Math.ceil(kW / sW), OW)];
}

/**
 * The instructions per parameter that load ĝ before the optimizer's phases: one (the reduced gradient, clipped) when
 * the optimizer is clipped and has no running statistics, else one per micro-batch (each parameter's; with clipping,
 * only a running statistic's sum them, the others take the clipped ĝ at the first and do nothing at the others).
 */
export function optimizerLoads(operator: { clipped: boolean; statistics: readonly Statistic[] }, config: Pick<StepConfig, "microBatches">): number {
  return operator.clipped && operator.statistics.length === 0 ? 1 : config.microBatches;
}

/** Whether parameter `p` is a running statistic's (one of `statistics`). */
export const statisticOf = (statistics: readonly Statistic[], p: number): Statistic | undefined => statistics.find((s) => p >= s.from && p < s.to);

/** The number of instructions of `operator` in the step `context` describes. */
export function instructionCount(operator: Operator, context: StepContext): number {
  const { config, classes, width, parameters } = context;
  const b = config.batchSize / config.microBatches;
  switch (operator.kind) {
    case "gather":
      return b * width;
    case "matMul":
      return operator.m * operator.n * (operator.k + 1);
    case "relu":
    case "reluMask":
    case "add":
    case "sigmoid":
    case "tanh":
    case "sigmoidBackward":
    case "tanhBackward":
    case "dropout":
    case "sub":
    case "negate":
    case "mul":
      return operator.size;
    case "softmax":
    case "logSoftmax":
      return b * (3 * classes + 2);
    case "logSoftmaxBackward":
      return b * 2 * classes;
    case "power":
      return (operator.exponent === "epoch" ? context.epoch : context.step - context.optimizerStart + 1) + 2;
    case "load":
      return context.step === context.optimizerStart ? parameters + 1 : 1;
    case "optimizer":
      return parameters * (optimizerLoads(operator, config) + (config.optimizer.type === "sgd" ? 2 : 3));
    case "end":
      return 1;
    case "im2col":
    case "col2im":
    case "maxPool":
    case "maxPoolBackward":
    case "averagePool":
    case "averagePoolBackward": {
      const { channels, height, width: W, kernel: [kH, kW], out: [OH, OW] } = operator.window;
      if (operator.kind === "im2col") return channels * kH * kW * b * OH * OW;
      if (operator.kind === "col2im") return channels * b * height * W * (kH * kW + 1);
      if (operator.kind === "maxPool" || operator.kind === "averagePool") return channels * b * OH * OW * (kH * kW + 1);
      if (operator.kind === "averagePoolBackward") return channels * b * height * W * (product(poolOverlap(operator.window)) + 1);
      return channels * b * height * W;
    }
    case "flatten":
      return b * operator.channels * operator.plane;
    case "reduce":
      return parameters * config.microBatches;
    case "clipFactor":
      return parameters + 1;
    case "schedule":
      return operator.schedule.type === "cosine" ? 1 : Math.floor(context.epoch / operator.schedule.everyEpochs) + 2;
    case "batchNorm":
      return operator.channels * (4 * b * operator.plane + 4);
    case "batchNormBackward":
      return operator.channels * ((operator.destination >= 0 ? 3 : 2) * b * operator.plane + 4);
  }
}

/** The batch position of example `e` of micro-batch `m`'s examples in the step. */
export function batchPosition(context: StepContext, microBatch: number, example: number): number {
  const { batchSize: B, microBatches: M } = context.config;
  return context.batch * B + microBatch * (B / M) + example;
}

/** What every instruction of a step may read besides memory. */
export type StepContext = {
  config: StepConfig;
  /** The step this program runs (the checkpoint's step before it). */
  step: number;
  /** The step the optimizer state was last zeroed at (0, or a distributed slot's round start): Adam's t counts from it. */
  optimizerStart: number;
  /** A distributed slot's step (its program's `rounds`): the step begins with `load`. */
  rounds: boolean;
  epoch: number;
  batch: number;
  stepsPerEpoch: number;
  /** Training examples n; the data memory holds their pixels (n·W bytes) then their labels (n bytes). */
  examples: number;
  /** Pixels per example W. */
  width: number;
  /** Channels of the input (1 for MNIST); each holds width/channels pixels. */
  channels: number;
  classes: number;
  parameters: number;
  stateVectors: number;
  /** Scratch slot of micro-batch 0's gradient vector; micro-batch m's follows at + m·parameters. */
  gradients: number;
};

/** A step's program and the depths of its three word trees. */
export type StepProgram = {
  context: StepContext;
  operators: Operator[];
  /** Instructions of each operator in this step. */
  counts: number[];
  scratchSlots: number;
  depths: { checkpoint: number; scratch: number; data: number };
};

/** Parameters of {@link stepProgram}. */
export type StepProgramParameters = {
  model: ModelDefinition; config: StepConfig; examples: number; step: number;
  /** A distributed slot's local steps per round L (docs/training-vm.md §5, `rounds`); absent for a job trained in one run. */
  roundSteps?: number;
};

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * The program of training step `step` (docs/training-vm.md §4): for each micro-batch, gather its examples,
 * the forward pass, the softmax cross-entropy and the backward pass into its own gradient slot; then, with
 * gradient clipping, the reduced gradient and the clipping's factor; the learning rate (its schedule's, if
 * any) and bias corrections, one optimizer pass over every parameter, and the end of the step.
 *
 * @throws VeritrainError `VM_UNSUPPORTED` for a job of engine version 1 (another data order), for a
 *   max-pooling whose windows overlap, for a LogSoftmax before the last layer, for a BatchNorm with gradient
 *   clipping, for every other layer of docs/training.md §10 than convolution, poolings, ReLU, Sigmoid, Tanh, flatten,
 *   linear, Add, Sub, BatchNorm, Dropout and LogSoftmax (LayerNorm, …), and for DP-SGD and qLoRA fine-tuning (the
 *   engine's, not yet the VM's).
 */
export function stepProgram({ model, config, examples, step, roundSteps }: StepProgramParameters): StepProgram {
  if (config.engineVersion !== "veritrain-train/2") {
    throw new VeritrainError(`the training VM runs engine version 2 (veritrain-train/2) only, this job names ${config.engineVersion}: use a committee dispute for this job`, {
      code: "VM_UNSUPPORTED", details: { what: "engineVersion", engineVersion: config.engineVersion },
    });
  }
  const unsupported = (what: string) =>
    new VeritrainError(`the training VM cannot run ${what} yet (docs/training-vm.md lists what it runs): use a committee dispute for this job`, {
      code: "VM_UNSUPPORTED", details: { what },
    });
  const { optimizer } = config;
  if (config.privacy !== undefined) throw unsupported("DP-SGD (per-example clipping and noise)");
  if (config.finetune !== undefined) throw unsupported("qLoRA fine-tuning (an NF4 base with low-rank adapters)");
  const { batchSize: B, microBatches: M } = config;
  const b = B / M;
  const width = product(model.inputShape);
  const channels = model.inputShape.length === 3 ? model.inputShape[0]! : 1;
  const P = model.parameterCount;
  const stepsPerEpoch = Math.floor(examples / B);
  const { epoch, batch } = dataCursor(step, stepsPerEpoch);
  const context: StepContext = {
    config, step, optimizerStart: roundSteps === undefined ? 0 : step - (step % roundSteps), rounds: roundSteps !== undefined, epoch, batch, stepsPerEpoch, examples, width, channels, classes: model.classes, parameters: P,
    stateVectors: optimizerStateVectors(config.optimizer), gradients: -1,
  };

  let top = SOFTMAX_WORK.exponentials + model.classes;
  const allocate = (slots: number) => {
    top = (top + 7) & ~7; // every buffer starts a word
    const at = top;
    top += slots;
    return at;
  };
  const param = (index: number) => CHECKPOINT_HEADER_SLOTS + model.parameters[index]!.offset;
  const scratch = (offset: number, outer: number, inner: number): Strided => ({ tree: TREE.scratch, offset, outer, inner });
  const checkpoint = (offset: number, outer: number, inner: number): Strided => ({ tree: TREE.checkpoint, offset, outer, inner });

  // Forward buffers, one micro-batch's worth, with the operators that fill them.
  const input = allocate(b * width);
  const stages: Stage[] = [];
  const layers = model.layers.map((layer, i): VmLayer => {
    if (!runsOnVm(layer)) throw unsupported(`a ${layer.kind} layer (${layer.name})`);
    if (layer.inputs.length !== (layer.kind === "add" || layer.kind === "mul" ? 2 : 1) || layer.inputs.some((from) => from < -1 || from >= i)) {
      throw unsupported(`a layer that reads other than earlier layers' outputs or the model's input (${layer.name})`);
    }
    if (layer.kind === "logSoftmax" && i !== model.layers.length - 1) throw unsupported(`a LogSoftmax before the last layer (${layer.name})`);
    return layer;
  });
  const read = new Set(layers.flatMap((layer) => layer.inputs));
  const unread = layers.findIndex((layer, i) => i < layers.length - 1 && !read.has(i));
  if (unread >= 0) throw unsupported(`a layer whose output no later layer reads (${layers[unread]!.name})`);
  const outputOf = (from: number) => (from < 0 ? input : stages[from]!.output);
  const widthOf = (from: number) => product(from < 0 ? model.inputShape : stages[from]!.outputShape);
  for (const layer of layers) {
    const from = layer.inputs[0]!;
    const shape = from < 0 ? model.inputShape : stages[from]!.outputShape;
    const current = outputOf(from);
    const stage: Stage = { input: current, inputShape: shape, output: current, outputShape: shape };
    const [C = 1, H = 1, W = 1] = shape.length === 3 ? shape : [1, 1, product(shape)];
    if (layer.kind === "linear") {
      stage.outputShape = [layer.outFeatures];
      stage.output = allocate(b * layer.outFeatures);
    } else if (isActivation(layer) || layer.kind === "logSoftmax" || layer.kind === "dropout") {
      stage.output = allocate(b * product(shape));
    } else if (layer.kind === "add" || layer.kind === "mul") {
      stage.second = outputOf(layer.inputs[1]!);
      stage.output = allocate(b * product(shape));
    } else if (layer.kind === "batchNorm") {
      stage.normalized = allocate(b * product(shape));
      stage.statistics = allocate(8 * layer.channels);
      stage.output = allocate(b * product(shape));
    } else if (layer.kind === "flatten") {
      stage.outputShape = [product(shape)];
      if (shape.length === 3 && C !== 1) stage.output = allocate(b * product(shape));
    } else {
      const [kH, kW] = layer.kernel;
      const [sH, sW] = layer.stride;
      const [pT, pL, pB, pR] = layer.kind === "conv" ? layer.pads : [0, 0, 0, 0];
      const out: [number, number] = [Math.floor((H + pT + pB - kH) / sH) + 1, Math.floor((W + pL + pR - kW) / sW) + 1];
      const outChannels = layer.kind === "conv" ? layer.outChannels : C;
      if (layer.kind === "maxPool" && (sH < kH || sW < kW)) throw unsupported(`a max-pooling whose windows overlap (${layer.name})`);
      stage.outputShape = [outChannels, ...out];
      stage.output = allocate(b * product(stage.outputShape));
      stage.window = {
        channels: C, height: H, width: W, kernel: [kH, kW], stride: [sH, sW], pads: [pT, pL], out,
        source: current, destination: stage.output, forwardOutput: stage.output, outputGradient: -1,
      };
      if (layer.kind === "conv") {
        stage.cols = allocate(C * kH * kW * b * out[0] * out[1]);
        stage.window.destination = stage.cols;
      }
    }
    stages.push(stage);
  }
  const logitsGradient = allocate(b * model.classes);
  const plan = backwardPlan({ layers, stages, logitsGradient, b, widthOf, allocate });
  const gradients = allocate(M * P);
  context.gradients = gradients;

  const operators: Operator[] = [];
  const push = (operator: Operator) => operators.push(operator);
  if (context.rounds) push({ kind: "load" });
  /** A Dropout's mask in micro-batch `m` over the `width` values per example of its input, from `source` into `destination`. */
  const dropout = (layer: Extract<VmLayer, { kind: "dropout" }>, width: number, m: number, source: number, destination: number): Operator => ({
    kind: "dropout", size: b * width, plane: width / layer.channels, microBatch: m, drawsPerExample: layer.drawsPerExample, drawOffset: layer.drawOffset,
    threshold: Math.ceil(layer.ratio * 2 ** 32), keep: 1 - layer.ratio, source, destination,
  });
  for (let m = 0; m < M; m++) {
    const slot = (parameterIndex: number) => gradients + m * P + model.parameters[parameterIndex]!.offset;
    push({ kind: "gather", microBatch: m, destination: input });
    layers.forEach((layer, i) => {
      const stage = stages[i]!;
      if (layer.kind === "linear") {
        const { inFeatures: I, outFeatures: O } = layer;
        push({
          kind: "matMul", m: b, n: O, k: I, a: scratch(stage.input, I, 1), b: checkpoint(param(layer.weight), 1, I),
          destination: stage.output, bias: layer.bias === null ? null : param(layer.bias), biasPerRow: false,
        });
      } else if (isActivation(layer)) {
        push({ kind: layer.kind, size: b * product(stage.inputShape), source: stage.input, destination: stage.output });
      } else if (layer.kind === "dropout") {
        push(dropout(layer, product(stage.inputShape), m, stage.input, stage.output));
      } else if (layer.kind === "add" || layer.kind === "mul") {
        const kind = layer.kind === "mul" ? "mul" : layer.subtract === true ? "sub" : "add";
        push({ kind, size: b * product(stage.inputShape), first: stage.input, second: stage.second!, destination: stage.output });
      } else if (layer.kind === "batchNorm") {
        push({
          kind: "batchNorm", channels: layer.channels, plane: layer.positions, source: stage.input, normalized: stage.normalized!, statistics: stage.statistics!,
          destination: stage.output, scale: param(layer.scale), bias: param(layer.bias), meanGradient: slot(layer.mean), varianceGradient: slot(layer.variance),
          epsilon: layer.epsilon,
        });
      } else if (layer.kind === "flatten") {
        if (stage.output !== stage.input) {
          const [C = 1, H = 1, W = 1] = stage.inputShape;
          push({ kind: "flatten", channels: C, plane: H * W, backward: false, source: stage.input, destination: stage.output });
        }
      } else if (layer.kind === "maxPool" || layer.kind === "averagePool") {
        push({ kind: layer.kind, window: stage.window! });
      } else if (layer.kind === "logSoftmax") {
        push({ kind: "logSoftmax", source: stage.input, destination: stage.output });
      } else {
        const window = stage.window!;
        const patch = window.channels * window.kernel[0] * window.kernel[1];
        const positions = b * window.out[0] * window.out[1];
        push({ kind: "im2col", window });
        push({
          kind: "matMul", m: layer.outChannels, n: positions, k: patch, a: checkpoint(param(layer.weight), patch, 1), b: scratch(stage.cols!, positions, 1),
          destination: stage.output, bias: layer.bias === null ? null : param(layer.bias), biasPerRow: true,
        });
      }
    });
    push({ kind: "softmax", microBatch: m, logits: stages[stages.length - 1]!.output, gradient: logitsGradient });
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i]!;
      const stage = stages[i]!;
      const { outputGradient: dY, inputGradient: dX, columnGradient: dCols, receive } = plan[i]!;
      if (isActivation(layer)) {
        push({ kind: ACTIVATION_BACKWARD[layer.kind], size: b * product(stage.inputShape), gradient: dY, activation: stage.output });
      } else if (layer.kind === "dropout") {
        push(dropout(layer, product(stage.inputShape), m, dY, dY));
      } else if (layer.kind === "logSoftmax") {
        push({ kind: "logSoftmaxBackward", gradient: dY, activation: stage.output });
      } else if (layer.kind === "batchNorm") {
        push({
          kind: "batchNormBackward", channels: layer.channels, plane: layer.positions, gradient: dY, normalized: stage.normalized!, statistics: stage.statistics!,
          scale: param(layer.scale), scaleGradient: slot(layer.scale), biasGradient: slot(layer.bias), destination: dX,
        });
      } else if (layer.kind === "flatten") {
        if (dX >= 0) {
          const [C = 1, H = 1, W = 1] = stage.inputShape;
          push({ kind: "flatten", channels: C, plane: H * W, backward: true, source: dY, destination: dX });
        }
      } else if (layer.kind === "maxPool" || layer.kind === "averagePool") {
        const kind = layer.kind === "maxPool" ? "maxPoolBackward" : "averagePoolBackward";
        if (dX >= 0) push({ kind, window: { ...stage.window!, source: stage.input, destination: dX, outputGradient: dY } });
      } else if (layer.kind === "linear") {
        const { inFeatures: I, outFeatures: O } = layer;
        push({ kind: "matMul", m: O, n: I, k: b, a: scratch(dY, 1, O), b: scratch(stage.input, I, 1), destination: slot(layer.weight), bias: null, biasPerRow: false });
        if (layer.bias !== null) push({ kind: "matMul", m: 1, n: O, k: b, a: null, b: scratch(dY, O, 1), destination: slot(layer.bias), bias: null, biasPerRow: false });
        if (dX >= 0) push({ kind: "matMul", m: b, n: I, k: O, a: scratch(dY, O, 1), b: checkpoint(param(layer.weight), I, 1), destination: dX, bias: null, biasPerRow: false });
      } else if (layer.kind === "conv") {
        const window = stage.window!;
        const patch = window.channels * window.kernel[0] * window.kernel[1];
        const positions = b * window.out[0] * window.out[1];
        const outChannels = layer.outChannels;
        push({ kind: "matMul", m: outChannels, n: patch, k: positions, a: scratch(dY, positions, 1), b: scratch(stage.cols!, 1, positions), destination: slot(layer.weight), bias: null, biasPerRow: false });
        if (layer.bias !== null) push({ kind: "matMul", m: 1, n: outChannels, k: positions, a: null, b: scratch(dY, 1, positions), destination: slot(layer.bias), bias: null, biasPerRow: false });
        if (dX >= 0) {
          push({ kind: "matMul", m: patch, n: positions, k: outChannels, a: checkpoint(param(layer.weight), 1, patch), b: scratch(dY, positions, 1), destination: dCols, bias: null, biasPerRow: false });
          push({ kind: "col2im", window: { ...window, source: dCols, destination: dX } });
        }
      }
      receive.forEach(push);
    }
  }
  const statistics = model.parameters.flatMap((t) => (t.statistic === undefined ? [] : [{ from: t.offset, to: t.offset + t.size, momentum: t.statistic.momentum }]));
  const { clipNorm } = optimizer;
  if (clipNorm !== undefined) {
    push({ kind: "reduce", statistics });
    push({ kind: "clipFactor", maxNorm: clipNorm, statistics });
  }
  if (optimizer.schedule === undefined) {
    push({ kind: "power", base: optimizer.learningRateDecay, exponent: "epoch", store: "learningRate", scale: optimizer.learningRate, destination: CONSTANT_SLOTS.learningRate });
  } else {
    push({ kind: "schedule", schedule: optimizer.schedule, learningRate: optimizer.learningRate });
  }
  if (optimizer.type !== "sgd") {
    push({ kind: "power", base: optimizer.beta1, exponent: "steps", store: "correction", scale: 1, destination: CONSTANT_SLOTS.correction1 });
    push({ kind: "power", base: optimizer.beta2, exponent: "steps", store: "correction", scale: 1, destination: CONSTANT_SLOTS.correction2 });
  }
  push({ kind: "optimizer", clipped: clipNorm !== undefined, statistics });
  push({ kind: "end" });

  const checkpointBytes = 4 * (CHECKPOINT_HEADER_SLOTS + P * (1 + context.stateVectors));
  return {
    context,
    operators,
    counts: operators.map((operator) => instructionCount(operator, context)),
    scratchSlots: top,
    depths: { checkpoint: treeDepth(checkpointBytes), scratch: treeDepth(4 * top), data: treeDepth(examples * (width + 1)) },
  };
}

/**
 * A layer's forward buffers in a step's scratch: its input and output (a flatten of one channel is the identity: its
 * output is its input), an Add's second operand, a convolution's or pooling's window and a convolution's columns, a
 * BatchNorm's x̂ and statistics.
 */
type Stage = {
  input: number; inputShape: number[]; output: number; outputShape: number[]; second?: number; window?: Window; cols?: number;
  /** A BatchNorm's x̂ and its per-channel words (docs/training-vm.md §4). */
  normalized?: number; statistics?: number;
};

/**
 * A layer's backward buffers: the gradient of its output, where its operator writes its input's gradient (−1: none,
 * or the layer passes its output's gradient through), a convolution's column gradient (−1: none), and the operators
 * that hand its gradient to the layers it read ({@link backwardPlan}).
 */
type BackwardStage = { outputGradient: number; inputGradient: number; columnGradient: number; receive: Operator[] };

/**
 * Where each layer's gradients go (docs/training-vm.md §4), as the engine's `Network.receiveGradient` sums them: in
 * reverse layer order, each layer gives each operand read from an earlier layer the gradient of that operand. A
 * layer read once takes it as its output's gradient: the very buffer, from a layer that passes its output's gradient
 * through to its first operand (an activation, a Dropout or a LogSoftmax, whose backward rewrites it in place, an identity
 * flatten, an Add or Sub); else a buffer of its own, which the reader's operator writes (an Add's second operand gets a
 * copy, a Sub's a negated one, so that the in-place backwards upstream of its first cannot change it; a Mul's operand
 * the product of its output's gradient and the other operand, by a `mul` of its own). A layer read
 * more than once sums them in a buffer of its own: the first written there (or copied), each later one added,
 * fround(sum + g) (a Sub's second operand's subtracted, fround(sum − g), the same bits). Buffers are
 * allocated in that order, a convolution's column gradient before its input's gradient, so that a chain of layers
 * keeps the layout it had before Add existed. `b` examples per micro-batch; `widthOf` a layer's output per example
 * (−1: the model's input).
 */
function backwardPlan({ layers, stages, logitsGradient, b, widthOf, allocate }: {
  layers: VmLayer[]; stages: Stage[]; logitsGradient: number; b: number; widthOf: (from: number) => number; allocate: (slots: number) => number;
}): BackwardStage[] {
  const readers = layers.map(() => 0);
  for (const layer of layers) for (const from of layer.inputs) if (from >= 0) readers[from]!++;
  const received = layers.map(() => 0);
  const outputGradients: number[] = [];
  outputGradients[layers.length - 1] = logitsGradient;
  const plan: BackwardStage[] = [];
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!;
    const stage = stages[i]!;
    const dY = outputGradients[i]!;
    const step: BackwardStage = { outputGradient: dY, inputGradient: -1, columnGradient: -1, receive: [] };
    const passes = isActivation(layer) || layer.kind === "logSoftmax" || layer.kind === "dropout" || layer.kind === "add" || (layer.kind === "flatten" && stage.output === stage.input);
    if (layer.kind === "conv" && layer.inputs[0]! >= 0) {
      const { channels, kernel: [kH, kW], out: [OH, OW] } = stage.window!;
      step.columnGradient = allocate(channels * kH * kW * b * OH * OW);
    }
    layer.inputs.forEach((from, k) => {
      if (from < 0) return;
      const size = b * widthOf(from);
      const first = received[from]!++ === 0;
      /** The gradient `g` added to the sum of `from`'s (subtracted: its negation added, the same bits). */
      const addTo = (g: number, kind: "add" | "sub" = "add"): Operator => ({ kind, size, first: outputGradients[from]!, second: g, destination: outputGradients[from]! });
      // A Sub's second operand gets the negated gradient, as the engine's `Add.operandGradients`.
      const negated = layer.kind === "add" && layer.subtract === true && k === 1;
      if (layer.kind === "mul") {
        // fround(dY·b) for the first operand, fround(dY·a) for the second, as the engine's `Mul` (into a buffer of
        // their own when the operand's sum already has one).
        const destination = first ? (outputGradients[from] = allocate(size)) : allocate(size);
        step.receive.push({ kind: "mul", size, first: dY, second: k === 0 ? stages[i]!.second! : stages[i]!.input, destination });
        if (!first) step.receive.push(addTo(destination));
      } else if (readers[from] === 1 && passes && k === 0) {
        outputGradients[from] = dY;
      } else if (passes) {
        const own = () => (outputGradients[from] = allocate(size));
        // A copy is a flatten of one channel.
        if (first) step.receive.push(negated ? { kind: "negate", size, source: dY, destination: own() } : { kind: "flatten", channels: 1, plane: widthOf(from), backward: false, source: dY, destination: own() });
        else step.receive.push(addTo(dY, negated ? "sub" : "add"));
      } else if (first) {
        step.inputGradient = outputGradients[from] = allocate(size);
      } else {
        step.inputGradient = allocate(size);
        step.receive.push(addTo(step.inputGradient));
      }
    });
    plan[i] = step;
  }
  return plan;
}
