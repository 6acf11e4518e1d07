import type { Layer } from "./layer.ts";
import { elementwiseKernel, kernelMemory } from "./matMul.ts";
import { poolGeometry, type PoolGeometry } from "./poolGeometry.ts";
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
  private readonly geometry: PoolGeometry;
  private readonly argmax: Int32Array;

  constructor({ definition, inputShape, maxExamples }: MaxPoolParameters) {
    this.geometry = poolGeometry(definition.kernel, definition.stride, inputShape);
    const { channels, inHeight, inWidth, outHeight, outWidth } = this.geometry;
    this.definition = definition;
    this.outputShape = [channels, outHeight, outWidth];
    const outSize = maxExamples * channels * outHeight * outWidth;
    this.output = new Float32Array(outSize);
    this.argmax = new Int32Array(outSize);
    this.inputGradient = new Float32Array(maxExamples * channels * inHeight * inWidth);
  }

  forward(input: Float32Array, n: number): void {
    const { kernel: [kH, kW], stride: [sH, sW] } = this.definition;
    const { channels, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = this.geometry;
    const { output, argmax } = this;
    const planes = channels * n;
    let o = 0;
    if (kH === 2 && kW === 2 && sH === 2 && sW === 2) {
      // The same scan in the kernel, four outputs per f32x4: LeNet-5's pools 7× faster than it written out in JavaScript.
      const inputSize = planes * H * W;
      const outputSize = planes * OH * OW;
      const { values, integers } = kernelMemory(4 * (inputSize + 2 * outputSize));
      values.set(input.subarray(0, inputSize));
      elementwiseKernel.maxPool2x2(0, 4 * inputSize, 4 * (inputSize + outputSize), planes, H, W, OH, OW);
      output.set(values.subarray(inputSize, inputSize + outputSize));
      argmax.set(integers.subarray(inputSize + outputSize, inputSize + 2 * outputSize));
      return;
    }
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
    const { channels, inHeight, inWidth, outHeight, outWidth } = this.geometry;
    gradient.fill(0, 0, channels * n * inHeight * inWidth);
    const outSize = channels * n * outHeight * outWidth;
    const argmax = this.argmax;
    for (let o = 0; o < outSize; o++) {
      const i = argmax[o]!;
      gradient[i] = gradient[i]! + outputGradient[o]!;
    }
  }
}
