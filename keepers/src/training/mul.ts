import type { Layer } from "./layer.ts";
import type { BroadcastMulLayerDefinition, ParameterTensor } from "./modelDefinition.ts";

/** Parameters of the {@link Mul} constructor. */
export type MulParameters = {
  /** Per-example shape of both operands and the result. */
  inputShape: number[];
  /** The two operands' buffers (the outputs of earlier layers, or the model's input); they may be the same one. */
  operands: [Float32Array, Float32Array];
  maxExamples: number;
};

/**
 * ONNX Mul of two activations of the same shape and layout (a gate): y = fround(a·b), one rounding of the exact
 * product (two binary32 values multiply exactly in binary64). Backward: da = fround(dy·b), db = fround(dy·a)
 * (`operandGradients[0]`), each in a buffer of its own; Mul(x, x) gives x both, summed as any activation read twice.
 */
export class Mul implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  readonly operandGradients: readonly [Float32Array];
  private readonly operands: [Float32Array, Float32Array];
  private readonly width: number;

  constructor({ inputShape, operands, maxExamples }: MulParameters) {
    this.outputShape = inputShape;
    this.width = inputShape.reduce((a, b) => a * b, 1);
    this.operands = operands;
    this.output = new Float32Array(maxExamples * this.width);
    this.inputGradient = new Float32Array(maxExamples * this.width);
    this.operandGradients = [new Float32Array(maxExamples * this.width)];
  }

  forward(_input: Float32Array, n: number): void {
    const [a, b] = this.operands;
    const y = this.output;
    const size = n * this.width;
    for (let i = 0; i < size; i++) y[i] = a[i]! * b[i]!;
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    const [a, b] = this.operands;
    const [da, [db]] = [this.inputGradient, this.operandGradients];
    const size = n * this.width;
    for (let i = 0; i < size; i++) {
      const dy = outputGradient[i]!;
      da[i] = dy * b[i]!;
      db[i] = dy * a[i]!;
    }
  }
}

/** Parameters of the {@link BroadcastMul} constructor. */
export type BroadcastMulParameters = {
  definition: BroadcastMulLayerDefinition;
  /** Per-example shape of the activation (row-major); the parameter's shape is a suffix of it. */
  inputShape: number[];
  maxExamples: number;
  parameters: ParameterTensor[];
};

/**
 * ONNX Mul of an activation and a parameter P of `size` values broadcast over the leading axes (a learned
 * per-feature scale [D]): y[r·size + j] = fround(x[r·size + j]·P[j]), r counting the repeats (examples, then
 * leading positions) in order. Backward: dx[r·size + j] = fround(dy[r·size + j]·P[j]); dP[j] = Σ_r dy[r·size + j]·x[r·size + j]
 * (products and sum in binary64 from +0, r ascending, rounded once).
 */
export class BroadcastMul implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly width: number;
  private readonly offset: number;
  private readonly size: number;

  constructor({ definition, inputShape, maxExamples, parameters }: BroadcastMulParameters) {
    const parameter = parameters[definition.parameter]!;
    this.outputShape = inputShape;
    this.width = inputShape.reduce((a, b) => a * b, 1);
    this.offset = parameter.offset;
    this.size = parameter.size;
    this.output = new Float32Array(maxExamples * this.width);
    this.inputGradient = new Float32Array(maxExamples * this.width);
  }

  forward(input: Float32Array, n: number, params: Float32Array): void {
    const { output, offset, size } = this;
    const total = n * this.width;
    for (let base = 0; base < total; base += size) {
      for (let j = 0; j < size; j++) output[base + j] = input[base + j]! * params[offset + j]!;
    }
  }

  backward(input: Float32Array, outputGradient: Float32Array, n: number, params: Float32Array, grads: Float32Array): void {
    const { inputGradient, offset, size } = this;
    const total = n * this.width;
    for (let j = 0; j < size; j++) {
      const p = params[offset + j]!;
      let sum = 0;
      for (let at = j; at < total; at += size) {
        const dy = outputGradient[at]!;
        sum += dy * input[at]!;
        inputGradient[at] = dy * p;
      }
      grads[offset + j] = sum;
    }
  }
}
