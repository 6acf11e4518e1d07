import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { matMul } from "../../../keepers/src/training/matMul.ts";
import { matMulKernelWasm, matMulKernelWat } from "../../../scripts/buildMatMulKernel.ts";
import { seededRandom } from "../erasure/seededRandom.ts";
import { referenceMatMul, type PlainMatMulParameters } from "./referenceMatMul.ts";

/**
 * Random binary32 values of mixed signs, exact zeros and negative zeros included. Plain values
 * have random 24-bit significands and magnitudes 2^−44..2^20. With `cancelling`, values are ±2^30
 * or ±(1 + i/8): the ±2^60 products often cancel exactly, so whether the small terms survive
 * depends on the summation order — a kernel that summed in another order would fail.
 */
function randomFloats(random: ReturnType<typeof seededRandom>, length: number, cancelling: boolean): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const kind = random.int(16);
    const sign = random.int(2) === 0 ? -1 : 1;
    if (kind === 0) out[i] = 0;
    else if (kind === 1) out[i] = -0;
    else if (cancelling) out[i] = sign * (kind < 7 ? 2 ** 30 : 1 + random.int(8) / 8);
    else out[i] = sign * (random.int(1 << 24) + 1) * 2 ** (random.int(41) - 44);
  }
  return out;
}

/** The four stride layouts the layers use: A and B each row- or column-major. */
const LAYOUTS = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

describe("matMul WebAssembly kernel", () => {
  it("equals the JavaScript reference bit for bit on random shapes, odd sizes and every stride layout", () => {
    const random = seededRandom(2024);
    for (let trial = 0; trial < 400; trial++) {
      const m = trial % 50 === 0 ? 0 : 1 + random.int(trial % 7 === 0 ? 160 : 11);
      const n = trial % 60 === 1 ? 0 : 1 + random.int(trial % 5 === 0 ? 900 : 13);
      const k = trial % 40 === 2 ? 0 : 1 + random.int(trial % 3 === 0 ? 400 : 9);
      const [aTransposed, bTransposed] = LAYOUTS[trial % 4]!;
      const aOffset = random.int(5);
      const bOffset = random.int(5);
      const cOffset = random.int(5);
      const cancelling = (trial >> 2) % 2 === 1;
      const a = randomFloats(random, aOffset + m * k + random.int(3), cancelling);
      const b = randomFloats(random, bOffset + k * n + random.int(3), cancelling);
      const parameters = (c: Float32Array): PlainMatMulParameters => ({
        a, aOffset, aRowStride: aTransposed ? 1 : k, aInnerStride: aTransposed ? m : 1,
        b, bOffset, bInnerStride: bTransposed ? 1 : n, bColStride: bTransposed ? k : 1,
        c, cOffset, m, n, k,
      });
      const expected = randomFloats(random, cOffset + m * n + 3, false);
      const actual = expected.slice();
      referenceMatMul(parameters(expected));
      matMul(parameters(actual));
      assert.deepEqual(new Uint32Array(actual.buffer), new Uint32Array(expected.buffer), `m=${m} n=${n} k=${k} layout=${trial % 4} cancelling=${cancelling}`);
    }
  });

  it("the committed matMulKernel.wat and matMulKernel.wasm are what scripts/buildMatMulKernel.ts produces", async () => {
    assert.equal(readFileSync(new URL("../../../keepers/src/training/matMulKernel.wat", import.meta.url), "utf8"), matMulKernelWat());
    assert.deepEqual(new Uint8Array(readFileSync(new URL("../../../keepers/src/training/matMulKernel.wasm", import.meta.url))), await matMulKernelWasm());
  });
});
