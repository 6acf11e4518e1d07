import type { Layer } from "./layer.ts";

/** Parameters of the {@link Add} constructor. */
export type AddParameters = {
  /** Per-example shape of both operands and the result. */
  inputShape: number[];
  /** The two operands' buffers (the outputs of earlier layers, or the model's input). */
  operands: [Float32Array, Float32Array];
  maxExamples: number;
  /** ONNX Sub: y = a − b. @default false */
  subtract?: boolean;
};

/**
 * Elementwise sum of two activations of the same shape and layout, y = fround(a + b), or with `subtract`
 * their difference y = fround(a − b) (one rounding of the exact result). The gradient with respect to
 * the first operand is the output gradient itself, the second's (`operandGradients[0]`) a copy of it made
 * in backward, negated for Sub (exact), so an in-place layer upstream of one operand cannot change what
 * the other receives.
 */
export class Add implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  /** The output gradient of the last backward call: the first operand's gradient. */
  inputGradient: Float32Array;
  readonly operandGradients: readonly [Float32Array];
  private readonly operands: [Float32Array, Float32Array];
  private readonly width: number;
  private readonly subtract: boolean;

  constructor({ inputShape, operands, maxExamples, subtract = false }: AddParameters) {
    this.outputShape = inputShape;
    this.width = inputShape.reduce((a, b) => a * b, 1);
    this.operands = operands;
    this.subtract = subtract;
    this.output = new Float32Array(maxExamples * this.width);
    this.operandGradients = [new Float32Array(maxExamples * this.width)];
    this.inputGradient = new Float32Array(0);
  }

  forward(_input: Float32Array, n: number): void {
    const [a, b] = this.operands;
    const y = this.output;
    const size = n * this.width;
    if (this.subtract) for (let i = 0; i < size; i++) y[i] = a[i]! - b[i]!;
    else for (let i = 0; i < size; i++) y[i] = a[i]! + b[i]!;
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    const [second] = this.operandGradients;
    const size = n * this.width;
    if (this.subtract) for (let i = 0; i < size; i++) second[i] = -outputGradient[i]!;
    else second.set(outputGradient.subarray(0, size));
    this.inputGradient = outputGradient;
  }
}
