import type { Layer } from "./layer.ts";

/** Parameters of the {@link Relu} constructor. */
export type ReluParameters = {
  inputShape: number[];
  /** The previous layer's output, overwritten in place unless `maxExamples` asks for a buffer of its own. */
  input: Float32Array;
  /** Examples of an output buffer of its own, for a previous layer that reads its output in backward (Sigmoid, Tanh, LogSoftmax). */
  maxExamples?: number;
};

/**
 * ReLU: y = x if x > 0 else +0; backward dx = dy if y > 0 else +0. In place after every layer
 * whose backward does not read its own output (all but Sigmoid, Tanh and LogSoftmax).
 */
export class Relu implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  /** The output gradient of the last backward call, masked in place. */
  inputGradient: Float32Array;
  private readonly width: number;

  constructor({ inputShape, input, maxExamples }: ReluParameters) {
    this.outputShape = inputShape;
    this.width = inputShape.reduce((a, b) => a * b, 1);
    this.output = maxExamples === undefined ? input : new Float32Array(maxExamples * this.width);
    this.inputGradient = new Float32Array(0);
  }

  forward(input: Float32Array, n: number): void {
    const y = this.output;
    const size = n * this.width;
    if (y === input) {
      for (let i = 0; i < size; i++) if (!(y[i]! > 0)) y[i] = 0;
    } else {
      for (let i = 0; i < size; i++) y[i] = input[i]! > 0 ? input[i]! : 0;
    }
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    const y = this.output;
    const size = n * this.width;
    for (let i = 0; i < size; i++) if (!(y[i]! > 0)) outputGradient[i] = 0;
    this.inputGradient = outputGradient;
  }
}
