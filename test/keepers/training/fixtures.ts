import assert from "node:assert/strict";
import { contentId, RAW_CODEC } from "../../../keepers/src/training/contentId.ts";
import { ENGINE_VERSION, STANDARD_MNIST_SPLITS, type JobSpec } from "../../../keepers/src/training/jobSpec.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { loadMnist, type MnistSources } from "../../../keepers/src/training/mnist.ts";
import { Network } from "../../../keepers/src/training/network.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import { PIXEL_TO_FLOAT } from "../../../keepers/src/training/pixelValues.ts";
import { PRNG_DOMAIN, SplitMix64 } from "../../../keepers/src/training/prng.ts";
import { prepareJob, type PreparedJob } from "../../../keepers/src/training/preparedJob.ts";
import { trainJob, type TrainJobResult } from "../../../keepers/src/training/trainJob.ts";

let mnist: MnistSources | undefined;

/** MNIST, loaded once per test process. */
export function mnistSources(): MnistSources {
  mnist ??= loadMnist();
  return mnist;
}

/** Parameters of {@link smallJobSpec}. */
export type SmallJobParameters = {
  modelBytes: Uint8Array;
  /** Training examples: the first `trainCount` of MNIST's training file. */
  trainCount: number;
  batchSize?: number;
  microBatches?: number;
  checkpointInterval?: number;
  epochs?: number;
  /** adamw: AdamW with the cosine schedule (1 warm-up step of 4) and a gradient-norm bound that clips LeNet-5's first steps. */
  optimizer?: "sgd" | "adam" | "adamw";
};

const OPTIMIZER_SPECS: Readonly<Record<NonNullable<SmallJobParameters["optimizer"]>, JobSpec["optimizer"]>> = {
  sgd: { type: "sgd", learningRate: "0.05", learningRateDecay: "1", momentum: "0.9", weightDecay: "0.0001" },
  adam: { type: "adam", learningRate: "0.001", learningRateDecay: "0.5", beta1: "0.9", beta2: "0.999", epsilon: "1e-8", weightDecay: "0" },
  adamw: {
    type: "adamw", learningRate: "0.001", learningRateDecay: "1", beta1: "0.9", beta2: "0.999", epsilon: "1e-8", weightDecay: "0.01",
    schedule: { type: "cosine", warmupSteps: 1, totalSteps: 4, minLearningRate: "0.0001" }, clipNorm: "0.05",
  },
};

/** A short job over the first examples of MNIST (validation 55000–60000, test 0–10000). */
export function smallJobSpec(p: SmallJobParameters): JobSpec {
  return {
    engineVersion: ENGINE_VERSION,
    model: contentId({ bytes: p.modelBytes, codec: RAW_CODEC }),
    dataset: {
      id: "mnist",
      splits: { ...STANDARD_MNIST_SPLITS, train: { source: "train", start: 0, end: p.trainCount } },
    },
    optimizer: OPTIMIZER_SPECS[p.optimizer ?? "adam"],
    seed: 7,
    epochs: p.epochs ?? 1,
    batchSize: p.batchSize ?? 32,
    microBatches: p.microBatches ?? 4,
    checkpointInterval: p.checkpointInterval ?? 2,
    metric: "accuracy",
  };
}

/** {@link smallJobSpec} with LeNet-5 (seed 1) and MNIST, prepared. */
export function smallJob(p: Omit<SmallJobParameters, "modelBytes"> & { modelBytes?: Uint8Array }): PreparedJob {
  const modelBytes = p.modelBytes ?? createLeNet5Onnx({ seed: 1n });
  return prepareJob({ spec: smallJobSpec({ ...p, modelBytes }), modelBytes, sources: mnistSources() });
}

/** One sampled parameter of {@link gradientCheck}: the engine's gradient and the central finite difference of the loss. */
export type GradientSample = { index: number; analytic: number; numeric: number };

/**
 * The engine's gradient of `modelBytes` (training mode, Dropout's masks of seed 7, step 0) on MNIST's first 4 training images against
 * central finite differences of its loss (h = 0.001 on the binary32 parameter), at 4 parameters drawn
 * from each tensor that has a gradient (not BatchNorm's running statistics).
 */
export function gradientCheck(modelBytes: Uint8Array): GradientSample[] {
  const { definition, params } = importOnnxModel(modelBytes);
  const n = 4;
  const network = new Network({ model: definition, maxExamples: n });
  const { train } = mnistSources();
  network.loadExamples({ pixels: train.pixels, labels: train.labels, indices: [0, 1, 2, 3], pixelValues: PIXEL_TO_FLOAT });
  const grads = new Float32Array(params.length);
  const scratch = new Float32Array(params.length);
  const dropout = { seed: 7n, step: 0, position: 0 }; // one fixed mask for a model with Dropout
  network.gradient({ params, grads, n, batchSize: n, dropout });
  const loss = (p: Float32Array) => network.gradient({ params: p, grads: scratch, n, batchSize: n, dropout }).lossSum / n;
  const rng = SplitMix64.keyed({ seed: 11n, domain: PRNG_DOMAIN.init, index: 0n });
  const sampled = definition.parameters.filter((tensor) => tensor.statistic === undefined).flatMap((tensor) => Array.from({ length: 4 }, () => tensor.offset + Math.floor(rng.nextUnit() * tensor.size)));
  return sampled.map((index) => {
    const probe = Float32Array.from(params);
    probe[index] = params[index]! + 1e-3;
    const [plus, up] = [probe[index]!, loss(probe)];
    probe[index] = params[index]! - 1e-3;
    const [minus, down] = [probe[index]!, loss(probe)];
    return { index, analytic: grads[index]!, numeric: (up - down) / (plus - minus) };
  });
}

/**
 * Trains `modelBytes` on 128 MNIST images (batch 32 = 4 micro-batches, 2 epochs, a checkpoint every
 * 2 steps) on 1, 2 and 3 threads, asserts the three runs' checkpoint hashes are equal and each
 * differs from the one before, and returns the job and the 1-thread run.
 */
export async function assertThreadIdentity(modelBytes: Uint8Array): Promise<{ job: PreparedJob; run: TrainJobResult }> {
  const job = smallJob({ modelBytes, trainCount: 128, batchSize: 32, microBatches: 4, checkpointInterval: 2, epochs: 2 });
  const [one, two, three] = [await trainJob({ job, threads: 1 }), await trainJob({ job, threads: 2 }), await trainJob({ job, threads: 3 })];
  assert.equal(new Set(one.hashes).size, one.hashes.length, "every checkpoint differs from the previous one");
  assert.deepEqual(two.hashes, one.hashes, "2 threads");
  assert.deepEqual(three.hashes, one.hashes, "3 threads");
  return { job, run: one };
}
