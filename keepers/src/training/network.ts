import { AveragePool } from "./averagePool.ts";
import { BatchNorm } from "./batchNorm.ts";
import { Conv2d } from "./conv2d.ts";
import { Flatten } from "./flatten.ts";
import type { Layer } from "./layer.ts";
import { Linear } from "./linear.ts";
import { LogSoftmax } from "./logSoftmax.ts";
import { MaxPool } from "./maxPool.ts";
import type { ModelDefinition } from "./modelDefinition.ts";
import { Relu } from "./relu.ts";
import { SmoothActivation } from "./smoothActivation.ts";
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
};

/**
 * One thread's instance of a model: layers with preallocated buffers sized for `maxExamples`.
 * Parameters and gradient vectors are passed in, so several threads can share one parameter
 * vector in a SharedArrayBuffer.
 */
export class Network {
  readonly model: ModelDefinition;
  private readonly input: Float32Array;
  private readonly labels: Uint8Array;
  private readonly layers: Layer[];
  private readonly logitsGradient: Float32Array;

  constructor({ model, maxExamples }: NetworkParameters) {
    this.model = model;
    const inputWidth = model.inputShape.reduce((a, b) => a * b, 1);
    this.input = new Float32Array(maxExamples * inputWidth);
    this.labels = new Uint8Array(maxExamples);
    this.logitsGradient = new Float32Array(maxExamples * model.classes);
    this.layers = [];
    let shape = model.inputShape;
    let output = this.input;
    for (const definition of model.layers) {
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
        case "relu": {
          // In place, unless the layer before reads its own output in backward.
          const previous = this.layers.at(-1);
          const ownBuffer = previous instanceof SmoothActivation || previous instanceof LogSoftmax;
          layer = new Relu({ inputShape: shape, input: output, maxExamples: ownBuffer ? maxExamples : undefined });
          break;
        }
        case "sigmoid":
        case "tanh":
          layer = new SmoothActivation({ definition, inputShape: shape, maxExamples });
          break;
      }
      this.layers.push(layer);
      shape = layer.outputShape;
      output = layer.output;
    }
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
    let x = this.input;
    for (const layer of this.layers) {
      layer.forward(x, n, params, training);
      x = layer.output;
    }
    return x;
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
  gradient({ params, grads, n, batchSize }: GradientParameters): LossSummary {
    const logits = this.forward(n, params, true);
    const summary = softmaxCrossEntropy({
      logits, labels: this.labels, n, classes: this.model.classes, batchSize, gradient: this.logitsGradient,
    });
    let outputGradient = this.logitsGradient;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const layer = this.layers[i]!;
      const input = i === 0 ? this.input : this.layers[i - 1]!.output;
      layer.backward(input, outputGradient, n, params, grads, i > 0);
      outputGradient = layer.inputGradient;
    }
    return summary;
  }
}
