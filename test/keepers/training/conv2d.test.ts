import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Conv2d } from "../../../keepers/src/training/conv2d.ts";
import type { ConvLayerDefinition, ParameterTensor } from "../../../keepers/src/training/modelDefinition.ts";
import { seededRandom } from "../erasure/seededRandom.ts";

type Shape = { inChannels: number; outChannels: number; n: number; H: number; W: number; kernel: [number, number]; stride: [number, number]; pads: [number, number, number, number] };

/**
 * docs/training.md §4's Conv written out element by element, with no column matrix in memory: the oracle the
 * layer (im2col and col2im in the WebAssembly kernel, the product in its matMul) is checked against, bit for bit.
 */
function referenceConv(s: Shape, input: Float32Array, weight: Float32Array, bias: Float32Array, outputGradient: Float32Array) {
  const { inChannels, outChannels, n, H, W, kernel: [kH, kW], stride: [sH, sW], pads: [pT, pL, pB, pR] } = s;
  const OH = Math.floor((H + pT + pB - kH) / sH) + 1;
  const OW = Math.floor((W + pL + pR - kW) / sW) + 1;
  const patch = inChannels * kH * kW;
  const positions = n * OH * OW;
  /** Input element of column-matrix entry (k, q), or −1 over the padding. */
  const at = (k: number, q: number) => {
    const ci = Math.floor(k / (kH * kW)), ky = Math.floor(k / kW) % kH, kx = k % kW;
    const e = Math.floor(q / (OH * OW)), oy = Math.floor(q / OW) % OH, ox = q % OW;
    const iy = oy * sH - pT + ky, ix = ox * sW - pL + kx;
    return iy < 0 || iy >= H || ix < 0 || ix >= W ? -1 : ((ci * n + e) * H + iy) * W + ix;
  };
  const col = (k: number, q: number) => (at(k, q) < 0 ? 0 : input[at(k, q)]!);
  const output = new Float32Array(outChannels * positions);
  const weightGradient = new Float32Array(outChannels * patch);
  const biasGradient = new Float32Array(outChannels);
  const inputGradient = new Float32Array(input.length);
  const sums = new Float64Array(input.length);
  for (let co = 0; co < outChannels; co++) {
    for (let q = 0; q < positions; q++) {
      let y = 0;
      for (let k = 0; k < patch; k++) y += weight[co * patch + k]! * col(k, q);
      output[co * positions + q] = Math.fround(y) + bias[co]!;
    }
    for (let k = 0; k < patch; k++) {
      let g = 0;
      for (let q = 0; q < positions; q++) g += outputGradient[co * positions + q]! * col(k, q);
      weightGradient[co * patch + k] = g;
    }
    let b = 0;
    for (let q = 0; q < positions; q++) b += outputGradient[co * positions + q]!;
    biasGradient[co] = b;
  }
  for (let k = 0; k < patch; k++) {
    for (let q = 0; q < positions; q++) {
      let d = 0;
      for (let co = 0; co < outChannels; co++) d += weight[co * patch + k]! * outputGradient[co * positions + q]!;
      const i = at(k, q);
      if (i >= 0) sums[i] = sums[i]! + Math.fround(d);
    }
  }
  inputGradient.set(sums);
  return { output, weightGradient, biasGradient, inputGradient, outputLength: outChannels * positions };
}

/** Random binary32 values of both signs with zeros: significands of 24 random bits, magnitudes 2^−20..2^4. */
function randomFloats(random: ReturnType<typeof seededRandom>, length: number): Float32Array {
  return Float32Array.from({ length }, () => (random.int(9) === 0 ? 0 : (random.int(2) === 0 ? -1 : 1) * (random.int(1 << 24) + 1) * 2 ** (random.int(25) - 44)));
}

const bits = (values: Float32Array) => new Uint32Array(values.buffer, values.byteOffset, values.length);

describe("Conv2d", () => {
  it("equals the element-by-element convolution bit for bit: strides 1–3, uneven padding, windows wider than the input", () => {
    const random = seededRandom(22);
    for (let trial = 0; trial < 120; trial++) {
      const kernel: [number, number] = [1 + random.int(5), 1 + random.int(5)];
      const pads: [number, number, number, number] = [random.int(4), random.int(4), random.int(4), random.int(4)];
      const H = Math.max(1, kernel[0] - pads[0] - pads[2]) + random.int(9);
      const W = Math.max(1, kernel[1] - pads[1] - pads[3]) + random.int(9);
      const s: Shape = { inChannels: 1 + random.int(3), outChannels: 1 + random.int(5), n: 1 + random.int(3), H, W, kernel, stride: [1 + random.int(3), 1 + random.int(3)], pads };
      const patch = s.inChannels * kernel[0] * kernel[1];
      const parameters: ParameterTensor[] = [
        { name: "w", dims: [s.outChannels, s.inChannels, ...kernel], offset: 0, size: s.outChannels * patch },
        { name: "b", dims: [s.outChannels], offset: s.outChannels * patch, size: s.outChannels },
      ];
      const definition: ConvLayerDefinition = { kind: "conv", name: "conv", inChannels: s.inChannels, outChannels: s.outChannels, kernel, stride: s.stride, pads, weight: 0, bias: 1 };
      const layer = new Conv2d({ definition, inputShape: [s.inChannels, H, W], maxExamples: s.n + random.int(2), parameters });
      const params = randomFloats(random, s.outChannels * (patch + 1));
      const input = randomFloats(random, s.inChannels * s.n * H * W);
      const [, OH = 0, OW = 0] = layer.outputShape;
      const outputGradient = randomFloats(random, s.outChannels * s.n * OH * OW);
      const expected = referenceConv(s, input, params.subarray(0, s.outChannels * patch), params.subarray(s.outChannels * patch), outputGradient);
      const grads = new Float32Array(params.length);
      layer.forward(input, s.n, params);
      layer.backward(input, outputGradient, s.n, params, grads, true);
      const label = JSON.stringify(s);
      assert.deepEqual(bits(layer.output.subarray(0, expected.outputLength)), bits(expected.output), `output ${label}`);
      assert.deepEqual(bits(grads.subarray(0, s.outChannels * patch)), bits(expected.weightGradient), `weight gradient ${label}`);
      assert.deepEqual(bits(grads.subarray(s.outChannels * patch)), bits(expected.biasGradient), `bias gradient ${label}`);
      assert.deepEqual(bits(layer.inputGradient.subarray(0, input.length)), bits(expected.inputGradient), `input gradient ${label}`);
    }
  });
});
