import type { Layer } from "./layer.ts";
import type { ConcatLayerDefinition } from "./modelDefinition.ts";

/** Parameters of the {@link Concat} constructor. */
export type ConcatParameters = {
  definition: ConcatLayerDefinition;
  /** Per-example shapes of the operands, equal but on `definition.axis`. */
  shapes: number[][];
  /** The operands' buffers (the outputs of earlier layers, or the model's input). */
  operands: Float32Array[];
  maxExamples: number;
};

/**
 * ONNX Concat along one axis of the example: with the micro-batch stored as [n, …shape] (row-major) or
 * [C, n, H, W] (CNHW), every index of the stored axes before the concatenated one holds the operands'
 * blocks one after the other, in operand order. Backward copies each operand's block of the output
 * gradient back (its gradient is `inputGradient` for the first, `operandGradients[k − 1]` for the k-th).
 * Pure data movement, no arithmetic.
 */
export class Concat implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  readonly operandGradients: readonly Float32Array[];
  private readonly operands: Float32Array[];
  private readonly shapes: number[][];
  private readonly axis: number;
  private readonly cnhw: boolean;

  constructor({ definition, shapes, operands, maxExamples }: ConcatParameters) {
    const { axis, cnhw } = definition;
    this.axis = axis;
    this.cnhw = cnhw;
    this.shapes = shapes;
    this.operands = operands;
    this.outputShape = shapes[0]!.map((extent, i) => (i === axis ? shapes.reduce((sum, shape) => sum + shape[axis]!, 0) : extent));
    this.output = new Float32Array(maxExamples * this.outputShape.reduce((a, b) => a * b, 1));
    const gradients = shapes.map((shape) => new Float32Array(maxExamples * shape.reduce((a, b) => a * b, 1)));
    this.inputGradient = gradients[0]!;
    this.operandGradients = gradients.slice(1);
  }

  /** For `n` examples: how many blocks each operand has (the stored axes before the axis) and each operand's block size. */
  private blocks(n: number): { outer: number; sizes: number[] } {
    const stored = (shape: number[]) => (this.cnhw ? [shape[0]!, n, shape[1]!, shape[2]!] : [n, ...shape]);
    const storedAxis = this.cnhw ? (this.axis === 0 ? 0 : this.axis + 1) : this.axis + 1;
    const outer = stored(this.outputShape).slice(0, storedAxis).reduce((a, b) => a * b, 1);
    return { outer, sizes: this.shapes.map((shape) => stored(shape).slice(storedAxis).reduce((a, b) => a * b, 1)) };
  }

  forward(_input: Float32Array, n: number): void {
    const { outer, sizes } = this.blocks(n);
    const width = sizes.reduce((a, b) => a + b, 0);
    for (let o = 0; o < outer; o++) {
      let at = o * width;
      this.operands.forEach((operand, k) => {
        const size = sizes[k]!;
        this.output.set(operand.subarray(o * size, (o + 1) * size), at);
        at += size;
      });
    }
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    const { outer, sizes } = this.blocks(n);
    const width = sizes.reduce((a, b) => a + b, 0);
    const gradients = [this.inputGradient, ...this.operandGradients];
    for (let o = 0; o < outer; o++) {
      let at = o * width;
      gradients.forEach((gradient, k) => {
        const size = sizes[k]!;
        gradient.set(outputGradient.subarray(at, at + size), o * size);
        at += size;
      });
    }
  }
}
