import type { Layer } from "./layer.ts";
import { matMul } from "./matMul.ts";

/** Parameters of the {@link BatchedMatMul} constructor. */
export type BatchedMatMulParameters = {
  /** Per-example shapes of the operands, row-major: [.., M, K] and [.., K, N] with the same leading axes. */
  shapes: [number[], number[]];
  /** The two operands' buffers (the outputs of earlier layers). */
  operands: [Float32Array, Float32Array];
  maxExamples: number;
};

/**
 * ONNX MatMul of two activations (attention's Q·Kᵀ and P·V): per example and per index of the
 * leading axes (heads), C[M][N] = A[M][K]·B[K][N] with inner index k. Backward:
 * dA[m][k] = Σ_j dC[m][j]·B[k][j] (inner index j), dB[k][j] = Σ_m A[m][k]·dC[m][j] (inner index m).
 * Every sum is matMul's (docs/training.md §4). The first operand's gradient is `inputGradient`, the
 * second's `operandGradients[0]`.
 */
export class BatchedMatMul implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  readonly operandGradients: readonly [Float32Array];
  private readonly operands: [Float32Array, Float32Array];
  /** Matrices per example (the product of the leading axes), and M, K, N. */
  private readonly batches: number;
  private readonly m: number;
  private readonly k: number;
  private readonly n: number;

  constructor({ shapes: [aShape, bShape], operands, maxExamples }: BatchedMatMulParameters) {
    this.operands = operands;
    this.m = aShape.at(-2)!;
    this.k = aShape.at(-1)!;
    this.n = bShape.at(-1)!;
    this.batches = aShape.slice(0, -2).reduce((a, b) => a * b, 1);
    this.outputShape = [...aShape.slice(0, -1), this.n];
    this.output = new Float32Array(maxExamples * this.batches * this.m * this.n);
    this.inputGradient = new Float32Array(maxExamples * this.batches * this.m * this.k);
    this.operandGradients = [new Float32Array(maxExamples * this.batches * this.k * this.n)];
  }

  forward(_input: Float32Array, examples: number): void {
    const { m: M, k: K, n: N } = this;
    const [a, b] = this.operands;
    for (let t = 0; t < examples * this.batches; t++) {
      matMul({
        a, aOffset: t * M * K, aRowStride: K, aInnerStride: 1,
        b, bOffset: t * K * N, bInnerStride: N, bColStride: 1,
        c: this.output, cOffset: t * M * N, m: M, n: N, k: K,
      });
    }
  }

  backward(_input: Float32Array, outputGradient: Float32Array, examples: number): void {
    const { m: M, k: K, n: N } = this;
    const [a, b] = this.operands;
    for (let t = 0; t < examples * this.batches; t++) {
      matMul({
        a: outputGradient, aOffset: t * M * N, aRowStride: N, aInnerStride: 1,
        b, bOffset: t * K * N, bInnerStride: 1, bColStride: N,
        c: this.inputGradient, cOffset: t * M * K, m: M, n: K, k: N,
      });
      matMul({
        a, aOffset: t * M * K, aRowStride: 1, aInnerStride: K,
        b: outputGradient, bOffset: t * M * N, bInnerStride: N, bColStride: 1,
        c: this.operandGradients[0], cOffset: t * K * N, m: K, n: N, k: M,
      });
    }
  }
}
