import { VeritrainError } from "../errors.ts";
import { validateRoundJobSpec, type DistributedSpec, type RoundJobSpec } from "../rounds/roundJobSpec.ts";
import { contentId, RAW_CODEC } from "../training/contentId.ts";
import { ENGINE_VERSION, type JobSpec } from "../training/jobSpec.ts";
import { MODEL_TEMPLATES, type ModelTemplateName } from "../training/modelTemplates.ts";

/** Parameters of {@link defaultJobSpec}. */
export type DefaultJobSpecParameters = {
  /** Images in the dataset's train and test splits. */
  sizes: { train: number; test: number };
  /** Training images wanted (fewer if the dataset is smaller). @default 1000 */
  trainImages?: number;
  /** Test images for the metric (fewer if the dataset is smaller). @default 500 */
  testImages?: number;
  /** Seeds the model's initial weights and the data order. @default 1 */
  seed?: number;
  /** The model (`MODEL_TEMPLATES`): a form of LeNet-5 or the residual CNN. @default "lenet5" */
  template?: ModelTemplateName;
  /** @default 1 */
  epochs?: number;
  /** @default 20 */
  batchSize?: number;
  /** Adam's learning rate, a decimal string. @default "0.001" */
  learningRate?: string;
  /** Factor applied to the learning rate after each epoch, a decimal string (the spec's `learningRateDecay`). @default "1" */
  learningRateDecay?: string;
  /** Steps between checkpoints. @default 5 */
  checkpointInterval?: number;
};

/**
 * A small job on a dataset's MNIST splits (LeNet-5 unless `template` names another model), sized for a devnet: train on the first
 * `trainImages` training images, validate on the next (up to 100), measure accuracy on the first
 * `testImages` test images; Adam (learning rate 0.001 unless given, times `learningRateDecay` after each epoch), 2 micro-batches per batch. Returns the spec
 * and the model file it names (`template`'s He-uniform initial weights from `seed`).
 *
 * @throws VeritrainError `JOB_DATASET_MISMATCH` if the dataset has fewer than 2 training or 1 test images.
 * @example
 * const { spec, modelBytes } = defaultJobSpec({ sizes: { train: 500, test: 500 } });
 */
export function defaultJobSpec({ sizes, trainImages = 1000, testImages = 500, seed = 1, template = "lenet5", epochs = 1, batchSize = 20, learningRate = "0.001", learningRateDecay = "1", checkpointInterval = 5 }: DefaultJobSpecParameters): { spec: JobSpec; modelBytes: Uint8Array } {
  if (sizes.train < 2 || sizes.test < 1) {
    throw new VeritrainError(`the dataset has ${sizes.train} training and ${sizes.test} test images; a job needs at least 2 and 1`, {
      code: "JOB_DATASET_MISMATCH",
      details: sizes,
    });
  }
  const validationCount = Math.max(1, Math.min(100, Math.floor(sizes.train / 10)));
  const trainEnd = Math.min(trainImages, sizes.train - validationCount);
  const modelBytes = MODEL_TEMPLATES[template].create(BigInt(seed));
  const spec: JobSpec = {
    engineVersion: ENGINE_VERSION,
    model: contentId({ bytes: modelBytes, codec: RAW_CODEC }),
    dataset: {
      id: "mnist",
      splits: {
        train: { source: "train", start: 0, end: trainEnd },
        validation: { source: "train", start: trainEnd, end: trainEnd + validationCount },
        test: { source: "test", start: 0, end: Math.min(testImages, sizes.test) },
      },
    },
    optimizer: { type: "adam", learningRate, learningRateDecay, beta1: "0.9", beta2: "0.999", epsilon: "1e-8", weightDecay: "0" },
    seed,
    epochs,
    batchSize: Math.min(batchSize, trainEnd),
    microBatches: Math.min(batchSize, trainEnd) % 2 === 0 ? 2 : 1,
    checkpointInterval,
    metric: "accuracy",
  };
  return { spec, modelBytes };
}

/** Parameters of {@link defaultRoundJobSpec}: the single job's recipe (no epochs, no checkpoints) and the rounds. */
export type DefaultRoundJobSpecParameters = Omit<DefaultJobSpecParameters, "epochs" | "checkpointInterval"> & {
  distributed: Pick<DistributedSpec, "slots" | "rounds" | "localSteps"> & Partial<DistributedSpec>;
  /** A private-data job: each owner's examples, DP-SGD's target ε (none: no DP), and secure aggregation's clip or "none". */
  privateData?: { examples: number; targetEpsilon?: string; secureClip: string | "none" };
};

/** A private-data default job's batch: one example per micro-batch (DP-SGD clips each example's gradient). */
const PRIVATE_BATCH = 16;

/**
 * {@link defaultJobSpec}'s LeNet-5 job as a distributed one: the train split cut into
 * `distributed.slots` parts, FedAvg added to the global model (outer η = 1, μ = 0) without
 * compression, a slot found wrong dropped and the job going on, unless `distributed` says otherwise. With
 * `privateData`, a private-data job: no train split (the owners hold `examples` each), Adam at 0.01 in batches of
 * 16 single-example micro-batches, DP-SGD at `targetEpsilon` (δ = 10⁻⁵, C = 1) if given, and secure aggregation
 * clipping updates to ±`secureClip` unless it is "none".
 *
 * @throws VeritrainError `JOB_DATASET_MISMATCH`, or `JOB_SPEC_INVALID` (e.g. a batch larger than a slot's part).
 * @example
 * const { spec, modelBytes } = defaultRoundJobSpec({ sizes, trainImages: 4000, distributed: { slots: 4, rounds: 3, localSteps: 20 } });
 */
export function defaultRoundJobSpec({ distributed, privateData, ...recipe }: DefaultRoundJobSpecParameters): { spec: RoundJobSpec; modelBytes: Uint8Array } {
  const { spec: single, modelBytes } = defaultJobSpec(privateData === undefined ? recipe : { learningRate: "0.01", ...recipe });
  const { epochs: _epochs, checkpointInterval: _checkpointInterval, ...fields } = single;
  const spec: RoundJobSpec = { ...fields, distributed: { aggregation: { rule: "fedavg" }, outer: { learningRate: "1", momentum: "0" }, compression: "none", onFault: "continue", ...distributed } };
  if (privateData !== undefined) {
    const { train: _train, ...splits } = spec.dataset.splits;
    Object.assign(spec, {
      dataset: { ...spec.dataset, splits },
      batchSize: Math.min(PRIVATE_BATCH, privateData.examples),
      microBatches: Math.min(PRIVATE_BATCH, privateData.examples),
      ...(privateData.targetEpsilon === undefined ? {} : { privacy: { targetEpsilon: privateData.targetEpsilon, delta: "1e-5", clipNorm: "1" } }),
    });
    spec.distributed.private = { examples: privateData.examples, secureAggregation: privateData.secureClip === "none" ? "none" : { clip: privateData.secureClip } };
  }
  validateRoundJobSpec(spec);
  return { spec, modelBytes };
}
