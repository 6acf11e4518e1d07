import { contentId, RAW_CODEC } from "../../../keepers/src/training/contentId.ts";
import { ENGINE_VERSION, STANDARD_MNIST_SPLITS } from "../../../keepers/src/training/jobSpec.ts";
import type { DistributedSpec, RoundJobSpec } from "../../../keepers/src/rounds/roundJobSpec.ts";

/** Parameters of {@link smallRoundJobSpec}. */
export type SmallRoundJobParameters = {
  modelBytes: Uint8Array;
  /** Training examples: the first `trainCount` of MNIST's training file, cut into the slots' parts. */
  trainCount: number;
  batchSize?: number;
  microBatches?: number;
  distributed: Partial<DistributedSpec> & Pick<DistributedSpec, "slots">;
};

/** A short distributed job over the first examples of MNIST (Adam, validation 55000–60000, test 0–10000). */
export function smallRoundJobSpec(p: SmallRoundJobParameters): RoundJobSpec {
  return {
    engineVersion: ENGINE_VERSION,
    model: contentId({ bytes: p.modelBytes, codec: RAW_CODEC }),
    dataset: { id: "mnist", splits: { ...STANDARD_MNIST_SPLITS, train: { source: "train", start: 0, end: p.trainCount } } },
    optimizer: { type: "adam", learningRate: "0.001", learningRateDecay: "1", beta1: "0.9", beta2: "0.999", epsilon: "1e-8", weightDecay: "0" },
    seed: 11,
    batchSize: p.batchSize ?? 20,
    microBatches: p.microBatches ?? 2,
    metric: "accuracy",
    distributed: { rounds: 2, localSteps: 3, aggregation: { rule: "fedavg" }, outer: { learningRate: "1", momentum: "0" }, compression: "none", onFault: "continue", ...p.distributed },
  };
}
