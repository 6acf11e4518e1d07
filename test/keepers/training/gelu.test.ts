import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { erfF64, expF64 } from "../../../keepers/src/training/deterministicMath.ts";
import { Gelu } from "../../../keepers/src/training/gelu.ts";
import { seededRandom } from "../erasure/seededRandom.ts";

/** docs/training.md §4's exact Gelu and its derivative, element by element, with deterministicMath.ts's erfF64 and expF64. */
const value = (x: number) => 0.5 * x * (1 + erfF64(x * 0.7071067811865476));
const derivative = (x: number) => 0.5 * (1 + erfF64(x * 0.7071067811865476)) + x * (0.3989422804014327 * expF64(-(x * x * 0.5)));

/** Zeros, ±1, infinities, NaN, the binary32 extremes and subnormals, the saturation edge; then random bits (all of binary32) and random values in [−10, 10]. */
function inputs(count: number): Float32Array {
  const special = [0, -0, 1, -1, Infinity, -Infinity, NaN, 3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, -1.401298464324817e-45, 8.48528137423857, -8.48528137423857, 0.5, -0.5];
  const random = seededRandom(11);
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  return Float32Array.from({ length: count }, (_, i) => {
    if (i < special.length) return special[i]!;
    if (i % 2 === 0) return (random.int(1 << 24) / (1 << 24)) * 20 - 10;
    bits[0] = random.int(1 << 16) * 65536 + random.int(1 << 16);
    return asFloat[0]!;
  });
}

describe("Gelu (exact) in the WebAssembly kernel", () => {
  it("gives the bits of the element-by-element formula on 300,001 inputs, forward and backward, any count", () => {
    const x = inputs(300_001);
    const dy = Float32Array.from(x, (_, i) => (i % 7) - 3.25);
    const layer = new Gelu({ definition: { kind: "gelu", name: "gelu", approximate: "none" }, inputShape: [x.length], maxExamples: 1 });
    layer.forward(x, 1);
    layer.backward(x, dy.slice(), 1);
    const expectedY = Float32Array.from(x, value);
    const expectedDx = Float32Array.from(x, (v, i) => dy[i]! * derivative(v));
    const mismatch = (actual: Float32Array, expected: Float32Array) => {
      const a = new Uint32Array(actual.buffer, actual.byteOffset, expected.length);
      const e = new Uint32Array(expected.buffer);
      const i = a.findIndex((bits, j) => bits !== e[j] && !(Number.isNaN(actual[j]) && Number.isNaN(expected[j])));
      return i < 0 ? "none" : `x = ${x[i]}: ${actual[i]} against ${expected[i]}`;
    };
    assert.equal(mismatch(layer.output, expectedY), "none", "forward");
    assert.equal(mismatch(layer.inputGradient, expectedDx), "none", "backward");
    for (const count of [1, 2, 3, 5]) {
      const small = new Gelu({ definition: { kind: "gelu", name: "gelu", approximate: "none" }, inputShape: [count], maxExamples: 1 });
      small.forward(x.subarray(20, 20 + count), 1);
      assert.deepEqual(small.output, expectedY.subarray(20, 20 + count), `forward of ${count}`);
    }
  });
});
