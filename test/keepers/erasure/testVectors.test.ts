import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeStripe } from "../../../keepers/src/erasure/index.ts";
import { parityMatrix } from "../../../keepers/src/erasure/parityMatrix.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

// The same vectors are printed in docs/erasure.md; they were cross-checked against an
// independent bit-by-bit GF(2^8) implementation.
describe("test vectors (docs/erasure.md)", () => {
  it("k=4, n=6, 16-byte shards: byte p = (29·p + 7) mod 256 over the 64 data bytes", () => {
    const data = Array.from({ length: 4 }, (_, j) => Uint8Array.from({ length: 16 }, (_, b) => ((16 * j + b) * 29 + 7) & 0xff));
    assert.deepEqual(data.map(hex), [
      "0724415e7b98b5d2ef0c294663809dba",
      "d7f4112e4b6885a2bfdcf91633506d8a",
      "a7c4e1fe1b3855728facc9e603203d5a",
      "7794b1ceeb0825425f7c99b6d3f00d2a",
    ]);
    assert.deepEqual(encodeStripe({ dataShards: data, parityCount: 2 }).map(hex), [
      "00800040c0c04040800080008000c040",
      "b6a375ea50af77ba84cb1e95d49b0f8a",
    ]);
  });

  it("parity matrix rows for 4+2 and 8+3", () => {
    assert.equal(hex(parityMatrix({ dataCount: 4, parityCount: 2 })), "01010101" + "a646bb7b");
    assert.equal(hex(parityMatrix({ dataCount: 8, parityCount: 3 })), "0101010101010101" + "9cac99dcab3c975c" + "a62c4626bb307b48");
  });
});
