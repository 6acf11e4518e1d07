import { exp32 } from "./deterministicMath.ts";
import type { Layer } from "./layer.ts";

/** Parameters of the {@link Softmax} constructor. */
export type SoftmaxParameters = {
  /** Per-example shape [.., F] (row-major); the softmax runs over each row of F values. */
  inputShape: number[];
  maxExamples: number;
};

/**
 * Softmax over the last axis (docs/training.md §4), as the loss computes its probabilities. Per row z:
 * m = the first maximal z, e_j = exp32(z_j − m), S = Σ_j e_j (binary64, j ascending), y_j = fround(e_j / S).
 * Backward from the stored y: T = Σ_k dy_k·y_k (binary64, k ascending), dz_j = fround(y_j·(dy_j − T)).
 */
export class Softmax implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly features: number;
  private readonly rows: number;

  constructor({ inputShape, maxExamples }: SoftmaxParameters) {
    const width = inputShape.reduce((a, b) => a * b, 1);
    this.outputShape = inputShape;
    this.features = inputShape.at(-1)!;
    this.rows = width / this.features;
    this.output = new Float32Array(maxExamples * width);
    this.inputGradient = new Float32Array(maxExamples * width);
  }

  forward(input: Float32Array, n: number): void {
    const { features: F, output } = this;
    for (let r = 0; r < n * this.rows; r++) {
      const row = r * F;
      let max = input[row]!;
      for (let j = 1; j < F; j++) if (input[row + j]! > max) max = input[row + j]!;
      let sum = 0;
      for (let j = 0; j < F; j++) {
        output[row + j] = exp32(input[row + j]! - max);
        sum += output[row + j]!;
      }
      for (let j = 0; j < F; j++) output[row + j] = output[row + j]! / sum;
    }
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    const { features: F, output, inputGradient } = this;
    for (let r = 0; r < n * this.rows; r++) {
      const row = r * F;
      let total = 0;
      for (let k = 0; k < F; k++) total += outputGradient[row + k]! * output[row + k]!;
      for (let j = 0; j < F; j++) inputGradient[row + j] = output[row + j]! * (outputGradient[row + j]! - total);
    }
  }
}
