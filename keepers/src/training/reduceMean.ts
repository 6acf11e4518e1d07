import type { Layer } from "./layer.ts";

/** Parameters of the {@link ReduceMean} constructor. */
export type ReduceMeanParameters = {
  /** Per-example input shape [T, D] (row-major). */
  inputShape: number[];
  maxExamples: number;
};

/**
 * ONNX ReduceMean over the tokens of [T, D] (axes [1], keepdims 0), pooling a sequence to [D]:
 * y[d] = fround(s / T), s the binary64 sum of x[t][d] from +0, t ascending. Backward:
 * dx[t][d] = fround(dy[d] / T) (the quotient binary64).
 */
export class ReduceMean implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly tokens: number;
  private readonly features: number;

  constructor({ inputShape, maxExamples }: ReduceMeanParameters) {
    [this.tokens, this.features] = inputShape as [number, number];
    this.outputShape = [this.features];
    this.output = new Float32Array(maxExamples * this.features);
    this.inputGradient = new Float32Array(maxExamples * this.tokens * this.features);
  }

  forward(input: Float32Array, n: number): void {
    const { tokens: T, features: D, output } = this;
    for (let e = 0; e < n; e++) {
      for (let d = 0; d < D; d++) {
        let sum = 0;
        for (let t = 0; t < T; t++) sum += input[(e * T + t) * D + d]!;
        output[e * D + d] = sum / T;
      }
    }
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    const { tokens: T, features: D, inputGradient } = this;
    for (let e = 0; e < n; e++) {
      for (let t = 0; t < T; t++) {
        for (let d = 0; d < D; d++) inputGradient[(e * T + t) * D + d] = outputGradient[e * D + d]! / T;
      }
    }
  }
}
