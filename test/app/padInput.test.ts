import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { digitPlacement, padInput, softmax } from "../../app/src/jobs/padInput.ts";
import { PIXEL_TO_FLOAT } from "../../keepers/src/training/pixelValues.ts";

/** A width×height RGBA image with ink (alpha 255) on the given pixels. */
function image(width: number, height: number, ink: [number, number][]): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (const [x, y] of ink) rgba[(y * width + x) * 4 + 3] = 255;
  return rgba;
}

describe("digitPlacement", () => {
  it("is undefined on an empty pad", () => {
    assert.equal(digitPlacement(image(10, 10, []), 10, 10), undefined);
  });

  it("crops to the ink and fits its longer side to MNIST's 20-pixel box, centred in 28×28", () => {
    // ink from (10, 20) to (29, 59): 20 wide, 40 tall
    const at = digitPlacement(image(100, 100, [[10, 20], [29, 59]]), 100, 100)!;
    assert.deepEqual({ sx: at.sx, sy: at.sy, sw: at.sw, sh: at.sh }, { sx: 10, sy: 20, sw: 20, sh: 40 });
    assert.deepEqual({ dw: at.dw, dh: at.dh, dx: at.dx, dy: at.dy }, { dw: 10, dh: 20, dx: 9, dy: 4 });
  });
});

describe("padInput", () => {
  it("normalises each pixel's ink with the engine's table (b / 255), row-major", () => {
    const rgba = new Uint8ClampedArray(28 * 28 * 4);
    rgba[3] = 255;
    rgba[(28 + 2) * 4 + 3] = 128;
    const input = padInput(rgba);
    assert.equal(input.length, 784);
    assert.equal(input[0], 1);
    assert.equal(input[30], PIXEL_TO_FLOAT[128]);
    assert.equal(input[1], 0);
  });
});

describe("softmax", () => {
  it("gives probabilities that sum to 1, largest for the largest logit, stable for large logits", () => {
    const p = softmax([1000, 1001, 1002]);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok(p[2]! > p[1]! && p[1]! > p[0]!);
    assert.ok(Math.abs(p[2]! - 0.6652409557748219) < 1e-12);
  });
});
