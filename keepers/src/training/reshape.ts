import type { Layer } from "./layer.ts";

/** Parameters of the {@link Reshape} constructor. */
export type ReshapeParameters = {
  /** Per-example output shape (row-major), of the input's size. */
  outputShape: number[];
  maxExamples: number;
};

/**
 * Reshape between row-major per-example shapes (docs/training.md §4): the values keep their order,
 * only the shape changes. CNHW with one channel is [example][row][column], so the model's input
 * [1, 28, 28] reshapes to 28 tokens of 28 pixels. The output is a copy (a layer after it may work in
 * place); the input gradient is the output gradient itself.
 */
export class Reshape implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  inputGradient: Float32Array;
  private readonly width: number;

  constructor({ outputShape, maxExamples }: ReshapeParameters) {
    this.outputShape = outputShape;
    this.width = outputShape.reduce((a, b) => a * b, 1);
    this.output = new Float32Array(maxExamples * this.width);
    this.inputGradient = new Float32Array(0);
  }

  forward(input: Float32Array, n: number): void {
    this.output.set(input.subarray(0, n * this.width));
  }

  backward(_input: Float32Array, outputGradient: Float32Array): void {
    this.inputGradient = outputGradient;
  }
}
