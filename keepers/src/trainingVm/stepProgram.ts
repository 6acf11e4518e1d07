import { VeritrainError } from "../errors.ts";
import type { StepConfig } from "../training/jobSpec.ts";
import type { ModelDefinition } from "../training/modelDefinition.ts";
import { optimizerStateVectors } from "../training/optimizer.ts";
import { dataCursor } from "../training/trainingState.ts";
import { WORD } from "./wordTree.ts";

/** The VM's memories: the checkpoint (its canonical bytes), the step's scratch, the job's training data (read-only). */
export const TREE = { checkpoint: 0, scratch: 1, data: 2 } as const;
export type MemoryTree = typeof TREE.checkpoint | typeof TREE.scratch;

/** 4-byte slots before the first parameter in a checkpoint: its 36-byte header. */
export const CHECKPOINT_HEADER_SLOTS = 9;
/** Scratch slots of the step's constants: η_e (binary32) at 0, Adam's 1 − β₁ᵗ and 1 − β₂ᵗ (binary64) at 2 and 4. */
export const CONSTANT_SLOTS = { learningRate: 0, correction1: 2, correction2: 4 } as const;
/** Scratch slots of the softmax's per-example work: the maximum (binary32) at 8, Σ eⱼ (binary64) at 10, eⱼ from 12. */
export const SOFTMAX_WORK = { max: 8, sum: 10, exponentials: 12 } as const;

/** A matrix operand: element (i, k) of A at offset + i·row + k·inner; element (k, j) of B at offset + k·inner + j·col. */
export type Strided = { tree: MemoryTree; offset: number; outer: number; inner: number };

/**
 * One operator of a step (docs/training-vm.md §4): a fixed sequence of instructions. Its fields do not depend on
 * the step, so a job's program is one list for all of its steps; {@link instructionCount} gives its length in a step.
 */
export type Operator =
  | { kind: "gather"; microBatch: number; destination: number }
  | { kind: "matMul"; m: number; n: number; k: number; a: Strided | null; b: Strided; destination: number; bias: number | null }
  | { kind: "relu"; size: number; offset: number }
  | { kind: "reluMask"; size: number; gradient: number; activation: number }
  | { kind: "softmax"; microBatch: number; logits: number; gradient: number }
  /** acc = 1, then `exponent` (the step's epoch or its step + 1) multiplications by `base`, then a store. */
  | { kind: "power"; base: number; exponent: "epoch" | "steps"; store: "learningRate" | "correction"; scale: number; destination: number }
  | { kind: "optimizer" }
  | { kind: "end" };

/** The operators' kind codes, as the one-step contract numbers them. */
export const OPERATOR_KINDS = ["gather", "matMul", "relu", "reluMask", "softmax", "power", "optimizer", "end"] as const;

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
      return operator.size;
    case "softmax":
      return b * (3 * classes + 2);
    case "power":
      return (operator.exponent === "epoch" ? context.epoch : context.step + 1) + 2;
    case "optimizer":
      return parameters * (config.microBatches + (config.optimizer.type === "sgd" ? 2 : 3));
    case "end":
      return 1;
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
export type StepProgramParameters = { model: ModelDefinition; config: StepConfig; examples: number; step: number };

/** The smallest depth whose tree holds `bytes` bytes of words (at least 1). */
export function treeDepth(bytes: number): number {
  const leaves = Math.max(2, Math.ceil(bytes / WORD));
  return (leaves - 1).toString(2).length;
}

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * The program of training step `step` (docs/training-vm.md §4): for each micro-batch, gather its examples,
 * the forward pass, the softmax cross-entropy and the backward pass into its own gradient slot; then the
 * learning rate and bias corrections, one optimizer pass over every parameter, and the end of the step.
 * The VM supports flatten (of one channel), linear and ReLU layers so far.
 *
 * @throws VeritrainError `VM_UNSUPPORTED` for a layer, a flatten or an optimizer start the VM cannot run yet.
 */
export function stepProgram({ model, config, examples, step }: StepProgramParameters): StepProgram {
  const unsupported = (what: string) =>
    new VeritrainError(`the training VM cannot run ${what} yet (docs/training-vm.md §6 lists what it runs): use a committee dispute for this job`, {
      code: "VM_UNSUPPORTED", details: { what },
    });
  const { batchSize: B, microBatches: M } = config;
  const b = B / M;
  const width = product(model.inputShape);
  const channels = model.inputShape.length === 3 ? model.inputShape[0]! : 1;
  const P = model.parameterCount;
  const stepsPerEpoch = Math.floor(examples / B);
  const { epoch, batch } = dataCursor(step, stepsPerEpoch);
  const context: StepContext = {
    config, step, epoch, batch, stepsPerEpoch, examples, width, channels, classes: model.classes, parameters: P,
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

  // Activations: the input, then each layer's output (ReLU and flatten in place), sized for one micro-batch.
  type Stage = { width: number; output: number; gradient: number };
  const input = allocate(b * width);
  const stages: Stage[] = [];
  let current = { width, output: input };
  for (const layer of model.layers) {
    if (layer.kind === "conv" || layer.kind === "maxPool") throw unsupported(`a ${layer.kind} layer (${layer.name})`);
    if (layer.kind === "flatten" && current.output === input && channels !== 1) throw unsupported("a flatten of several channels");
    if (layer.kind === "linear") current = { width: layer.outFeatures, output: allocate(b * layer.outFeatures) };
    stages.push({ ...current, gradient: -1 });
  }
  const logitsGradient = allocate(b * model.classes);
  // Input gradients: a linear layer's is a new buffer; ReLU and flatten pass theirs through in place.
  let gradient = logitsGradient;
  for (let i = model.layers.length - 1; i >= 0; i--) {
    stages[i]!.gradient = gradient;
    const layer = model.layers[i]!;
    if (layer.kind === "linear" && i > 0) gradient = allocate(b * layer.inFeatures);
  }
  const gradients = allocate(M * P);
  context.gradients = gradients;

  const operators: Operator[] = [];
  const push = (operator: Operator) => operators.push(operator);
  const scratch = (offset: number, outer: number, inner: number): Strided => ({ tree: TREE.scratch, offset, outer, inner });
  const checkpoint = (offset: number, outer: number, inner: number): Strided => ({ tree: TREE.checkpoint, offset, outer, inner });
  for (let m = 0; m < M; m++) {
    push({ kind: "gather", microBatch: m, destination: input });
    model.layers.forEach((layer, i) => {
      const from = i === 0 ? input : stages[i - 1]!.output;
      if (layer.kind === "linear") {
        const { inFeatures: I, outFeatures: O } = layer;
        push({
          kind: "matMul", m: b, n: O, k: I,
          a: scratch(from, I, 1), b: checkpoint(param(layer.weight), 1, I),
          destination: stages[i]!.output, bias: layer.bias === null ? null : param(layer.bias),
        });
      }
      if (layer.kind === "relu") push({ kind: "relu", size: b * stages[i]!.width, offset: stages[i]!.output });
    });
    const logits = stages[stages.length - 1]!.output;
    push({ kind: "softmax", microBatch: m, logits, gradient: logitsGradient });
    const slot = (parameterIndex: number) => gradients + m * P + model.parameters[parameterIndex]!.offset;
    for (let i = model.layers.length - 1; i >= 0; i--) {
      const layer = model.layers[i]!;
      const outputGradient = stages[i]!.gradient;
      if (layer.kind === "relu") push({ kind: "reluMask", size: b * stages[i]!.width, gradient: outputGradient, activation: stages[i]!.output });
      if (layer.kind !== "linear") continue;
      const { inFeatures: I, outFeatures: O } = layer;
      const x = i === 0 ? input : stages[i - 1]!.output;
      push({ kind: "matMul", m: O, n: I, k: b, a: scratch(outputGradient, 1, O), b: scratch(x, I, 1), destination: slot(layer.weight), bias: null });
      if (layer.bias !== null) push({ kind: "matMul", m: 1, n: O, k: b, a: null, b: scratch(outputGradient, O, 1), destination: slot(layer.bias), bias: null });
      if (i > 0) push({ kind: "matMul", m: b, n: I, k: O, a: scratch(outputGradient, O, 1), b: checkpoint(param(layer.weight), I, 1), destination: stages[i - 1]!.gradient, bias: null });
    }
  }
  const optimizer = config.optimizer;
  push({ kind: "power", base: optimizer.learningRateDecay, exponent: "epoch", store: "learningRate", scale: optimizer.learningRate, destination: CONSTANT_SLOTS.learningRate });
  if (optimizer.type === "adam") {
    push({ kind: "power", base: optimizer.beta1, exponent: "steps", store: "correction", scale: 1, destination: CONSTANT_SLOTS.correction1 });
    push({ kind: "power", base: optimizer.beta2, exponent: "steps", store: "correction", scale: 1, destination: CONSTANT_SLOTS.correction2 });
  }
  push({ kind: "optimizer" });
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
