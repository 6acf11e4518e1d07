import type { Layer } from "./layer.ts";
import { align2, type ColumnMatrix, convolutionKernel, kernelMemory, matMul, STAGED } from "./matMul.ts";
import type { ConvLayerDefinition, ParameterTensor } from "./modelDefinition.ts";

/** Parameters of the {@link Conv2d} constructor. */
export type Conv2dParameters = {
  definition: ConvLayerDefinition;
  /** Per-example input shape [inChannels, height, width]. */
  inputShape: number[];
  /** Largest micro-batch the buffers must hold. */
  maxExamples: number;
  parameters: ParameterTensor[];
};

/**
 * 2-D convolution (ONNX Conv, group 1, dilation 1) as im2col + matrix product.
 *
 * Column matrix: row k = (ci·kH + ky)·kW + kx (the weight's own flattening), column
 * q = (example·outH + oy)·outW + ox, zero where the window hangs over the padding.
 * Forward: Y = W·cols (inner index k), then y = fround(y + b). Backward: dW = dY·colsᵀ (inner
 * index q, i.e. examples then output positions), db = Σ_q dY in q order, dcols = Wᵀ·dY (inner
 * index output channel), and dX gathers dcols back in (k, q) order in binary64, rounded once.
 *
 * The column matrix is built where the product reads it, in the kernel's memory as binary64 (`im2col`,
 * {@link STAGED}), and built again for dW rather than kept; dcols stays there for `col2im`.
 */
export class Conv2d implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly definition: ConvLayerDefinition;
  private readonly inHeight: number;
  private readonly inWidth: number;
  private readonly outHeight: number;
  private readonly outWidth: number;
  private readonly patch: number;
  private readonly weightOffset: number;
  private readonly biasOffset: number;
  /** Per window (ky, kx): the input row of output row 0, x0, first and last (see {@link ColumnMatrix}). */
  private readonly windows: Int32Array;

  constructor({ definition, inputShape, maxExamples, parameters }: Conv2dParameters) {
    const [, inHeight = 0, inWidth = 0] = inputShape;
    const [kH, kW] = definition.kernel;
    const [sH, sW] = definition.stride;
    const [pT, pL, pB, pR] = definition.pads;
    this.definition = definition;
    this.inHeight = inHeight;
    this.inWidth = inWidth;
    this.outHeight = Math.floor((inHeight + pT + pB - kH) / sH) + 1;
    this.outWidth = Math.floor((inWidth + pL + pR - kW) / sW) + 1;
    this.patch = definition.inChannels * kH * kW;
    this.weightOffset = parameters[definition.weight]!.offset;
    this.biasOffset = definition.bias === null ? -1 : parameters[definition.bias]!.offset;
    this.outputShape = [definition.outChannels, this.outHeight, this.outWidth];
    this.output = new Float32Array(definition.outChannels * maxExamples * this.outHeight * this.outWidth);
    this.inputGradient = new Float32Array(maxExamples * definition.inChannels * inHeight * inWidth);
    this.windows = new Int32Array(4 * kH * kW);
    for (let ky = 0, r = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++, r += 4) {
        // Output columns whose input column ox·sW − pL + kx lies inside [0, W).
        const first = Math.max(0, Math.ceil((pL - kx) / sW));
        const last = Math.max(first, Math.min(this.outWidth, Math.floor((inWidth - 1 + pL - kx) / sW) + 1));
        this.windows.set([ky - pT, first * sW - pL + kx, first, last], r);
      }
    }
  }

  forward(input: Float32Array, n: number, params: Float32Array): void {
    const positions = n * this.outHeight * this.outWidth;
    this.im2col(input, n);
    matMul({
      a: params, aOffset: this.weightOffset, aRowStride: this.patch, aInnerStride: 1,
      b: STAGED, bInnerStride: positions, bColStride: 1,
      c: this.output, m: this.definition.outChannels, n: positions, k: this.patch,
    });
    if (this.biasOffset >= 0) {
      const out = this.output;
      for (let co = 0; co < this.definition.outChannels; co++) {
        const b = params[this.biasOffset + co]!;
        const end = (co + 1) * positions;
        for (let q = co * positions; q < end; q++) out[q] = out[q]! + b;
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
    const positions = n * this.outHeight * this.outWidth;
    const outChannels = this.definition.outChannels;
    this.im2col(input, n);
    matMul({
      a: outputGradient, aRowStride: positions, aInnerStride: 1,
      b: STAGED, bInnerStride: 1, bColStride: positions,
      c: grads, cOffset: this.weightOffset, m: outChannels, n: this.patch, k: positions,
    });
    if (this.biasOffset >= 0) {
      for (let co = 0; co < outChannels; co++) {
        let sum = 0;
        const end = (co + 1) * positions;
        for (let q = co * positions; q < end; q++) sum += outputGradient[q]!;
        grads[this.biasOffset + co] = sum;
      }
    }
    if (!needInputGradient) return;
    const colsGradient = matMul({
      a: params, aOffset: this.weightOffset, aRowStride: 1, aInnerStride: this.patch,
      b: outputGradient, bInnerStride: positions, bColStride: 1,
      m: this.patch, n: positions, k: outChannels,
    });
    this.col2im(colsGradient, n);
  }

  /** Writes the window table into the kernel's memory at binary32 index `at`; the column matrix's description for `n` examples. */
  private columnMatrix(at: number, n: number): ColumnMatrix {
    kernelMemory(4 * (at + this.windows.length)).integers.set(this.windows, at);
    const { inChannels, stride: [sH, sW] } = this.definition;
    const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = this;
    return [4 * at, this.windows.length / 4, inChannels, n, H * W, H, W, OH, OW, sH, sW];
  }

  /** Writes the column matrix (row k, column q) of the CNHW input into the kernel's memory from element 0. */
  private im2col(input: Float32Array, n: number): void {
    const inputLength = this.definition.inChannels * n * this.inHeight * this.inWidth;
    const inputAt = 2 * align2(this.patch * n * this.outHeight * this.outWidth);
    const matrix = this.columnMatrix(inputAt + inputLength, n);
    kernelMemory(0).values.set(input.subarray(0, inputLength), inputAt);
    convolutionKernel.im2col(4 * inputAt, 0, ...matrix);
  }

  /** Sums the column matrix's gradient (binary32 at `colsGradient` in the kernel's memory) into `inputGradient`, in (k, q) order, binary64, rounded once. */
  private col2im(colsGradient: number, n: number): void {
    const size = this.definition.inChannels * n * this.inHeight * this.inWidth;
    const sumAt = align2((colsGradient + this.patch * n * this.outHeight * this.outWidth + 1) >> 1);
    const gradientAt = 2 * (sumAt + size);
    const matrix = this.columnMatrix(gradientAt + size, n);
    kernelMemory(0).operands.fill(0, sumAt, sumAt + size);
    convolutionKernel.col2im(4 * colsGradient, 8 * sumAt, ...matrix);
    convolutionKernel.demote(8 * sumAt, 4 * gradientAt, size);
    this.inputGradient.set(kernelMemory(0).values.subarray(gradientAt, gradientAt + size));
  }
}
