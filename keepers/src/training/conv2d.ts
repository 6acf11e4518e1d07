import type { Layer } from "./layer.ts";
import { matMul } from "./matMul.ts";
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
  private readonly cols: Float32Array;
  private readonly colsGradient: Float32Array;
  private readonly inputGradientSum: Float64Array;

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
    const positions = maxExamples * this.outHeight * this.outWidth;
    const inputSize = maxExamples * definition.inChannels * inHeight * inWidth;
    this.output = new Float32Array(definition.outChannels * positions);
    this.cols = new Float32Array(this.patch * positions);
    this.colsGradient = new Float32Array(this.patch * positions);
    this.inputGradient = new Float32Array(inputSize);
    this.inputGradientSum = new Float64Array(inputSize);
  }

  forward(input: Float32Array, n: number, params: Float32Array): void {
    const positions = n * this.outHeight * this.outWidth;
    this.im2col(input, n);
    matMul({
      a: params, aOffset: this.weightOffset, aRowStride: this.patch, aInnerStride: 1,
      b: this.cols, bInnerStride: positions, bColStride: 1,
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
    _input: Float32Array,
    outputGradient: Float32Array,
    n: number,
    params: Float32Array,
    grads: Float32Array,
    needInputGradient: boolean,
  ): void {
    const positions = n * this.outHeight * this.outWidth;
    const outChannels = this.definition.outChannels;
    matMul({
      a: outputGradient, aRowStride: positions, aInnerStride: 1,
      b: this.cols, bInnerStride: 1, bColStride: positions,
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
    matMul({
      a: params, aOffset: this.weightOffset, aRowStride: 1, aInnerStride: this.patch,
      b: outputGradient, bInnerStride: positions, bColStride: 1,
      c: this.colsGradient, m: this.patch, n: positions, k: outChannels,
    });
    this.col2im(n);
  }

  /** Fills `cols` (row k, column q) from the CNHW input. */
  private im2col(input: Float32Array, n: number): void {
    const { inChannels, kernel: [kH, kW], stride: [sH, sW], pads: [pT, pL] } = this.definition;
    const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, cols } = this;
    const positions = n * OH * OW;
    let k = 0;
    for (let ci = 0; ci < inChannels; ci++) {
      for (let ky = 0; ky < kH; ky++) {
        for (let kx = 0; kx < kW; kx++, k++) {
          // Output columns whose input column ox·sW − pL + kx lies inside [0, W).
          const first = Math.max(0, Math.ceil((pL - kx) / sW));
          const last = Math.min(OW, Math.floor((W - 1 + pL - kx) / sW) + 1);
          let q = k * positions;
          for (let e = 0; e < n; e++) {
            const plane = (ci * n + e) * H * W;
            for (let oy = 0; oy < OH; oy++, q += OW) {
              const iy = oy * sH - pT + ky;
              // Rows are short (OW ≤ a few dozen) and the padding a few elements, so plain loops
              // beat TypedArray#fill, whose per-call cost exceeded the copying itself here.
              if (iy < 0 || iy >= H || first >= last) {
                for (let ox = 0; ox < OW; ox++) cols[q + ox] = 0;
                continue;
              }
              for (let ox = 0; ox < first; ox++) cols[q + ox] = 0;
              const from = plane + iy * W + first * sW - pL + kx;
              for (let ox = first, i = from; ox < last; ox++, i += sW) cols[q + ox] = input[i]!;
              for (let ox = last; ox < OW; ox++) cols[q + ox] = 0;
            }
          }
        }
      }
    }
  }

  /** Sums `colsGradient` back into `inputGradient` in (k, q) order, binary64, rounded once. */
  private col2im(n: number): void {
    const { inChannels, kernel: [kH, kW], stride: [sH, sW], pads: [pT, pL] } = this.definition;
    const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, colsGradient } = this;
    const sum = this.inputGradientSum;
    const size = inChannels * n * H * W;
    sum.fill(0, 0, size);
    const positions = n * OH * OW;
    let k = 0;
    for (let ci = 0; ci < inChannels; ci++) {
      for (let ky = 0; ky < kH; ky++) {
        for (let kx = 0; kx < kW; kx++, k++) {
          const first = Math.max(0, Math.ceil((pL - kx) / sW));
          const last = Math.min(OW, Math.floor((W - 1 + pL - kx) / sW) + 1);
          let q = k * positions;
          for (let e = 0; e < n; e++) {
            const plane = (ci * n + e) * H * W;
            for (let oy = 0; oy < OH; oy++, q += OW) {
              const iy = oy * sH - pT + ky;
              if (iy < 0 || iy >= H) continue;
              for (let ox = first, i = plane + iy * W + first * sW - pL + kx; ox < last; ox++, i += sW) {
                sum[i] = sum[i]! + colsGradient[q + ox]!;
              }
            }
          }
        }
      }
    }
    const gradient = this.inputGradient;
    for (let i = 0; i < size; i++) gradient[i] = sum[i]!;
  }
}
