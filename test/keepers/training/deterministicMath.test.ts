import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cosF64, erfF64, exp32, expF64, logF64, sigmoidF64, tanhF64 } from "../../../keepers/src/training/deterministicMath.ts";

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

describe("sigmoid and tanh", () => {
  it("match the binary32 test vectors bit for bit", () => {
    const vectors: Array<[number, string, string]> = [
      // x, fround(sigmoidF64(x)), fround(tanhF64(x))
      [0, "3f000000", "00000000"],
      [-0, "3f000000", "80000000"],
      [0.5, "3f1f597f", "3eec9a9f"],
      [1, "3f3b26a8", "3f42f7d6"],
      [-1, "3e89b2b1", "bf42f7d6"],
      [5, "3f7e4961", "3f7ffa0d"],
      [-5, "3bdb4fb4", "bf7ffa0d"],
      [1e-5, "3f00002a", "3727c5ac"],
      [100, "3f800000", "3f800000"],
      [-100, "00000000", "bf800000"],
    ];
    for (const [x, sigmoid, tanh] of vectors) {
      assert.equal(float32Bits(Math.fround(sigmoidF64(Math.fround(x)))), sigmoid, `sigmoid(${x})`);
      assert.equal(float32Bits(Math.fround(tanhF64(Math.fround(x)))), tanh, `tanh(${x})`);
    }
  });

  it("round to the same binary32 as the platform's libm on a sweep and on tiny inputs (Taylor branch)", () => {
    let mismatches = 0;
    for (let i = 0; i <= 60000; i++) {
      const x = Math.fround(-30 + (60 * i) / 60000);
      if (Math.fround(sigmoidF64(x)) !== Math.fround(1 / (1 + Math.exp(-x)))) mismatches++;
      if (Math.fround(tanhF64(x)) !== Math.fround(Math.tanh(x))) mismatches++;
    }
    for (let e = -149; e < -5; e++) {
      for (const m of [1, 1.3, 1.7]) {
        const x = Math.fround(m * 2 ** e);
        if (Math.fround(tanhF64(x)) !== Math.fround(Math.tanh(x))) mismatches++;
        if (Math.fround(tanhF64(-x)) !== Math.fround(Math.tanh(-x))) mismatches++;
      }
    }
    assert.equal(mismatches, 0);
  });

  it("handle NaN, infinities and signed zero", () => {
    assert.ok(Number.isNaN(sigmoidF64(Number.NaN)) && Number.isNaN(tanhF64(Number.NaN)));
    assert.equal(sigmoidF64(Number.POSITIVE_INFINITY), 1);
    assert.equal(sigmoidF64(Number.NEGATIVE_INFINITY), 0);
    assert.equal(tanhF64(Number.POSITIVE_INFINITY), 1);
    assert.equal(tanhF64(Number.NEGATIVE_INFINITY), -1);
    assert.ok(Object.is(tanhF64(-0), -0));
  });
});

describe("cosF64", () => {
  const bitsOf = (x: number) => {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    return view.getBigUint64(0).toString(16).padStart(16, "0");
  };

  it("matches the binary64 test vectors bit for bit (docs/training.md §7)", () => {
    assert.deepEqual([0, 0.1, 1, Math.PI / 2, 2, Math.PI].map((x) => bitsOf(cosF64(x))), [
      "3ff0000000000000", "3fefd712f9a817c0", "3fe14a280fb5068c", "3c91a62633145c07", "bfdaa22657537205", "bff0000000000000",
    ]);
  });

  it("is within 2 ulp of libm's cos on a sweep of [0, π] and NaN outside", () => {
    const view = new DataView(new ArrayBuffer(16));
    let worst = 0;
    for (let i = 0; i <= 200000; i++) {
      const x = (Math.PI * i) / 200000;
      view.setFloat64(0, cosF64(x));
      view.setFloat64(8, Math.cos(x));
      worst = Math.max(worst, Math.abs(Number(view.getBigInt64(0) - view.getBigInt64(8))));
    }
    assert.ok(worst <= 2, `worst ${worst} ulp`);
    for (const x of [-1e-300, Math.PI * 1.0000001, Number.NaN, Number.POSITIVE_INFINITY]) assert.ok(Number.isNaN(cosF64(x)), String(x));
  });
});

describe("erfF64", () => {
  it("is within 4 ulp of libm's erf (Python's math.erf) and saturates to ±1, odd, keeping −0", () => {
    const vectors: Array<[number, number]> = [
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [1e-5, 1.1283791670579e-5],
      [5.9, 0.9999999999999999],
    ];
    for (const [x, reference] of vectors) {
      assert.ok(Math.abs(erfF64(x) - reference) <= 4 * Number.EPSILON * reference, `erf(${x}) = ${erfF64(x)}, libm ${reference}`);
      assert.equal(erfF64(-x), -erfF64(x));
    }
    assert.equal(erfF64(6), 1);
    assert.equal(erfF64(-40), -1);
    assert.ok(Object.is(erfF64(-0), -0));
    assert.ok(Number.isNaN(erfF64(Number.NaN)));
    assert.equal(float64Bits(erfF64(1)), "3feaf767a741088c");
  });
});
