import type { Layer } from "./layer.ts";
import type { MaxPoolLayerDefinition } from "./modelDefinition.ts";

/** Parameters of the {@link MaxPool} constructor. */
export type MaxPoolParameters = {
  definition: MaxPoolLayerDefinition;
  /** Per-example input shape [channels, height, width]. */
  inputShape: number[];
  maxExamples: number;
};

/**
 * 2-D max pooling (ONNX MaxPool, no padding, floor mode) over CNHW planes. The window is
 * scanned row by row; an element replaces the running maximum only if strictly greater, so
 * ties go to the first. Backward routes each output gradient to that element, adding (binary32)
 * in output order when windows overlap.
 */
export class MaxPool implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly definition: MaxPoolLayerDefinition;
  private readonly channels: number;
  private readonly inHeight: number;
  private readonly inWidth: number;
  private readonly outHeight: number;
  private readonly outWidth: number;
  private readonly argmax: Int32Array;

  constructor({ definition, inputShape, maxExamples }: MaxPoolParameters) {
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
    const outSize = maxExamples * channels * this.outHeight * this.outWidth;
    this.output = new Float32Array(outSize);
    this.argmax = new Int32Array(outSize);
    this.inputGradient = new Float32Array(maxExamples * channels * inHeight * inWidth);
  }

  forward(input: Float32Array, n: number): void {
    const { kernel: [kH, kW], stride: [sH, sW] } = this.definition;
    const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, output, argmax } = this;
    const planes = this.channels * n;
    let o = 0;
    for (let p = 0; p < planes; p++) {
      const plane = p * H * W;
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++, o++) {
          let best = plane + oy * sH * W + ox * sW;
          let max = input[best]!;
          for (let ky = 0; ky < kH; ky++) {
            const row = plane + (oy * sH + ky) * W + ox * sW;
            for (let kx = 0; kx < kW; kx++) {
              const v = input[row + kx]!;
              if (v > max) {
                max = v;
                best = row + kx;
              }
            }
          }
          output[o] = max;
          argmax[o] = best;
        }
      }
    }
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    const gradient = this.inputGradient;
    gradient.fill(0, 0, this.channels * n * this.inHeight * this.inWidth);
    const outSize = this.channels * n * this.outHeight * this.outWidth;
    const argmax = this.argmax;
    for (let o = 0; o < outSize; o++) {
      const i = argmax[o]!;
      gradient[i] = gradient[i]! + outputGradient[o]!;
    }
  }
}
