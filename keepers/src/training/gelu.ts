import { erfF64, expF64, tanhF64 } from "./deterministicMath.ts";
import type { Layer } from "./layer.ts";
import { GELU_BLOCK, geluKernel, kernelMemory } from "./matMul.ts";
import type { GeluLayerDefinition } from "./modelDefinition.ts";

/** Parameters of the {@link Gelu} constructor. */
export type GeluParameters = {
  definition: GeluLayerDefinition;
  inputShape: number[];
  maxExamples: number;
};

/** √½, 1/√(2π), √(2/π) and the tanh form's cubic coefficient, binary64 (docs/training.md §4). */
const SQRT_HALF = 0.7071067811865476;
const INV_SQRT_2PI = 0.3989422804014327;
const SQRT_2_OVER_PI = 0.7978845608028654;
const CUBIC = 0.044715;
const CUBIC_3 = 3 * CUBIC;

/** Each form: y = value(x) and dy/dx = derivative(x), both binary64 from the binary32 input x. */
const FORMS = {
  none: {
    value: (x: number) => 0.5 * x * (1 + erfF64(x * SQRT_HALF)),
    derivative: (x: number) => 0.5 * (1 + erfF64(x * SQRT_HALF)) + x * (INV_SQRT_2PI * expF64(-(x * x * 0.5))),
  },
  tanh: {
    value: (x: number) => 0.5 * x * (1 + tanhF64(SQRT_2_OVER_PI * (x + CUBIC * (x * x * x)))),
    derivative: (x: number) => {
      const t = tanhF64(SQRT_2_OVER_PI * (x + CUBIC * (x * x * x)));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * (SQRT_2_OVER_PI * (1 + CUBIC_3 * (x * x)));
    },
  },
} as const;

/**
 * ONNX Gelu (opset 20), elementwise with the engine's own functions (docs/training.md §4).
 * approximate "none": y = fround((0.5·x)·(1 + erfF64(x·√½))); "tanh": with
 * u = √(2/π)·(x + 0.044715·((x·x)·x)), y = fround((0.5·x)·(1 + tanhF64(u))). Backward dx = fround(dy·g′(x))
 * from the stored input x, g′ = Φ + x·φ for "none" (Φ = 0.5·(1 + erfF64(x·√½)), φ = (1/√(2π))·expF64(−((x·x)·0.5)))
 * and 0.5·(1 + t) + ((0.5·x)·(1 − t·t))·(√(2/π)·(1 + 0.134145·(x·x))) for "tanh".
 */
export class Gelu implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly width: number;
  private readonly value: (x: number) => number;
  private readonly derivative: (x: number) => number;
  /** The exact form runs in the WebAssembly kernel (the same operations, two elements per f64x2: 3× faster here). */
  private readonly exact: boolean;

  constructor({ definition, inputShape, maxExamples }: GeluParameters) {
    this.outputShape = inputShape;
    this.width = inputShape.reduce((a, b) => a * b, 1);
    this.output = new Float32Array(maxExamples * this.width);
    this.inputGradient = new Float32Array(maxExamples * this.width);
    ({ value: this.value, derivative: this.derivative } = FORMS[definition.approximate]);
    this.exact = definition.approximate === "none";
  }

  forward(input: Float32Array, n: number): void {
    const count = n * this.width;
    if (this.exact) {
      const padded = blocks(count);
      const { values } = kernelMemory(8 * padded);
      values.set(input.subarray(0, count), 0);
      geluKernel.gelu(0, 4 * padded, count);
      this.output.set(values.subarray(padded, padded + count));
      return;
    }
    const { output, value } = this;
    for (let i = 0; i < count; i++) output[i] = value(input[i]!);
  }

  backward(input: Float32Array, outputGradient: Float32Array, n: number): void {
    const count = n * this.width;
    if (this.exact) {
      const padded = blocks(count);
      const { values } = kernelMemory(12 * padded);
      values.set(input.subarray(0, count), 0);
      values.set(outputGradient.subarray(0, count), padded);
      geluKernel.geluGradient(0, 4 * padded, 8 * padded, count);
      this.inputGradient.set(values.subarray(2 * padded, 2 * padded + count));
      return;
    }
    const { inputGradient, derivative } = this;
    for (let i = 0; i < count; i++) inputGradient[i] = outputGradient[i]! * derivative(input[i]!);
  }
}

/** `count` rounded up to the kernel's GELU block. */
const blocks = (count: number) => Math.ceil(count / GELU_BLOCK) * GELU_BLOCK;
