import { PIXEL_TO_FLOAT } from "../../../keepers/src/training/pixelValues.ts";

/** MNIST's image side, in pixels. */
export const MNIST_SIDE = 28;
// MNIST digits fit a 20×20 box centred in the 28×28 image.
const DIGIT_BOX = 20;

/** Where to draw the pad's ink into the 28×28 image: source rectangle on the pad, target on the image. */
export type DigitPlacement = { sx: number; sy: number; sw: number; sh: number; dx: number; dy: number; dw: number; dh: number };

/**
 * Where the ink of a drawing lies and where MNIST would put it: the bounding box of the pixels
 * with ink (alpha > 0 in `rgba`, a `width`×`height` RGBA image), scaled to fit 20×20 with its
 * aspect kept and centred in 28×28, as MNIST's digits were. `undefined` on an empty pad.
 *
 * @example
 * const at = digitPlacement(pad.getImageData(0, 0, 280, 280).data, 280, 280);
 */
export function digitPlacement(rgba: ArrayLike<number>, width: number, height: number): DigitPlacement | undefined {
  let left = width, top = height, right = -1, bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (rgba[(y * width + x) * 4 + 3]! === 0) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
    }
  }
  if (right < 0) return undefined;
  const sw = right - left + 1;
  const sh = bottom - top + 1;
  const scale = DIGIT_BOX / Math.max(sw, sh);
  const dw = sw * scale;
  const dh = sh * scale;
  return { sx: left, sy: top, sw, sh, dx: (MNIST_SIDE - dw) / 2, dy: (MNIST_SIDE - dh) / 2, dw, dh };
}

/**
 * The model input of a 28×28 drawing: each pixel's ink (its alpha, 0..255, white ink on black
 * as MNIST) normalised exactly as the engine normalises MNIST bytes (`PIXEL_TO_FLOAT`, b / 255).
 *
 * @example
 * const input = padInput(small.getImageData(0, 0, 28, 28).data); // Float32Array(784)
 */
export function padInput(rgba: ArrayLike<number>): Float32Array {
  const input = new Float32Array(MNIST_SIDE * MNIST_SIDE);
  for (let i = 0; i < input.length; i++) input[i] = PIXEL_TO_FLOAT[rgba[i * 4 + 3]!]!;
  return input;
}

/**
 * Probabilities of logits (softmax, shifted by the maximum for stability).
 *
 * @example
 * softmax([1, 2, 3]); // [0.09, 0.24, 0.67]
 */
export function softmax(logits: ArrayLike<number>): number[] {
  const values = Array.from(logits);
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
