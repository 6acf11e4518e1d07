import { contentId, RAW_CODEC } from "../../../keepers/src/training/contentId.ts";
import { ENGINE_VERSION, STANDARD_MNIST_SPLITS, type JobSpec } from "../../../keepers/src/training/jobSpec.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { loadMnist, type MnistSources } from "../../../keepers/src/training/mnist.ts";
import { prepareJob, type PreparedJob } from "../../../keepers/src/training/preparedJob.ts";

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
  optimizer?: "sgd" | "adam";
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
    optimizer: p.optimizer === "sgd"
      ? { type: "sgd", learningRate: "0.05", learningRateDecay: "1", momentum: "0.9", weightDecay: "0.0001" }
      : { type: "adam", learningRate: "0.001", learningRateDecay: "0.5", beta1: "0.9", beta2: "0.999", epsilon: "1e-8", weightDecay: "0" },
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
