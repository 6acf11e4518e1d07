import type { Layer } from "./layer.ts";
import type { ScaleLayerDefinition } from "./modelDefinition.ts";

/** Parameters of the {@link Scale} constructor. */
export type ScaleParameters = {
  definition: ScaleLayerDefinition;
  inputShape: number[];
  maxExamples: number;
};

/**
 * ONNX Mul or Div of an activation by a constant s (a one-element initializer, binary32; attention's
 * 1/√dₕ scale): y = fround(x·s) or fround(x / s); backward dx = fround(dy·s) or fround(dy / s).
 */
export class Scale implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly width: number;
  private readonly factor: number;
  private readonly divide: boolean;

  constructor({ definition, inputShape, maxExamples }: ScaleParameters) {
    this.outputShape = inputShape;
    this.width = inputShape.reduce((a, b) => a * b, 1);
    this.factor = definition.factor;
    this.divide = definition.divide;
    this.output = new Float32Array(maxExamples * this.width);
    this.inputGradient = new Float32Array(maxExamples * this.width);
  }

  forward(input: Float32Array, n: number): void {
    this.apply(input, this.output, n);
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    this.apply(outputGradient, this.inputGradient, n);
  }

  private apply(from: Float32Array, to: Float32Array, n: number): void {
    const { factor } = this;
    const size = n * this.width;
    if (this.divide) for (let i = 0; i < size; i++) to[i] = from[i]! / factor;
    else for (let i = 0; i < size; i++) to[i] = from[i]! * factor;
  }
}
