import type { Layer } from "./layer.ts";

/** Parameters of the {@link Transpose} constructor. */
export type TransposeParameters = {
  /** Per-example input shape (row-major). */
  inputShape: number[];
  /** Output axis i is input axis perm[i] (the batch axis excluded). */
  perm: number[];
  maxExamples: number;
};

/**
 * Transpose of each example's axes (ONNX Transpose with perm[0] = 0), row-major in and out: output
 * element o of an example is input element `source[o]`. Backward writes each output gradient back to
 * its input position. Pure data movement, no arithmetic.
 */
export class Transpose implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  /** Per output element of an example, the index of the input element it copies. */
  private readonly source: Int32Array;

  constructor({ inputShape, perm, maxExamples }: TransposeParameters) {
    this.outputShape = perm.map((axis) => inputShape[axis]!);
    const size = inputShape.reduce((a, b) => a * b, 1);
    const inputStrides = inputShape.map((_, axis) => inputShape.slice(axis + 1).reduce((a, b) => a * b, 1));
    this.source = new Int32Array(size);
    for (let o = 0; o < size; o++) {
      let rest = o;
      let at = 0;
      for (let axis = perm.length - 1; axis >= 0; axis--) {
        const extent = this.outputShape[axis]!;
        at += (rest % extent) * inputStrides[perm[axis]!]!;
        rest = Math.floor(rest / extent);
      }
      this.source[o] = at;
    }
    this.output = new Float32Array(maxExamples * size);
    this.inputGradient = new Float32Array(maxExamples * size);
  }

  forward(input: Float32Array, n: number): void {
    const { source, output } = this;
    const size = source.length;
    for (let e = 0; e < n; e++) {
      const base = e * size;
      for (let o = 0; o < size; o++) output[base + o] = input[base + source[o]!]!;
    }
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    const { source, inputGradient } = this;
    const size = source.length;
    for (let e = 0; e < n; e++) {
      const base = e * size;
      for (let o = 0; o < size; o++) inputGradient[base + source[o]!] = outputGradient[base + o]!;
    }
  }
}
