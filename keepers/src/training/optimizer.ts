import type { ParameterTensor } from "./modelDefinition.ts";

/** Optimizer hyper-parameters, already parsed to their binary32 values. */
export type OptimizerConfig =
  | { type: "sgd"; learningRate: number; learningRateDecay: number; momentum: number; weightDecay: number }
  | {
      type: "adam";
      learningRate: number;
      learningRateDecay: number;
      beta1: number;
      beta2: number;
      epsilon: number;
      weightDecay: number;
    };

/**
 * The learning rate of epoch e: η_e = fround(η·γ^e), γ^e the binary64 product ((1·γ)·γ)… of e
 * factors γ = learningRateDecay (never pow). γ = 1 keeps η constant.
 *
 * @example
 * learningRateAt({ ...config, learningRate: 0.001, learningRateDecay: 0.5 }, 2); // fround(0.00025)
 */
export function learningRateAt(config: OptimizerConfig, epoch: number): number {
  let factor = 1;
  for (let e = 0; e < epoch; e++) factor *= config.learningRateDecay;
  return Math.fround(config.learningRate * factor);
}

/** Number of binary32 state vectors (each as long as the parameters) the optimizer keeps. */
export function optimizerStateVectors(config: OptimizerConfig): number {
  return config.type === "sgd" ? 1 : 2;
}

/** Parameters of {@link applyOptimizerStep}. */
export type ApplyOptimizerStepParameters = {
  config: OptimizerConfig;
  params: Float32Array;
  /** SGD: [velocity]; Adam: [m, v]; each as long as `params`. */
  state: Float32Array[];
  /** Micro-batch gradients, `microBatches` vectors of `params.length` back to back. */
  gradients: Float32Array;
  microBatches: number;
  /** Optimizer steps already applied to `state` since it was zeroed (0 for the first step). */
  step: number;
  /** The epoch this step belongs to (selects the learning rate). */
  epoch: number;
  /** The model's parameter tensors: those with a `statistic` (BatchNorm's running ones) are averaged, not optimized. */
  tensors?: readonly ParameterTensor[];
};

/**
 * Reduces the micro-batch gradients and applies one optimizer step, element by element:
 * g = fround(((g₀ + g₁) + …) + g_{M−1}) (binary64, micro-batch order), then with weight decay
 * λ: g' = g + λ·w (binary64, not rounded).
 *
 * η is {@link learningRateAt} of the step's epoch.
 * SGD (PyTorch convention): v ← fround(μ·v + g'); w ← fround(w − η·v).
 * Adam: m ← fround(β₁·m + (1 − β₁)·g'); v ← fround(β₂·v + (1 − β₂)·g'·g');
 * w ← fround(w − η·(m / c₁) / (√(v / c₂) + ε)) with c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ, t = step + 1
 * and βᵗ the binary64 product of t factors β (computed by repeated multiplication, never pow).
 * A statistic tensor (BatchNorm's running mean or variance, momentum α) takes no optimizer step and
 * keeps its optimizer state: r ← fround(α·r + (1 − α)·(s / M)), s the binary64 sum of its slots.
 */
export function applyOptimizerStep(p: ApplyOptimizerStepParameters): void {
  const { params, gradients, microBatches, tensors = [] } = p;
  const size = params.length;
  let from = 0;
  for (const tensor of tensors) {
    if (tensor.statistic === undefined) continue;
    optimize(p, from, tensor.offset);
    const alpha = tensor.statistic.momentum;
    for (let i = tensor.offset; i < tensor.offset + tensor.size; i++) {
      params[i] = alpha * params[i]! + (1 - alpha) * (reduce(gradients, microBatches, size, i) / microBatches);
    }
    from = tensor.offset + tensor.size;
  }
  optimize(p, from, size);
}

/** The optimizer step of parameters [from, to). */
function optimize(p: ApplyOptimizerStepParameters, from: number, to: number): void {
  const { config, params, state, gradients, microBatches, step, epoch } = p;
  const size = params.length;
  const decay = config.weightDecay;
  const lr = learningRateAt(config, epoch);
  if (config.type === "sgd") {
    const velocity = state[0]!;
    const mu = config.momentum;
    for (let i = from; i < to; i++) {
      const g = Math.fround(reduce(gradients, microBatches, size, i)) + decay * params[i]!;
      const v = mu * velocity[i]! + g;
      velocity[i] = v;
      params[i] = params[i]! - lr * velocity[i]!;
    }
    return;
  }
  const { beta1, beta2, epsilon } = config;
  let power1 = 1;
  let power2 = 1;
  for (let t = 0; t <= step; t++) {
    power1 *= beta1;
    power2 *= beta2;
  }
  const correction1 = 1 - power1;
  const correction2 = 1 - power2;
  const m = state[0]!;
  const v = state[1]!;
  for (let i = from; i < to; i++) {
    const g = Math.fround(reduce(gradients, microBatches, size, i)) + decay * params[i]!;
    m[i] = beta1 * m[i]! + (1 - beta1) * g;
    v[i] = beta2 * v[i]! + (1 - beta2) * g * g;
    params[i] = params[i]! - (lr * (m[i]! / correction1)) / (Math.sqrt(v[i]! / correction2) + epsilon);
  }
}

/** Σ over micro-batches of element i, binary64, in micro-batch order. */
function reduce(gradients: Float32Array, microBatches: number, size: number, i: number): number {
  let sum = gradients[i]!;
  for (let b = 1; b < microBatches; b++) sum += gradients[b * size + i]!;
  return sum;
}
