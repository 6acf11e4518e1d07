import { VeritrainError } from "../errors.ts";
import { Add } from "./add.ts";
import { AveragePool } from "./averagePool.ts";
import { BatchedMatMul } from "./batchedMatMul.ts";
import { BatchNorm } from "./batchNorm.ts";
import { BroadcastAdd } from "./broadcastAdd.ts";
import { BroadcastMul, Mul } from "./mul.ts";
import { Concat } from "./concat.ts";
import { Conv2d } from "./conv2d.ts";
import { Dropout, type DropoutKey } from "./dropout.ts";
import { Flatten } from "./flatten.ts";
import { Gather } from "./gather.ts";
import { Gelu } from "./gelu.ts";
import type { Layer } from "./layer.ts";
import { LayerNorm } from "./layerNorm.ts";
import { Linear } from "./linear.ts";
import { LogSoftmax } from "./logSoftmax.ts";
import { LoraMatMul } from "./loraMatMul.ts";
import { MatMulWeight } from "./matMulWeight.ts";
import { MaxPool } from "./maxPool.ts";
import type { ModelDefinition } from "./modelDefinition.ts";
import { ReduceMean } from "./reduceMean.ts";
import { Relu } from "./relu.ts";
import { Reshape } from "./reshape.ts";
import { Scale } from "./scale.ts";
import { SmoothActivation } from "./smoothActivation.ts";
import { Softmax } from "./softmax.ts";
import { Transpose } from "./transpose.ts";
import { softmaxCrossEntropy, type LossSummary } from "./softmaxCrossEntropy.ts";

/** Parameters of the {@link Network} constructor. */
export type NetworkParameters = {
  model: ModelDefinition;
  /** Largest number of examples passed at once (micro-batch or evaluation chunk). */
  maxExamples: number;
};

/** Parameters of {@link Network.loadExamples}. */
export type LoadExamplesParameters = {
  /** Raw pixels, one byte per value, example-major [N][C·H·W]. */
  pixels: Uint8Array;
  labels: Uint8Array;
  /** Dataset indices of the examples to load, in micro-batch order. */
  indices: ArrayLike<number>;
  /** binary32 value of each byte value (see `PIXEL_TO_FLOAT`). */
  pixelValues: Float32Array;
};

/** Parameters of {@link Network.gradient}. */
export type GradientParameters = {
  params: Float32Array;
  /** Receives the gradient, packed like `params` (overwritten). */
  grads: Float32Array;
  /** Number of examples loaded with {@link Network.loadExamples}. */
  n: number;
  /** The full batch size (the loss is a mean over the batch). */
  batchSize: number;
  /** Which masks the model's Dropouts draw (required when it has any): the job seed, the step, the first example's batch position. */
  dropout?: DropoutKey;
};

/**
 * One thread's instance of a model: layers with preallocated buffers sized for `maxExamples`.
 * Parameters and gradient vectors are passed in, so several threads can share one parameter
 * vector in a SharedArrayBuffer. Layers run in their order forward and in reverse order backward;
 * an activation read by several layers gets the sum of their gradients (docs/training.md §5).
 */
export class Network {
  readonly model: ModelDefinition;
  private readonly input: Float32Array;
  private readonly labels: Uint8Array;
  private readonly layers: Layer[];
  private readonly logitsGradient: Float32Array;
  /** Per layer, how many operands of later layers read its output. */
  private readonly readers: number[];
  /** Per layer read more than once, the buffer its output's gradient is summed in. */
  private readonly gradientSums: (Float32Array | undefined)[];
  /** Per layer during backward: its output's gradient, and how many of its readers gave theirs. */
  private readonly outputGradients: (Float32Array | undefined)[];
  private readonly received: number[];
  /** A qLoRA model's parameters: the trainable ones (copied in each pass) followed by its frozen ones; their gradients. */
  private readonly withFrozen: { params: Float32Array; grads: Float32Array } | undefined;
  /** The key the Dropout layers read, set by each {@link gradient} call. */
  private readonly dropoutKey: DropoutKey = { seed: 0n, step: 0, position: 0 };

  constructor({ model, maxExamples }: NetworkParameters) {
    this.model = model;
    if (model.frozen !== undefined) {
      const params = new Float32Array(model.parameterCount + model.frozen.length);
      params.set(model.frozen, model.parameterCount);
      this.withFrozen = { params, grads: new Float32Array(params.length) };
    }
    const loraWeights = model.layers.map((layer) => (layer.kind === "lora" ? layer.inFeatures * layer.outFeatures : 0));
    const dequantised = new Float32Array(Math.max(0, ...loraWeights));
    const inputWidth = model.inputShape.reduce((a, b) => a * b, 1);
    this.input = new Float32Array(maxExamples * inputWidth);
    this.labels = new Uint8Array(maxExamples);
    this.logitsGradient = new Float32Array(maxExamples * model.classes);
    this.layers = [];
    this.readers = model.layers.map(() => 0);
    for (const definition of model.layers) for (const from of definition.inputs) if (from >= 0) this.readers[from]!++;
    const shapeOf = (from: number) => (from < 0 ? model.inputShape : this.layers[from]!.outputShape);
    const outputOf = (from: number) => (from < 0 ? this.input : this.layers[from]!.output);
    for (const definition of model.layers) {
      const from = definition.inputs[0] ?? -1; // a Gather reads no activation
      const shape = shapeOf(from);
      let layer: Layer;
      switch (definition.kind) {
        case "conv":
          layer = new Conv2d({ definition, inputShape: shape, maxExamples, parameters: model.parameters });
          break;
        case "maxPool":
          layer = new MaxPool({ definition, inputShape: shape, maxExamples });
          break;
        case "flatten":
          layer = new Flatten({ inputShape: shape, maxExamples });
          break;
        case "linear":
          layer = new Linear({ definition, maxExamples, parameters: model.parameters });
          break;
        case "averagePool":
          layer = new AveragePool({ definition, inputShape: shape, maxExamples });
          break;
        case "batchNorm":
          layer = new BatchNorm({ definition, inputShape: shape, maxExamples, parameters: model.parameters });
          break;
        case "logSoftmax":
          layer = new LogSoftmax({ inputShape: shape, maxExamples });
          break;
        case "add":
          layer = new Add({ inputShape: shape, operands: [outputOf(from), outputOf(definition.inputs[1]!)], maxExamples, subtract: definition.subtract });
          break;
        case "relu": {
          // In place over a layer's output that only it reads, unless that layer reads its own output in backward.
          const previous = this.layers[from];
          const ownBuffer = from < 0 || this.readers[from]! > 1 || previous instanceof SmoothActivation || previous instanceof LogSoftmax || previous instanceof Softmax;
          layer = new Relu({ inputShape: shape, input: outputOf(from), maxExamples: ownBuffer ? maxExamples : undefined });
          break;
        }
        case "sigmoid":
        case "tanh":
          layer = new SmoothActivation({ definition, inputShape: shape, maxExamples });
          break;
        case "reshape":
          layer = new Reshape({ outputShape: definition.shape, maxExamples });
          break;
        case "transpose":
          layer = new Transpose({ inputShape: shape, perm: definition.perm, maxExamples });
          break;
        case "matMulWeight":
          layer = new MatMulWeight({ definition, inputShape: shape, maxExamples, parameters: model.parameters });
          break;
        case "broadcastAdd":
          layer = new BroadcastAdd({ definition, inputShape: shape, maxExamples, parameters: model.parameters });
          break;
        case "mul":
          layer = new Mul({ inputShape: shape, operands: [outputOf(from), outputOf(definition.inputs[1]!)], maxExamples });
          break;
        case "broadcastMul":
          layer = new BroadcastMul({ definition, inputShape: shape, maxExamples, parameters: model.parameters });
          break;
        case "batchedMatMul": {
          const second = definition.inputs[1]!;
          layer = new BatchedMatMul({ shapes: [shape, shapeOf(second)], operands: [outputOf(from), outputOf(second)], maxExamples });
          break;
        }
        case "layerNorm":
          layer = new LayerNorm({ definition, inputShape: shape, maxExamples, parameters: model.parameters });
          break;
        case "gelu":
          layer = new Gelu({ definition, inputShape: shape, maxExamples });
          break;
        case "softmax":
          layer = new Softmax({ inputShape: shape, maxExamples });
          break;
        case "scale":
          layer = new Scale({ definition, inputShape: shape, maxExamples });
          break;
        case "reduceMean":
          layer = new ReduceMean({ inputShape: shape, maxExamples });
          break;
        case "lora":
          layer = new LoraMatMul({ definition, inputShape: shape, maxExamples, parameters: model.parameters, dequantised });
          break;
        case "gather":
          layer = new Gather({ definition, maxExamples, parameters: model.parameters });
          break;
        case "concat":
          layer = new Concat({ definition, shapes: definition.inputs.map(shapeOf), operands: definition.inputs.map(outputOf), maxExamples });
          break;
        case "dropout":
          layer = new Dropout({ definition, inputShape: shape, maxExamples, key: this.dropoutKey });
          break;
      }
      this.layers.push(layer);
    }
    this.gradientSums = this.readers.map((count, i) => (count > 1 ? new Float32Array(maxExamples * this.layers[i]!.outputShape.reduce((a, b) => a * b, 1)) : undefined));
    this.outputGradients = model.layers.map(() => undefined);
    this.received = model.layers.map(() => 0);
  }

  /** Copies examples into the input buffer (CNHW) and their labels. */
  loadExamples({ pixels, labels, indices, pixelValues }: LoadExamplesParameters): number {
    const shape = this.model.inputShape;
    const width = shape.reduce((a, b) => a * b, 1);
    const channels = shape.length === 3 ? shape[0]! : 1;
    const plane = width / channels;
    const n = indices.length;
    const input = this.input;
    for (let e = 0; e < n; e++) {
      const index = indices[e]!;
      const source = index * width;
      this.labels[e] = labels[index]!;
      for (let c = 0; c < channels; c++) {
        const target = (c * n + e) * plane;
        const from = source + c * plane;
        for (let i = 0; i < plane; i++) input[target + i] = pixelValues[pixels[from + i]!]!;
      }
    }
    return n;
  }

  /**
   * Forward pass over the loaded examples; returns the logits buffer ([n][classes] prefix). `training`
   * for a gradient's pass: BatchNorm then normalises with the examples' own statistics.
   */
  forward(n: number, params: Float32Array, training = false): Float32Array {
    const all = this.allParameters(params);
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) layers[i]!.forward(this.outputOf(this.model.layers[i]!.inputs[0] ?? -1), n, all, training);
    return layers.at(-1)!.output;
  }

  /** The vector the layers read: `params` itself, or for a qLoRA model `params` followed by its frozen tensors. */
  private allParameters(params: Float32Array): Float32Array {
    if (this.withFrozen === undefined) return params;
    this.withFrozen.params.set(params.subarray(0, this.model.parameterCount));
    return this.withFrozen.params;
  }

  /** The output buffer of layer `from`, or the input for −1. */
  private outputOf(from: number): Float32Array {
    return from < 0 ? this.input : this.layers[from]!.output;
  }

  /** Loss and accuracy of the loaded examples, without gradients. */
  evaluate(n: number, params: Float32Array): LossSummary {
    const logits = this.forward(n, params);
    return softmaxCrossEntropy({ logits, labels: this.labels, n, classes: this.model.classes, batchSize: 1 });
  }

  /**
   * Forward and backward over the loaded examples: writes the gradient of
   * (Σ per-example loss) / batchSize into `grads`, and into a BatchNorm's running mean and variance
   * slots the examples' statistics (the optimizer averages them, docs/training.md §6).
   */
  gradient({ params, grads, n, batchSize, dropout }: GradientParameters): LossSummary {
    if (dropout === undefined && this.model.layers.some((layer) => layer.kind === "dropout")) {
      throw new VeritrainError("the model has Dropout, so its gradient needs the key of its masks (dropout: seed, step, batch position)", { code: "INVALID_ARGUMENT" });
    }
    if (dropout !== undefined) Object.assign(this.dropoutKey, dropout);
    const logits = this.forward(n, params, true);
    const summary = softmaxCrossEntropy({
      logits, labels: this.labels, n, classes: this.model.classes, batchSize, gradient: this.logitsGradient,
    });
    const { layers, outputGradients, received } = this;
    const last = layers.length - 1;
    const all = this.allParameters(params);
    // A qLoRA model's frozen tensors get gradients in the scratch vector, which nothing reads.
    const allGrads = this.withFrozen?.grads ?? grads;
    received.fill(0);
    outputGradients[last] = this.logitsGradient;
    for (let i = last; i >= 0; i--) {
      const layer = layers[i]!;
      const { inputs } = this.model.layers[i]!;
      layer.backward(this.outputOf(inputs[0] ?? -1), outputGradients[i]!, n, all, allGrads, inputs.some((from) => from >= 0));
      for (let k = 0; k < inputs.length; k++) {
        const from = inputs[k]!;
        if (from >= 0) this.receiveGradient(from, k === 0 ? layer.inputGradient : layer.operandGradients![k - 1]!, n);
      }
    }
    if (allGrads !== grads) grads.set(allGrads.subarray(0, this.model.parameterCount));
    return summary;
  }

  /**
   * One reader's gradient of layer `from`'s output: kept as it is when the layer has one reader;
   * otherwise copied (the first) or added in binary32, fround(sum + g), in the order the backward
   * pass gives them: readers in reverse layer order, a layer's operands in order.
   */
  private receiveGradient(from: number, gradient: Float32Array, n: number): void {
    const sum = this.gradientSums[from];
    const count = this.received[from]!++;
    if (sum === undefined) {
      this.outputGradients[from] = gradient;
      return;
    }
    const size = n * this.layers[from]!.outputShape.reduce((a, b) => a * b, 1);
    if (count === 0) sum.set(gradient.subarray(0, size));
    else for (let e = 0; e < size; e++) sum[e] = sum[e]! + gradient[e]!;
    this.outputGradients[from] = sum;
  }
}
