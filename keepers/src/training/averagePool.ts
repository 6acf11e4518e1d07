import type { Layer } from "./layer.ts";
import { poolGeometry, type PoolGeometry } from "./poolGeometry.ts";
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
  private readonly geometry: PoolGeometry;

  constructor({ definition, inputShape, maxExamples }: AveragePoolParameters) {
    this.geometry = poolGeometry(definition.kernel, definition.stride, inputShape);
    const { channels, inHeight, inWidth, outHeight, outWidth } = this.geometry;
    this.definition = definition;
    this.outputShape = [channels, outHeight, outWidth];
    this.output = new Float32Array(maxExamples * channels * outHeight * outWidth);
    this.inputGradient = new Float32Array(maxExamples * channels * inHeight * inWidth);
  }

  /** Calls `visit(o, first)` for every output o in order with the input index of its window's top-left element. */
  private windows(n: number, visit: (o: number, first: number) => void): void {
    const { stride: [sH, sW] } = this.definition;
    const { channels, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = this.geometry;
    const planes = channels * n;
    let o = 0;
    for (let p = 0; p < planes; p++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++, o++) visit(o, p * H * W + oy * sH * W + ox * sW);
      }
    }
  }

  forward(input: Float32Array, n: number): void {
    const { kernel: [kH, kW] } = this.definition;
    const { inWidth: W } = this.geometry;
    const output = this.output;
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
    const { channels, inHeight, inWidth: W } = this.geometry;
    const gradient = this.inputGradient;
    const count = kH * kW;
    gradient.fill(0, 0, channels * n * inHeight * W);
    this.windows(n, (o, first) => {
      const share = outputGradient[o]! / count;
      for (let ky = 0; ky < kH; ky++) {
        const row = first + ky * W;
        for (let kx = 0; kx < kW; kx++) gradient[row + kx] = gradient[row + kx]! + share;
      }
    });
  }
}
