import type { Layer } from "./layer.ts";
import type { BroadcastAddLayerDefinition, ParameterTensor } from "./modelDefinition.ts";

/** Parameters of the {@link BroadcastAdd} constructor. */
export type BroadcastAddParameters = {
  definition: BroadcastAddLayerDefinition;
  /** Per-example shape of the activation (row-major); the parameter's shape is a suffix of it. */
  inputShape: number[];
  maxExamples: number;
  parameters: ParameterTensor[];
};

/**
 * ONNX Add of an activation and a parameter P of `size` values broadcast over the leading axes (a
 * bias [D], a learned positional embedding [T, D]): y[r·size + j] = fround(x[r·size + j] + P[j]), r
 * counting the repeats (examples, then leading positions) in order. Backward: dP[j] = Σ_r dy[r·size + j]
 * (binary64 from +0, r ascending, rounded once); the input gradient is the output gradient itself.
 * ONNX Sub is the same with one operand negated (exactly; IEEE defines a − b as a + (−b)):
 * x − P gives dP = −Σ_r dy, P − x gives the input gradient −dy.
 */
export class BroadcastAdd implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  inputGradient: Float32Array;
  private readonly width: number;
  private readonly offset: number;
  private readonly size: number;
  /** The signs (±1) of the input and of the parameter in the sum. */
  private readonly inputSign: number;
  private readonly parameterSign: number;
  /** The negated output gradient when the input is subtracted. */
  private readonly negated: Float32Array | undefined;

  constructor({ definition, inputShape, maxExamples, parameters }: BroadcastAddParameters) {
    const parameter = parameters[definition.parameter]!;
    this.outputShape = inputShape;
    this.width = inputShape.reduce((a, b) => a * b, 1);
    this.offset = parameter.offset;
    this.size = parameter.size;
    this.inputSign = definition.subtract === "input" ? -1 : 1;
    this.parameterSign = definition.subtract === "parameter" ? -1 : 1;
    this.output = new Float32Array(maxExamples * this.width);
    this.negated = this.inputSign < 0 ? new Float32Array(maxExamples * this.width) : undefined;
    this.inputGradient = new Float32Array(0);
  }

  forward(input: Float32Array, n: number, params: Float32Array): void {
    const { output, offset, size, inputSign, parameterSign } = this;
    const total = n * this.width;
    for (let base = 0; base < total; base += size) {
      for (let j = 0; j < size; j++) output[base + j] = inputSign * input[base + j]! + parameterSign * params[offset + j]!;
    }
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number, _params: Float32Array, grads: Float32Array): void {
    const { offset, size, negated } = this;
    const total = n * this.width;
    for (let j = 0; j < size; j++) {
      let sum = 0;
      for (let at = j; at < total; at += size) sum += outputGradient[at]!;
      grads[offset + j] = this.parameterSign * sum;
    }
    if (negated === undefined) {
      this.inputGradient = outputGradient;
      return;
    }
    for (let i = 0; i < total; i++) negated[i] = -outputGradient[i]!;
    this.inputGradient = negated;
  }
}
