import type { Layer } from "./layer.ts";
import type { AveragePoolLayerDefinition } from "./modelDefinition.ts";

/** Parameters of the {@link AveragePool} constructor. */
export type AveragePoolParameters = {
  definition: AveragePoolLayerDefinition;
  /** Per-example input shape [channels, height, width]. */
  inputShape: number[];
  maxExamples: number;
};

/**
 * 2-D average pooling (ONNX AveragePool without padding, floor mode; GlobalAveragePool is the
 * window of the whole plane) over CNHW planes (docs/training.md §4): each output is
 * fround(s / (kH·kW)) where s is the binary64 sum of its window from +0, row by row. Backward
 * adds dy / (kH·kW) (binary64) to each element of the window, outputs in order, the input
 * gradient rounded to binary32 after each addition.
 */
export class AveragePool implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly definition: AveragePoolLayerDefinition;
  private readonly channels: number;
  private readonly inHeight: number;
  private readonly inWidth: number;
  private readonly outHeight: number;
  private readonly outWidth: number;

  constructor({ definition, inputShape, maxExamples }: AveragePoolParameters) {
    const [channels = 0, inHeight = 0, inWidth = 0] = inputShape;
    const [kH, kW] = definition.kernel;
    const [sH, sW] = definition.stride;
    this.definition = definition;
    this.channels = channels;
    this.inHeight = inHeight;
    this.inWidth = inWidth;
    this.outHeight = Math.floor((inHeight - kH) / sH) + 1;
    this.outWidth = Math.floor((inWidth - kW) / sW) + 1;
    this.outputShape = [channels, this.outHeight, this.outWidth];
    this.output = new Float32Array(maxExamples * channels * this.outHeight * this.outWidth);
    this.inputGradient = new Float32Array(maxExamples * channels * inHeight * inWidth);
  }

  /** Calls `visit(o, first)` for every output o in order with the input index of its window's top-left element. */
  private windows(n: number, visit: (o: number, first: number) => void): void {
    const { stride: [sH, sW] } = this.definition;
    const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = this;
    const planes = this.channels * n;
    let o = 0;
    for (let p = 0; p < planes; p++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++, o++) visit(o, p * H * W + oy * sH * W + ox * sW);
      }
    }
  }

  forward(input: Float32Array, n: number): void {
    const { kernel: [kH, kW] } = this.definition;
    const { inWidth: W, output } = this;
    const count = kH * kW;
    this.windows(n, (o, first) => {
      let sum = 0;
      for (let ky = 0; ky < kH; ky++) {
        const row = first + ky * W;
        for (let kx = 0; kx < kW; kx++) sum += input[row + kx]!;
      }
      output[o] = sum / count;
    });
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    const { kernel: [kH, kW] } = this.definition;
    const { inWidth: W, inputGradient: gradient } = this;
    const count = kH * kW;
    gradient.fill(0, 0, this.channels * n * this.inHeight * W);
    this.windows(n, (o, first) => {
      const share = outputGradient[o]! / count;
      for (let ky = 0; ky < kH; ky++) {
        const row = first + ky * W;
        for (let kx = 0; kx < kW; kx++) gradient[row + kx] = gradient[row + kx]! + share;
      }
    });
  }
}
