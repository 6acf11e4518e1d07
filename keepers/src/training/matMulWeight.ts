import type { Layer } from "./layer.ts";
import { matMul } from "./matMul.ts";
import type { MatMulWeightLayerDefinition, ParameterTensor } from "./modelDefinition.ts";

/** Parameters of the {@link MatMulWeight} constructor. */
export type MatMulWeightParameters = {
  definition: MatMulWeightLayerDefinition;
  /** Per-example input shape [.., inFeatures] (row-major). */
  inputShape: number[];
  maxExamples: number;
  parameters: ParameterTensor[];
};

/**
 * ONNX MatMul of a row-major activation by a weight initializer W [in][out] (PyTorch's nn.Linear on
 * [N, T, D] exports as this MatMul and an Add of the bias). The rows r are the examples' rows in order
 * (example, then its leading positions). Forward Y[r][o] = Σ_i X[r][i]·W[i][o] (inner index i);
 * backward dW[i][o] = Σ_r X[r][i]·dY[r][o] (inner index r: examples of the micro-batch in order, then
 * tokens), dX[r][i] = Σ_o dY[r][o]·W[i][o] (inner index o). Every sum is matMul's (docs/training.md §4).
 */
export class MatMulWeight implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly inFeatures: number;
  private readonly outFeatures: number;
  /** Rows per example. */
  private readonly rows: number;
  private readonly weightOffset: number;

  constructor({ definition, inputShape, maxExamples, parameters }: MatMulWeightParameters) {
    this.inFeatures = definition.inFeatures;
    this.outFeatures = definition.outFeatures;
    this.rows = inputShape.reduce((a, b) => a * b, 1) / definition.inFeatures;
    this.weightOffset = parameters[definition.weight]!.offset;
    this.outputShape = [...inputShape.slice(0, -1), definition.outFeatures];
    this.output = new Float32Array(maxExamples * this.rows * definition.outFeatures);
    this.inputGradient = new Float32Array(maxExamples * this.rows * definition.inFeatures);
  }

  forward(input: Float32Array, n: number, params: Float32Array): void {
    const { inFeatures: I, outFeatures: O } = this;
    matMul({
      a: input, aRowStride: I, aInnerStride: 1,
      b: params, bOffset: this.weightOffset, bInnerStride: O, bColStride: 1,
      c: this.output, m: n * this.rows, n: O, k: I,
    });
  }

  backward(input: Float32Array, outputGradient: Float32Array, n: number, params: Float32Array, grads: Float32Array, needInputGradient: boolean): void {
    const { inFeatures: I, outFeatures: O } = this;
    const rows = n * this.rows;
    matMul({
      a: input, aRowStride: 1, aInnerStride: I,
      b: outputGradient, bInnerStride: O, bColStride: 1,
      c: grads, cOffset: this.weightOffset, m: I, n: O, k: rows,
    });
    if (!needInputGradient) return;
    matMul({
      a: outputGradient, aRowStride: O, aInnerStride: 1,
      b: params, bOffset: this.weightOffset, bInnerStride: 1, bColStride: O,
      c: this.inputGradient, m: rows, n: I, k: O,
    });
  }
}
