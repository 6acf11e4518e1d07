import type { Layer } from "./layer.ts";
import type { BatchNormLayerDefinition, ParameterTensor } from "./modelDefinition.ts";

/** Parameters of the {@link BatchNorm} constructor. */
export type BatchNormParameters = {
  definition: BatchNormLayerDefinition;
  /** Per-example input shape: [C, H, W] (CNHW activations) or [F] ([example][feature]). */
  inputShape: number[];
  maxExamples: number;
  parameters: ParameterTensor[];
};

/**
 * BatchNormalization (docs/training.md §4). A channel's values in a micro-batch of n examples are
 * `count` = n·H·W (or n) values, visited in index order j: examples in order, then positions row by
 * row. Training: μ = (Σ x) / count and q = Σ (x − μ)² in binary64 from +0; inv = 1 / √(q / count + ε);
 * x̂ = fround((x − μ)·inv) is kept for backward; y = fround(γ·x̂ + β). Evaluation: a = γ / √(σ²_run + ε),
 * y = fround((x − μ_run)·a + β). Backward: dβ = Σ dy, dγ = Σ dy·x̂ (binary64, index order, each
 * rounded once into its gradient slot), dx = fround(((γ·inv) / count)·((count·dy − dβ) − x̂·dγ)) with
 * the unrounded sums; the running mean's slot receives fround(μ) and the running variance's
 * fround(q / (count − 1)), which the optimizer averages over the micro-batches (§6).
 */
export class BatchNorm implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly definition: BatchNormLayerDefinition;
  private readonly offsets: { scale: number; bias: number; mean: number; variance: number };
  /** Positions per example and channel: H·W, or 1 for features. */
  private readonly plane: number;
  private readonly normalized: Float32Array;
  private readonly means: Float64Array;
  private readonly squares: Float64Array;
  private readonly inverses: Float64Array;

  constructor({ definition, inputShape, maxExamples, parameters }: BatchNormParameters) {
    const width = inputShape.reduce((a, b) => a * b, 1);
    this.definition = definition;
    this.outputShape = inputShape;
    this.plane = definition.positions;
    this.offsets = {
      scale: parameters[definition.scale]!.offset,
      bias: parameters[definition.bias]!.offset,
      mean: parameters[definition.mean]!.offset,
      variance: parameters[definition.variance]!.offset,
    };
    this.output = new Float32Array(maxExamples * width);
    this.inputGradient = new Float32Array(maxExamples * width);
    this.normalized = new Float32Array(maxExamples * width);
    this.means = new Float64Array(definition.channels);
    this.squares = new Float64Array(definition.channels);
    this.inverses = new Float64Array(definition.channels);
  }

  /** Where channel c's values start in a micro-batch of n examples, and the stride between them: CNHW planes, or [example][feature]. */
  private layout(c: number, n: number): [start: number, stride: number] {
    return this.plane === 1 ? [c, this.definition.channels] : [c * n * this.plane, 1];
  }

  forward(input: Float32Array, n: number, params: Float32Array, training: boolean): void {
    const { channels, epsilon } = this.definition;
    const { scale, bias, mean, variance } = this.offsets;
    const count = n * this.plane;
    const { output, normalized } = this;
    for (let c = 0; c < channels; c++) {
      const gamma = params[scale + c]!;
      const beta = params[bias + c]!;
      const [start, stride] = this.layout(c, n);
      const end = start + count * stride;
      if (!training) {
        const a = gamma / Math.sqrt(params[variance + c]! + epsilon);
        const mu = params[mean + c]!;
        for (let i = start; i < end; i += stride) output[i] = (input[i]! - mu) * a + beta;
        continue;
      }
      let sum = 0;
      for (let i = start; i < end; i += stride) sum += input[i]!;
      const mu = sum / count;
      let squares = 0;
      for (let i = start; i < end; i += stride) {
        const d = input[i]! - mu;
        squares += d * d;
      }
      const inv = 1 / Math.sqrt(squares / count + epsilon);
      this.means[c] = mu;
      this.squares[c] = squares;
      this.inverses[c] = inv;
      for (let i = start; i < end; i += stride) {
        normalized[i] = (input[i]! - mu) * inv;
        output[i] = gamma * normalized[i]! + beta;
      }
    }
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number, params: Float32Array, grads: Float32Array, needInputGradient: boolean): void {
    const { channels } = this.definition;
    const { scale, bias, mean, variance } = this.offsets;
    const count = n * this.plane;
    const { normalized, inputGradient } = this;
    for (let c = 0; c < channels; c++) {
      const [start, stride] = this.layout(c, n);
      const end = start + count * stride;
      let sumDy = 0;
      let sumDyX = 0;
      for (let i = start; i < end; i += stride) {
        sumDy += outputGradient[i]!;
        sumDyX += outputGradient[i]! * normalized[i]!;
      }
      grads[scale + c] = sumDyX;
      grads[bias + c] = sumDy;
      grads[mean + c] = this.means[c]!;
      grads[variance + c] = this.squares[c]! / (count - 1);
      if (!needInputGradient) continue;
      const k = (params[scale + c]! * this.inverses[c]!) / count;
      for (let i = start; i < end; i += stride) inputGradient[i] = k * ((count * outputGradient[i]! - sumDy) - normalized[i]! * sumDyX);
    }
  }
}
