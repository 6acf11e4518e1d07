import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Relu } from "../../../keepers/src/training/relu.ts";
import { seededRandom } from "../erasure/seededRandom.ts";

/** Every class of binary32 by its bits: zeros, subnormals, normals, the extremes, infinities and NaNs of both signs; then random bits. */
function specialAndRandomBits(count: number): Uint32Array {
  const special = [
    0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x80800000, 0x3f800000, 0xbf800000,
    0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7f800001, 0xff800001, 0x7fc00000, 0xffc00000, 0x7fffffff, 0xffffffff,
  ];
  const random = seededRandom(7);
  return Uint32Array.from({ length: count }, (_, i) => special[i] ?? (random.int(1 << 16) * 65536 + random.int(1 << 16)));
}

describe("Relu", () => {
  it("is x > 0 ? x : +0 on every class of binary32, in place and into a buffer of its own; its backward keeps dy where y > 0", () => {
    const count = 4099; // four at a time, then three one at a time
    const bits = specialAndRandomBits(count);
    const x = new Float32Array(bits.buffer.slice(0));
    const expected = x.map((v) => (v > 0 ? v : 0));
    const dy = Float32Array.from({ length: count }, (_, i) => i + 0.5);
    const expectedDx = dy.map((g, i) => (expected[i]! > 0 ? g : 0));
    for (const own of [false, true]) {
      const input = x.slice();
      const layer = new Relu({ inputShape: [count], input, maxExamples: own ? 1 : undefined });
      layer.forward(input, 1);
      assert.deepEqual(new Uint32Array(layer.output.buffer), new Uint32Array(expected.buffer), `forward, ${own ? "own buffer" : "in place"}`);
      if (own) assert.deepEqual(input, x, "the input is left as it was");
      const gradient = dy.slice();
      layer.backward(input, gradient, 1);
      assert.deepEqual(new Uint32Array(layer.inputGradient.buffer), new Uint32Array(expectedDx.buffer), "backward");
    }
  });
});
