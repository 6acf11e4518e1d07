/** Predictions for a whole set. */
export type Predictions = {
  /** Index of the first maximal logit of each example. */
  classes: Uint8Array;
  /** [count][classes] logits. */
  logits: Float32Array;
};

/**
 * Index (relative to `offset`) of the first maximum of `values[offset … offset + length)`.
 *
 * @example
 * argmax([0.1, 0.7, 0.2], 0, 3); // 1
 */
export function argmax(values: ArrayLike<number>, offset: number, length: number): number {
  let best = 0;
  for (let j = 1; j < length; j++) if (values[offset + j]! > values[offset + best]!) best = j;
  return best;
}
