import { sigmoidF64, tanhF64 } from "./deterministicMath.ts";
import type { Layer } from "./layer.ts";
import type { SmoothActivationLayerDefinition } from "./modelDefinition.ts";

/** Parameters of the {@link SmoothActivation} constructor. */
export type SmoothActivationParameters = {
  definition: SmoothActivationLayerDefinition;
  inputShape: number[];
  maxExamples: number;
};

/** Each smooth activation: its value and its derivative written from its own (binary32) output y (the training VM's too). */
export const SMOOTH_ACTIVATIONS = {
  sigmoid: { value: sigmoidF64, derivative: (y: number) => y * (1 - y) },
  tanh: { value: tanhF64, derivative: (y: number) => 1 - y * y },
} as const;

/**
 * Sigmoid or Tanh, elementwise (docs/training.md §4): y = fround(f(x)) with the engine's own f
 * (deterministicMath.ts); backward dx = fround(dy · f′) with f′ computed in binary64 from the
 * stored y: y·(1 − y) for Sigmoid, 1 − y·y for Tanh. Not in place: its output buffer is its own,
 * so the layer before keeps the output its backward reads.
 */
export class SmoothActivation implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly width: number;
  private readonly value: (x: number) => number;
  private readonly derivative: (y: number) => number;

  constructor({ definition, inputShape, maxExamples }: SmoothActivationParameters) {
    this.outputShape = inputShape;
    this.width = inputShape.reduce((a, b) => a * b, 1);
    this.output = new Float32Array(maxExamples * this.width);
    this.inputGradient = new Float32Array(maxExamples * this.width);
    ({ value: this.value, derivative: this.derivative } = SMOOTH_ACTIVATIONS[definition.kind]);
  }

  forward(input: Float32Array, n: number): void {
    const { output, value } = this;
    const size = n * this.width;
    for (let i = 0; i < size; i++) output[i] = value(input[i]!);
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    const { output, inputGradient, derivative } = this;
    const size = n * this.width;
    for (let i = 0; i < size; i++) inputGradient[i] = outputGradient[i]! * derivative(output[i]!);
  }
}
