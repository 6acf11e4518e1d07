import type { Layer } from "./layer.ts";
import { matMul } from "./matMul.ts";
import type { LinearLayerDefinition, ParameterTensor } from "./modelDefinition.ts";

/** Parameters of the {@link Linear} constructor. */
export type LinearParameters = {
  definition: LinearLayerDefinition;
  maxExamples: number;
  parameters: ParameterTensor[];
};

/**
 * Fully connected layer (ONNX Gemm, transB = 1): Y[n][out] = X·Wᵀ (inner index: input
 * feature), then y = fround(y + b). Backward: dW = dYᵀ·X (inner index: example), db = Σ over
 * examples in order, dX = dY·W (inner index: output feature).
 */
export class Linear implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly inFeatures: number;
  private readonly outFeatures: number;
  private readonly weightOffset: number;
  private readonly biasOffset: number;

  constructor({ definition, maxExamples, parameters }: LinearParameters) {
    this.inFeatures = definition.inFeatures;
    this.outFeatures = definition.outFeatures;
    this.weightOffset = parameters[definition.weight]!.offset;
    this.biasOffset = definition.bias === null ? -1 : parameters[definition.bias]!.offset;
    this.outputShape = [definition.outFeatures];
    this.output = new Float32Array(maxExamples * definition.outFeatures);
    this.inputGradient = new Float32Array(maxExamples * definition.inFeatures);
  }

  forward(input: Float32Array, n: number, params: Float32Array): void {
    const { inFeatures: I, outFeatures: O, output } = this;
    matMul({
      a: input, aRowStride: I, aInnerStride: 1,
      b: params, bOffset: this.weightOffset, bInnerStride: 1, bColStride: I,
      c: output, m: n, n: O, k: I,
    });
    if (this.biasOffset >= 0) {
      for (let e = 0; e < n; e++) {
        for (let o = 0; o < O; o++) output[e * O + o] = output[e * O + o]! + params[this.biasOffset + o]!;
      }
    }
  }

  backward(
    input: Float32Array,
    outputGradient: Float32Array,
    n: number,
    params: Float32Array,
    grads: Float32Array,
    needInputGradient: boolean,
  ): void {
    const { inFeatures: I, outFeatures: O } = this;
    matMul({
      a: outputGradient, aRowStride: 1, aInnerStride: O,
      b: input, bInnerStride: I, bColStride: 1,
      c: grads, cOffset: this.weightOffset, m: O, n: I, k: n,
    });
    if (this.biasOffset >= 0) {
      for (let o = 0; o < O; o++) {
        let sum = 0;
        for (let e = 0; e < n; e++) sum += outputGradient[e * O + o]!;
        grads[this.biasOffset + o] = sum;
      }
    }
    if (!needInputGradient) return;
    matMul({
      a: outputGradient, aRowStride: O, aInnerStride: 1,
      b: params, bOffset: this.weightOffset, bInnerStride: I, bColStride: 1,
      c: this.inputGradient, m: n, n: I, k: O,
    });
  }
}
