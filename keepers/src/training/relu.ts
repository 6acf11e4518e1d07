import type { Layer } from "./layer.ts";

/** Parameters of the {@link Relu} constructor. */
export type ReluParameters = {
  inputShape: number[];
  /** The previous layer's output, overwritten in place. */
  input: Float32Array;
};

/**
 * ReLU in place: y = x if x > 0 else +0; backward dx = dy if y > 0 else +0. Safe in place
 * because no supported layer needs its own pre-activation output in backward.
 */
export class Relu implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  /** The output gradient of the last backward call, masked in place. */
  inputGradient: Float32Array;
  private readonly width: number;

  constructor({ inputShape, input }: ReluParameters) {
    this.outputShape = inputShape;
    this.output = input;
    this.inputGradient = new Float32Array(0);
    this.width = inputShape.reduce((a, b) => a * b, 1);
  }

  forward(_input: Float32Array, n: number): void {
    const y = this.output;
    const size = n * this.width;
    for (let i = 0; i < size; i++) if (!(y[i]! > 0)) y[i] = 0;
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    const y = this.output;
    const size = n * this.width;
    for (let i = 0; i < size; i++) if (!(y[i]! > 0)) outputGradient[i] = 0;
    this.inputGradient = outputGradient;
  }
}
