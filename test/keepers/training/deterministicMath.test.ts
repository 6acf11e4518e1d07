import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exp32, expF64, logF64 } from "../../../keepers/src/training/deterministicMath.ts";

function float32Bits(x: number): string {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x, true);
  return view.getUint32(0, true).toString(16).padStart(8, "0");
}

function float64Bits(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x, true);
  return view.getBigUint64(0, true).toString(16).padStart(16, "0");
}

describe("exp32", () => {
  it("matches the binary32 test vectors bit for bit", () => {
    const vectors: Array<[number, string]> = [
      [0, "3f800000"],
      [1, "402df854"],
      [-1, "3ebc5ab2"],
      [0.5, "3fd3094c"],
      [-0.1, "3f67a36d"],
      [10, "46ac14ee"],
      [-10, "383e6bce"],
      [-87.5, "006cb2bc"],
      [88.5, "7f4cdcc4"],
      [-103, "00000001"],
      [-105, "00000000"],
      [89.5, "7f800000"],
    ];
    for (const [x, bits] of vectors) assert.equal(float32Bits(exp32(Math.fround(x))), bits, `exp32(${x})`);
  });

  it("is within half an ulp of a correctly rounded exp on a sweep (same binary32 as fround(Math.exp))", () => {
    let mismatches = 0;
    for (let i = 0; i <= 20000; i++) {
      const x = Math.fround(-100 + (188 * i) / 20000);
      if (exp32(x) !== Math.fround(Math.exp(x))) mismatches++;
    }
    assert.equal(mismatches, 0);
  });

  it("handles NaN and the saturation ranges", () => {
    assert.ok(Number.isNaN(expF64(Number.NaN)));
    assert.equal(expF64(1000), Number.POSITIVE_INFINITY);
    assert.equal(expF64(-1000), 0);
  });
});

describe("logF64", () => {
  it("matches the binary64 test vectors bit for bit", () => {
    const vectors: Array<[number, string]> = [
      [1, "0000000000000000"],
      [2, "3fe62e42fefa39ef"],
      [10, "40026bb1bbb55516"],
      [0.001, "c01ba18a998fffa0"],
      [3.5, "3ff40b512eb53d60"],
    ];
    for (const [x, bits] of vectors) assert.equal(float64Bits(logF64(x)), bits, `logF64(${x})`);
  });

  it("handles zero, negatives and subnormals", () => {
    assert.equal(logF64(0), Number.NEGATIVE_INFINITY);
    assert.ok(Number.isNaN(logF64(-1)));
    assert.ok(Math.abs(logF64(5e-324) - -744.4400719213812) < 1e-12);
  });
});
