import type { Layer } from "./layer.ts";
import { matMul } from "./matMul.ts";
import type { LoraLayerDefinition, ParameterTensor } from "./modelDefinition.ts";
import { dequantizeNf4 } from "./nf4.ts";

/** Parameters of the {@link LoraMatMul} constructor. */
export type LoraMatMulParameters = {
  definition: LoraLayerDefinition;
  /** Per-example input shape [.., inFeatures] (row-major). */
  inputShape: number[];
  maxExamples: number;
  parameters: ParameterTensor[];
  /**
   * Where the base is dequantised before each product, at least in·out long. Shared by a network's qLoRA
   * layers (as QLoRA dequantises one layer at a time): each layer dequantises again in its backward pass.
   */
  dequantised: Float32Array;
};

/**
 * A qLoRA layer over the rows r of its input (examples, then tokens), W̃ [O][I] the dequantised NF4 base,
 * A [R][I], B [O][R], s the scale α/R (docs/training.md §6b). Forward: Y₀ = X·W̃ᵀ (+ b, a Gemm's), H = X·Aᵀ,
 * U = H·Bᵀ, y = fround(y₀ + s·u). Backward: G = fround(s·dY), dB = Gᵀ·H (inner r), dH = G·B (inner o),
 * dA = dHᵀ·X (inner r), db = Σ_r dY, dX = fround(dY·W̃ + dH·A) (each product rounded, then their sum).
 * The base gets no gradient. Every product is matMul's (binary64 sums in increasing inner index).
 */
export class LoraMatMul implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly definition: LoraLayerDefinition;
  /** Rows per example. */
  private readonly rows: number;
  private readonly aOffset: number;
  private readonly bOffset: number;
  private readonly biasOffset: number;
  private readonly dequantised: Float32Array;
  /** H = X·Aᵀ [rows][rank], kept for the backward pass. */
  private readonly hidden: Float32Array;
  /** U = H·Bᵀ in the forward pass, G = fround(s·dY) in the backward pass [rows][out]. */
  private readonly update: Float32Array;
  private readonly hiddenGradient: Float32Array;
  /** dH·A [rows][in]. */
  private readonly adapterInputGradient: Float32Array;

  constructor({ definition, inputShape, maxExamples, parameters, dequantised }: LoraMatMulParameters) {
    const { inFeatures: I, outFeatures: O, rank } = definition;
    this.definition = definition;
    this.rows = inputShape.reduce((a, b) => a * b, 1) / I;
    this.aOffset = parameters[definition.a]!.offset;
    this.bOffset = parameters[definition.b]!.offset;
    this.biasOffset = definition.bias === null ? -1 : parameters[definition.bias]!.offset;
    this.dequantised = dequantised;
    const rows = maxExamples * this.rows;
    this.outputShape = [...inputShape.slice(0, -1), O];
    this.output = new Float32Array(rows * O);
    this.inputGradient = new Float32Array(rows * I);
    this.hidden = new Float32Array(rows * rank);
    this.update = new Float32Array(rows * O);
    this.hiddenGradient = new Float32Array(rows * rank);
    this.adapterInputGradient = new Float32Array(rows * I);
  }

  forward(input: Float32Array, n: number, params: Float32Array): void {
    const { inFeatures: I, outFeatures: O, rank, scale } = this.definition;
    const rows = n * this.rows;
    const { output, update } = this;
    const weight = dequantizeNf4(this.definition.base, this.dequantised);
    matMul({ a: input, aRowStride: I, aInnerStride: 1, b: weight, bInnerStride: 1, bColStride: I, c: output, m: rows, n: O, k: I });
    if (this.biasOffset >= 0) {
      for (let r = 0; r < rows; r++) for (let o = 0; o < O; o++) output[r * O + o] = output[r * O + o]! + params[this.biasOffset + o]!;
    }
    matMul({ a: input, aRowStride: I, aInnerStride: 1, b: params, bOffset: this.aOffset, bInnerStride: 1, bColStride: I, c: this.hidden, m: rows, n: rank, k: I });
    matMul({ a: this.hidden, aRowStride: rank, aInnerStride: 1, b: params, bOffset: this.bOffset, bInnerStride: 1, bColStride: rank, c: update, m: rows, n: O, k: rank });
    for (let j = 0; j < rows * O; j++) output[j] = output[j]! + scale * update[j]!;
  }

  backward(input: Float32Array, outputGradient: Float32Array, n: number, params: Float32Array, grads: Float32Array, needInputGradient: boolean): void {
    const { inFeatures: I, outFeatures: O, rank, scale } = this.definition;
    const rows = n * this.rows;
    const scaled = this.update;
    for (let j = 0; j < rows * O; j++) scaled[j] = scale * outputGradient[j]!;
    matMul({ a: scaled, aRowStride: 1, aInnerStride: O, b: this.hidden, bInnerStride: rank, bColStride: 1, c: grads, cOffset: this.bOffset, m: O, n: rank, k: rows });
    matMul({ a: scaled, aRowStride: O, aInnerStride: 1, b: params, bOffset: this.bOffset, bInnerStride: rank, bColStride: 1, c: this.hiddenGradient, m: rows, n: rank, k: O });
    matMul({ a: this.hiddenGradient, aRowStride: 1, aInnerStride: rank, b: input, bInnerStride: I, bColStride: 1, c: grads, cOffset: this.aOffset, m: rank, n: I, k: rows });
    if (this.biasOffset >= 0) {
      for (let o = 0; o < O; o++) {
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += outputGradient[r * O + o]!;
        grads[this.biasOffset + o] = sum;
      }
    }
    if (!needInputGradient) return;
    const weight = dequantizeNf4(this.definition.base, this.dequantised);
    const { inputGradient, adapterInputGradient } = this;
    matMul({ a: outputGradient, aRowStride: O, aInnerStride: 1, b: weight, bInnerStride: I, bColStride: 1, c: inputGradient, m: rows, n: I, k: O });
    matMul({ a: this.hiddenGradient, aRowStride: rank, aInnerStride: 1, b: params, bOffset: this.aOffset, bInnerStride: I, bColStride: 1, c: adapterInputGradient, m: rows, n: I, k: rank });
    for (let j = 0; j < rows * I; j++) inputGradient[j] = inputGradient[j]! + adapterInputGradient[j]!;
  }
}
