import type { Layer } from "./layer.ts";

/** Parameters of the {@link Flatten} constructor. */
export type FlattenParameters = {
  /** Per-example input shape: [C, H, W] (CNHW activations) or [F] (already flat). */
  inputShape: number[];
  maxExamples: number;
};

/**
 * ONNX Flatten(axis = 1): example-major [n][C·H·W] with feature index (c·H + h)·W + w, i.e. a
 * transpose out of the CNHW layout. Pure data movement, no arithmetic.
 */
export class Flatten implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly channels: number;
  private readonly plane: number;

  constructor({ inputShape, maxExamples }: FlattenParameters) {
    const width = inputShape.reduce((a, b) => a * b, 1);
    this.channels = inputShape.length === 3 ? inputShape[0]! : 1;
    this.plane = width / this.channels;
    this.outputShape = [width];
    this.output = new Float32Array(maxExamples * width);
    this.inputGradient = new Float32Array(maxExamples * width);
  }

  forward(input: Float32Array, n: number): void {
    const { channels: C, plane: P, output } = this;
    for (let c = 0; c < C; c++) {
      for (let e = 0; e < n; e++) {
        output.set(input.subarray((c * n + e) * P, (c * n + e + 1) * P), (e * C + c) * P);
      }
    }
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    const { channels: C, plane: P, inputGradient } = this;
    for (let c = 0; c < C; c++) {
      for (let e = 0; e < n; e++) {
        inputGradient.set(outputGradient.subarray((e * C + c) * P, (e * C + c + 1) * P), (c * n + e) * P);
      }
    }
  }
}
