import { cosF64 } from "./deterministicMath.ts";

/**
 * A learning-rate schedule (docs/training.md §6); without one, `learningRateDecay` decays η per epoch.
 * `step`: η·γ^⌊e/k⌋ (PyTorch's StepLR). `cosine`: linear warm-up from 0 over W steps, then a
 * half cosine from η down to η_min at step T (Hugging Face's cosine schedule with warm-up and a floor).
 */
export type LearningRateSchedule =
  | { type: "step"; everyEpochs: number; gamma: number }
  | { type: "cosine"; warmupSteps: number; totalSteps: number; minLearningRate: number };

/** What every optimizer has; numbers already parsed to their binary32 values. */
type OptimizerCommon = {
  learningRate: number;
  /** Per-epoch factor γ when there is no schedule (1 with a schedule). */
  learningRateDecay: number;
  weightDecay: number;
  schedule?: LearningRateSchedule;
  /** The bound C of the gradient's global L2 norm (PyTorch's clip_grad_norm_); absent: no clipping. */
  clipNorm?: number;
};

/** Optimizer hyper-parameters: SGD, Adam (L2 weight decay in the gradient) or AdamW (decoupled weight decay). */
export type OptimizerConfig = OptimizerCommon &
  ({ type: "sgd"; momentum: number } | { type: "adam" | "adamw"; beta1: number; beta2: number; epsilon: number });

/** Where a step is in the job: the schedule's inputs. */
export type SchedulePosition = {
  /** Optimizer steps of the job before this one (the schedule's t). */
  step: number;
  /** The epoch the step belongs to. */
  epoch: number;
};

/** The binary64 product ((1·γ)·γ)… of n factors γ (never pow). */
export function power(gamma: number, n: number): number {
  let factor = 1;
  for (let i = 0; i < n; i++) factor *= gamma;
  return factor;
}

/**
 * The learning rate of a step, rounded to binary32 (docs/training.md §6). Without a schedule
 * η_e = fround(η·γ^e) with γ = learningRateDecay (γ = 1 keeps η constant); `step`:
 * fround(η·γ^⌊e/k⌋); `cosine`: fround(η·(t/W)) for t < W, else with p = min(1, (t − W)/(T − W))
 * fround(η_min + (η − η_min)·(0.5·(1 + cosF64(π·p)))). Every power is a repeated product.
 *
 * @example
 * learningRateAt({ ...config, learningRate: 0.001, learningRateDecay: 0.5 }, { step: 0, epoch: 2 }); // fround(0.00025)
 */
export function learningRateAt(config: OptimizerConfig, { step, epoch }: SchedulePosition): number {
  const { learningRate, schedule } = config;
  if (schedule === undefined) return Math.fround(learningRate * power(config.learningRateDecay, epoch));
  if (schedule.type === "step") return Math.fround(learningRate * power(schedule.gamma, Math.floor(epoch / schedule.everyEpochs)));
  const { warmupSteps, totalSteps, minLearningRate } = schedule;
  if (step < warmupSteps) return Math.fround(learningRate * (step / warmupSteps));
  const progress = Math.min(1, (step - warmupSteps) / (totalSteps - warmupSteps));
  return Math.fround(minLearningRate + (learningRate - minLearningRate) * (0.5 * (1 + cosF64(Math.PI * progress))));
}

/** Number of binary32 state vectors (each as long as the parameters) the optimizer keeps. */
export function optimizerStateVectors(config: OptimizerConfig): number {
  return config.type === "sgd" ? 1 : 2;
}

/** PyTorch's clip_grad_norm_ adds this to the norm before dividing. */
export const CLIP_EPSILON = 1e-6;
