import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { logErfc } from "../../../keepers/src/privacy/logErfc.ts";
import { expm1F64, log1pF64, logAddExp, logSubExp } from "../../../keepers/src/privacy/logSpaceMath.ts";

/** Relative distance, with an absolute floor so values near 0 compare absolutely. */
function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
}

describe("logErfc", () => {
  // ln erfc(x) from mpmath at 40 digits (mpmath.log(mpmath.erfc(x))), rounded to binary64. They cover
  // both sides of the series/continued-fraction switch at |x| = 2 and x where erfc underflows binary64.
  const vectors: Array<[number, number]> = [
    [-30, 0.6931471805599453],
    [-5, 0.6931471805591766],
    [-2, 0.6908055736465877],
    [-1.95, 0.6902326041015048],
    [-0.5, 0.41903914777555956],
    [-1e-8, 1.1283791607293149e-8],
    [0, 0],
    [1e-8, -1.1283791734617103e-8],
    [0.5, -0.7350111298370844],
    [1.5, -3.3844920895515527],
    [1.95, -5.146340520733476],
    [2, -5.364941264616638],
    [2.5, -7.806815272727264],
    [3, -10.720363041981113],
    [4.5, -22.34976830343594],
    [7, -51.528231093710154],
    [12, -147.06071417798702],
    [27, -732.8688865078974],
    [100, -10005.177585122665],
    [1e4, -100000009.78270532],
  ];

  it("is within 2e-14 relative of 40-digit mpmath from −30 to 10^4", () => {
    for (const [x, expected] of vectors) {
      assert.ok(relativeError(logErfc(x), expected) < 2e-14, `logErfc(${x}) = ${logErfc(x)}, mpmath ${expected}`);
    }
  });

  it("is continuous across the switch at |x| = 2 to the series' accuracy", () => {
    for (const x of [2, -2]) {
      const below = logErfc(x < 0 ? x + 1e-12 : x - 1e-12);
      assert.ok(Math.abs(logErfc(x) - below) < 1e-11, `jump at ${x}`);
    }
  });

  it("handles NaN and the infinities", () => {
    assert.ok(Number.isNaN(logErfc(Number.NaN)));
    assert.equal(logErfc(Number.POSITIVE_INFINITY), Number.NEGATIVE_INFINITY);
    assert.equal(logErfc(Number.NEGATIVE_INFINITY), 0.6931471805599453);
  });
});

describe("log-space helpers", () => {
  it("log1pF64 and expm1F64 agree with the platform's to a few ulps, including tiny arguments", () => {
    for (const x of [1e-300, -1e-20, 1e-10, -0.25, 0.3, 0.9, -0.9999, 5, 1e10]) {
      assert.ok(relativeError(log1pF64(x), Math.log1p(x)) < 1e-15, `log1p(${x})`);
    }
    for (const x of [1e-300, -1e-20, 1e-10, -0.25, 0.3, -0.69, -5, -40, 20]) {
      assert.ok(relativeError(expm1F64(x), Math.expm1(x)) < 1e-15, `expm1(${x})`);
    }
    assert.equal(log1pF64(-1), Number.NEGATIVE_INFINITY);
    assert.equal(expm1F64(-800), -1);
  });

  it("logAddExp and logSubExp invert each other and keep −∞ as zero", () => {
    const cases: Array<[number, number]> = [
      [0, 0],
      [-3, -40],
      [5, -200],
      [-1e-9, -2e-9],
    ];
    for (const [a, b] of cases) {
      const sum = logAddExp(a, b);
      assert.ok(relativeError(sum, Math.log(Math.exp(a) + Math.exp(b))) < 1e-14, `logAddExp(${a}, ${b})`);
      assert.ok(Math.abs(logSubExp(sum, b) - a) < 1e-14 * Math.max(1, Math.abs(a)), `logSubExp(logAddExp(${a}, ${b}), ${b})`);
    }
    assert.equal(logAddExp(Number.NEGATIVE_INFINITY, -7), -7);
    assert.equal(logAddExp(Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY), Number.NEGATIVE_INFINITY);
    assert.equal(logSubExp(-7, Number.NEGATIVE_INFINITY), -7);
    assert.equal(logSubExp(-7, -7), Number.NEGATIVE_INFINITY);
    assert.ok(Number.isNaN(logSubExp(-8, -7)), "a negative difference is NaN");
  });
});
