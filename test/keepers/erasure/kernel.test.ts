import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { multiplyShards } from "../../../keepers/src/erasure/multiplyShards.ts";
import { kernelWasm, kernelWat } from "../../../scripts/buildErasureKernel.ts";
import { referenceMultiply } from "./referenceMultiply.ts";
import { seededRandom } from "./seededRandom.ts";

describe("WebAssembly SIMD kernel", () => {
  it("matches the byte-wise definition for random matrices, 1..9 rows, odd lengths, multi-block shards", () => {
    const random = seededRandom(99);
    for (let trial = 0; trial < 60; trial++) {
      const cols = 1 + random.int(trial % 6 === 0 ? 40 : 10);
      const rows = 1 + random.int(9);
      const length = 1 + random.int(trial % 5 === 0 ? 90_000 : 200);
      const coefficients = random.bytes(rows * cols);
      const inputs = Array.from({ length: cols }, () => random.bytes(length));
      assert.deepEqual(multiplyShards({ coefficients, inputs }), referenceMultiply(coefficients, inputs), `rows=${rows} cols=${cols} length=${length}`);
    }
  });

  it("the XOR fast path (a group whose first row is all ones) matches the byte-wise definition", () => {
    const random = seededRandom(100);
    for (let rows = 1; rows <= 9; rows++) {
      const cols = 1 + random.int(12);
      const coefficients = random.bytes(rows * cols);
      for (let row = 0; row < rows; row += 4) coefficients.fill(1, row * cols, (row + 1) * cols);
      const inputs = Array.from({ length: cols }, () => random.bytes(333));
      assert.deepEqual(multiplyShards({ coefficients, inputs }), referenceMultiply(coefficients, inputs), `rows=${rows} cols=${cols}`);
    }
  });

  it("every coefficient 0..255 times every byte 0..255", () => {
    const inputs = [Uint8Array.from({ length: 256 }, (_, b) => b)];
    const coefficients = Uint8Array.from({ length: 256 }, (_, c) => c);
    assert.deepEqual(multiplyShards({ coefficients, inputs }), referenceMultiply(coefficients, inputs));
  });

  it("the committed gfKernel.wat and gfKernel.wasm are what scripts/buildErasureKernel.ts produces", async () => {
    assert.equal(readFileSync(new URL("../../../keepers/src/erasure/gfKernel.wat", import.meta.url), "utf8"), kernelWat());
    assert.deepEqual(new Uint8Array(readFileSync(new URL("../../../keepers/src/erasure/gfKernel.wasm", import.meta.url))), await kernelWasm());
  });
});
