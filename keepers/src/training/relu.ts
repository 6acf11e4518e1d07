import type { Layer } from "./layer.ts";
import { elementwiseKernel, kernelMemory } from "./matMul.ts";

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

  /** In the kernel (`relu`, four elements per f32x4 comparison and mask), over a copy of `input`. */
  forward(input: Float32Array, n: number): void {
    const size = n * this.width;
    const { values } = kernelMemory(4 * size);
    values.set(input.subarray(0, size));
    elementwiseKernel.relu(0, 0, size);
    this.output.set(values.subarray(0, size));
  }

  /** Every y is +0 or positive, so y > 0 exactly when its bits are not 0 (`reluGradient`). */
  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    const size = n * this.width;
    const { values } = kernelMemory(8 * size);
    values.set(this.output.subarray(0, size));
    values.set(outputGradient.subarray(0, size), size);
    elementwiseKernel.reluGradient(0, 4 * size, size);
    outputGradient.set(values.subarray(size, 2 * size));
    this.inputGradient = outputGradient;
  }
}
