import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MaxPool } from "../../../keepers/src/training/maxPool.ts";
import { seededRandom } from "../erasure/seededRandom.ts";

/** docs/training.md's MaxPool scan, element by element: the first strictly greater element wins (a NaN never does; ties and ±0 go to the first). */
function referenceMaxPool(input: Float32Array, planes: number, H: number, W: number, [kH, kW]: [number, number], [sH, sW]: [number, number]) {
  const OH = Math.floor((H - kH) / sH) + 1;
  const OW = Math.floor((W - kW) / sW) + 1;
  const output: number[] = [];
  const argmax: number[] = [];
  for (let p = 0; p < planes; p++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        let best = (p * H + oy * sH) * W + ox * sW;
        for (let ky = 0; ky < kH; ky++) {
          for (let kx = 0; kx < kW; kx++) {
            const i = (p * H + oy * sH + ky) * W + ox * sW + kx;
            if (input[i]! > input[best]!) best = i;
          }
        }
        output.push(input[best]!);
        argmax.push(best);
      }
    }
  }
  return { output: Float32Array.from(output), argmax };
}

describe("MaxPool", () => {
  it("scans every window as the reference does, ties, ±0 and NaNs included, for 2×2 windows (the kernel's at stride 2) and others", () => {
    const random = seededRandom(5);
    const values = [0, -0, 1, -1, 2, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (let trial = 0; trial < 90; trial++) {
      const kernel: [number, number] = trial % 3 === 2 ? [1 + random.int(3), 1 + random.int(3)] : [2, 2];
      // A third at stride 2×2, the kernel's; W up to 13 gives rows of 0 to 3 quads and 0 to 3 single outputs.
      const stride: [number, number] = trial % 3 === 0 ? [2, 2] : [1 + random.int(3), 1 + random.int(3)];
      const channels = 1 + random.int(3);
      const n = 1 + random.int(3);
      const H = kernel[0] + random.int(6);
      const W = kernel[1] + random.int(trial % 3 === 0 ? 12 : 6);
      const input = Float32Array.from({ length: channels * n * H * W }, () => values[random.int(values.length)]!);
      const layer = new MaxPool({ definition: { kind: "maxPool", name: "pool", kernel, stride }, inputShape: [channels, H, W], maxExamples: n });
      layer.forward(input, n);
      const expected = referenceMaxPool(input, channels * n, H, W, kernel, stride);
      const label = JSON.stringify({ kernel, stride, channels, n, H, W });
      assert.deepEqual(new Uint32Array(layer.output.buffer, 0, expected.output.length), new Uint32Array(expected.output.buffer), `output ${label}`);
      const gradient = Float32Array.from({ length: expected.output.length }, (_, o) => o + 1);
      layer.backward(input, gradient, n);
      const expectedGradient = new Float32Array(input.length);
      expected.argmax.forEach((i, o) => (expectedGradient[i] = expectedGradient[i]! + gradient[o]!));
      assert.deepEqual(layer.inputGradient.subarray(0, input.length), expectedGradient, `gradient ${label}`);
    }
  });
});
