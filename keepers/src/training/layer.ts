/**
 * A layer of the engine's network. Activations of spatial layers use the CNHW layout
 * ([channel][example][row][column]) so a convolution over a whole micro-batch is one matrix
 * product; feature and sequence layers use row-major [example][…] ([example][feature],
 * [example][token][feature], [example][head][token][feature]). Buffers are allocated once for the largest
 * micro-batch and reused, so the hot loop allocates nothing.
 */
export type Layer = {
  /** Per-example output shape. */
  readonly outputShape: number[];
  /** Output activations (may alias the input for in-place layers). */
  readonly output: Float32Array;
  /** Gradient with respect to the input (may alias the output gradient for in-place layers). */
  readonly inputGradient: Float32Array;
  /**
   * A layer of several operands (Add, MatMul of two activations, Concat): the gradients with respect to
   * its second, third, … operands (the first's is `inputGradient`).
   */
  readonly operandGradients?: readonly Float32Array[];
  /** Computes `output` from `input` for `n` examples; `training` for a gradient's pass (BatchNorm's batch statistics). */
  forward(input: Float32Array, n: number, params: Float32Array, training: boolean): void;
  /**
   * Given the gradient of the loss with respect to `output`, writes parameter gradients into
   * `grads` (at the parameters' canonical offsets, overwriting) and, when `needInputGradient`,
   * the gradient with respect to the input into `inputGradient`.
   */
  backward(
    input: Float32Array,
    outputGradient: Float32Array,
    n: number,
    params: Float32Array,
    grads: Float32Array,
    needInputGradient: boolean,
  ): void;
};
