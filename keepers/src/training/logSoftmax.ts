import { exp32, expF64, logF64 } from "./deterministicMath.ts";
import type { Layer } from "./layer.ts";

/** Parameters of the {@link LogSoftmax} constructor. */
export type LogSoftmaxParameters = {
  /** Per-example input shape [F]. */
  inputShape: number[];
  maxExamples: number;
};

/**
 * LogSoftmax over an example's features (docs/training.md §4), as PyTorch models end before their
 * NLL loss. Per example: m = first maximal z, S = Σ_j exp32(z_j − m) (binary64, j ascending),
 * y_j = fround((z_j − m) − logF64(S)). Backward: T = Σ_k dy_k (binary64, k ascending),
 * dz_j = fround(dy_j − expF64(y_j)·T) from the stored y. The loss then applies to y as to any logits.
 */
export class LogSoftmax implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly width: number;

  constructor({ inputShape, maxExamples }: LogSoftmaxParameters) {
    this.outputShape = inputShape;
    this.width = inputShape[0]!;
    this.output = new Float32Array(maxExamples * this.width);
    this.inputGradient = new Float32Array(maxExamples * this.width);
  }

  forward(input: Float32Array, n: number): void {
    const { width: F, output } = this;
    for (let e = 0; e < n; e++) {
      const row = e * F;
      let max = input[row]!;
      for (let j = 1; j < F; j++) if (input[row + j]! > max) max = input[row + j]!;
      let sum = 0;
      for (let j = 0; j < F; j++) sum += exp32(input[row + j]! - max);
      const log = logF64(sum);
      for (let j = 0; j < F; j++) output[row + j] = input[row + j]! - max - log;
    }
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    const { width: F, output, inputGradient } = this;
    for (let e = 0; e < n; e++) {
      const row = e * F;
      let total = 0;
      for (let k = 0; k < F; k++) total += outputGradient[row + k]!;
      for (let j = 0; j < F; j++) inputGradient[row + j] = outputGradient[row + j]! - expF64(output[row + j]!) * total;
    }
  }
}
