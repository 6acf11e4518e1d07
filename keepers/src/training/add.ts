import type { Layer } from "./layer.ts";

/** Parameters of the {@link Add} constructor. */
export type AddParameters = {
  /** Per-example shape of both operands and the sum. */
  inputShape: number[];
  /** The two operands' buffers (the outputs of earlier layers, or the model's input). */
  operands: [Float32Array, Float32Array];
  maxExamples: number;
};

/**
 * Elementwise sum of two activations of the same shape and layout: y = fround(a + b) (one
 * rounding of the exact sum). Its gradient with respect to each operand is the output gradient
 * itself: the network hands the first operand the output gradient and the second
 * `secondGradient`, a copy made in backward, so an in-place layer upstream of one operand cannot
 * change what the other receives.
 */
export class Add implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  /** The output gradient of the last backward call: the first operand's gradient. */
  inputGradient: Float32Array;
  /** The second operand's gradient: a copy of the output gradient. */
  readonly secondGradient: Float32Array;
  private readonly operands: [Float32Array, Float32Array];
  private readonly width: number;

  constructor({ inputShape, operands, maxExamples }: AddParameters) {
    this.outputShape = inputShape;
    this.width = inputShape.reduce((a, b) => a * b, 1);
    this.operands = operands;
    this.output = new Float32Array(maxExamples * this.width);
    this.secondGradient = new Float32Array(maxExamples * this.width);
    this.inputGradient = new Float32Array(0);
  }

  forward(_input: Float32Array, n: number): void {
    const [a, b] = this.operands;
    const y = this.output;
    const size = n * this.width;
    for (let i = 0; i < size; i++) y[i] = a[i]! + b[i]!;
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    this.secondGradient.set(outputGradient.subarray(0, n * this.width));
    this.inputGradient = outputGradient;
  }
}
