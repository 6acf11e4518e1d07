import type { Layer } from "./layer.ts";
import type { LayerNormLayerDefinition, ParameterTensor } from "./modelDefinition.ts";

/** Parameters of the {@link LayerNorm} constructor. */
export type LayerNormParameters = {
  definition: LayerNormLayerDefinition;
  /** Per-example input shape [.., D] (row-major). */
  inputShape: number[];
  maxExamples: number;
  parameters: ParameterTensor[];
};

/**
 * LayerNormalization over the last axis (docs/training.md §4). Per row x of D values (rows: examples,
 * then tokens): μ = (Σ x) / D, q = Σ (x − μ)² (binary64 from +0, index order), inv = 1 / √(q / D + ε),
 * x̂ = fround((x − μ)·inv) (kept), y = fround(γ·x̂ + β) (fround(γ·x̂) without β). Backward: dγ[d] = Σ_r dy·x̂
 * and dβ[d] = Σ_r dy (binary64, rows in order, rounded once); per row with g = γ·dy, A = Σ g and
 * B = Σ g·x̂ (binary64, index order), dx = fround((inv / D)·((D·g − A) − x̂·B)).
 */
export class LayerNorm implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly features: number;
  private readonly epsilon: number;
  private readonly rows: number;
  private readonly scaleOffset: number;
  private readonly biasOffset: number;
  private readonly normalized: Float32Array;
  /** Per row of the last forward pass, inv. */
  private readonly inverses: Float64Array;
  /** Per feature, the running sums of dγ and dβ. */
  private readonly scaleSums: Float64Array;
  private readonly biasSums: Float64Array;

  constructor({ definition, inputShape, maxExamples, parameters }: LayerNormParameters) {
    const width = inputShape.reduce((a, b) => a * b, 1);
    this.features = definition.features;
    this.epsilon = definition.epsilon;
    this.rows = width / definition.features;
    this.scaleOffset = parameters[definition.scale]!.offset;
    this.biasOffset = definition.bias === null ? -1 : parameters[definition.bias]!.offset;
    this.outputShape = inputShape;
    this.output = new Float32Array(maxExamples * width);
    this.inputGradient = new Float32Array(maxExamples * width);
    this.normalized = new Float32Array(maxExamples * width);
    this.inverses = new Float64Array(maxExamples * this.rows);
    this.scaleSums = new Float64Array(definition.features);
    this.biasSums = new Float64Array(definition.features);
  }

  forward(input: Float32Array, n: number, params: Float32Array): void {
    const { features: D, epsilon, scaleOffset, biasOffset, output, normalized } = this;
    for (let r = 0; r < n * this.rows; r++) {
      const row = r * D;
      let sum = 0;
      for (let j = 0; j < D; j++) sum += input[row + j]!;
      const mu = sum / D;
      let squares = 0;
      for (let j = 0; j < D; j++) {
        const d = input[row + j]! - mu;
        squares += d * d;
      }
      const inv = 1 / Math.sqrt(squares / D + epsilon);
      this.inverses[r] = inv;
      for (let j = 0; j < D; j++) {
        normalized[row + j] = (input[row + j]! - mu) * inv;
        const scaled = params[scaleOffset + j]! * normalized[row + j]!;
        output[row + j] = biasOffset < 0 ? scaled : scaled + params[biasOffset + j]!;
      }
    }
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number, params: Float32Array, grads: Float32Array, needInputGradient: boolean): void {
    const { features: D, scaleOffset, biasOffset, normalized, inputGradient, scaleSums, biasSums } = this;
    const rows = n * this.rows;
    scaleSums.fill(0);
    biasSums.fill(0);
    for (let r = 0; r < rows; r++) {
      const row = r * D;
      for (let j = 0; j < D; j++) {
        scaleSums[j] = scaleSums[j]! + outputGradient[row + j]! * normalized[row + j]!;
        biasSums[j] = biasSums[j]! + outputGradient[row + j]!;
      }
    }
    grads.set(scaleSums, scaleOffset);
    if (biasOffset >= 0) grads.set(biasSums, biasOffset);
    if (!needInputGradient) return;
    for (let r = 0; r < rows; r++) {
      const row = r * D;
      let a = 0;
      let b = 0;
      for (let j = 0; j < D; j++) {
        const g = params[scaleOffset + j]! * outputGradient[row + j]!;
        a += g;
        b += g * normalized[row + j]!;
      }
      const k = this.inverses[r]! / D;
      for (let j = 0; j < D; j++) {
        const g = params[scaleOffset + j]! * outputGradient[row + j]!;
        inputGradient[row + j] = k * ((D * g - a) - normalized[row + j]! * b);
      }
    }
  }
}
