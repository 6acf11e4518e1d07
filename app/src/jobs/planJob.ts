import { maxUint32, maxUint96 } from "viem";
import { checkSplitsFit } from "../../../keepers/src/jobs/checkSplitsFit.ts";
import { defaultJobSpec } from "../../../keepers/src/jobs/defaultJobSpec.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { contentId, RAW_CODEC } from "../../../keepers/src/training/contentId.ts";
import type { ModelTemplateName } from "../../../keepers/src/training/modelTemplates.ts";
import { validateJobSpec, type JobSpec } from "../../../keepers/src/training/jobSpec.ts";
import { parseAmount } from "../ui/parseAmount.ts";

/** The post-a-job form as typed (every field a string). */
export type PostJobForm = {
  datasetId: string;
  /** A model template (`MODEL_TEMPLATES`) or an uploaded file. */
  model: ModelTemplateName | "upload";
  epochs: string;
  trainImages: string;
  testImages: string;
  seed: string;
  batchSize: string;
  learningRate: string;
  checkpointInterval: string;
  reward: string;
  minStake: string;
  biddingPeriod: string;
  executionPeriod: string;
  challengeWindow: string;
};

/** What the form is checked against: the dataset's sizes, the uploaded model, the chain's limits, the wallet. */
export type PlanJobContext = {
  /** Images in the chosen dataset's train and test splits (its manifest), or why they are unknown. */
  sizes: { train: number; test: number } | { error: string } | undefined;
  /** The uploaded ONNX file and, if the check refused it, why. */
  upload?: { bytes: Uint8Array; error?: string } | undefined;
  /** JobRegistry's `maxChallengeWindow()`. */
  maxChallengeWindow: number;
  /** The wallet's token balance (the reward is escrowed from it). */
  balance: bigint;
};

/** A job ready to store and post: its spec, its model file and the on-chain order (without the spec digest). */
export type JobPlan = {
  spec: JobSpec;
  modelBytes: Uint8Array;
  order: { datasetId: bigint; reward: bigint; minStake: bigint; biddingPeriod: number; executionPeriod: number; challengeWindow: number };
};

/** Form field → what is wrong with it. */
export type PlanErrors = Partial<Record<keyof PostJobForm, string>>;

// A spec rule's field (validateJobSpec's `details.field`) → the form field that sets it.
const SPEC_FIELDS: Record<string, keyof PostJobForm> = {
  epochs: "epochs",
  seed: "seed",
  batchSize: "batchSize",
  microBatches: "batchSize",
  checkpointInterval: "checkpointInterval",
  "optimizer.learningRate": "learningRate",
  model: "model",
};

function integer(text: string, what: string, min: number, max: number): { value?: number; error?: string } {
  if (!/^\d+$/.test(text.trim())) return { error: `Enter ${what} as a whole number.` };
  const value = Number(text.trim());
  if (value < min || value > max) return { error: `${what[0]!.toUpperCase()}${what.slice(1)} must be from ${min} to ${max.toLocaleString("en")}.` };
  return { value };
}

/**
 * Checks every field of the post-a-job form before anything is stored or signed, and builds the
 * job: the CLI's LeNet-5 recipe (`defaultJobSpec`, in the form of the chosen template) sized by the dataset, or the uploaded model in
 * its place; the spec is checked by the engine's rules (`validateJobSpec`) and against the
 * dataset (`checkSplitsFit`); the order by JobRegistry's rules (periods > 0, the challenge window
 * within `maxChallengeWindow`) and the wallet's balance. Returns the plan, or one message per
 * wrong field.
 *
 * @example
 * const { plan, errors } = planJob(form, { sizes, maxChallengeWindow: 86400, balance });
 */
export function planJob(form: PostJobForm, { sizes, upload, maxChallengeWindow, balance }: PlanJobContext): { plan?: JobPlan; errors: PlanErrors } {
  const errors: PlanErrors = {};
  const check = <T>(field: keyof PostJobForm, result: { value?: T; error?: string }): T | undefined => {
    if (result.error !== undefined) errors[field] = result.error;
    return result.value;
  };
  const datasetId = /^\d+$/.test(form.datasetId) ? BigInt(form.datasetId) : undefined;
  if (datasetId === undefined) errors.datasetId = "Choose an active dataset.";
  else if (sizes !== undefined && "error" in sizes) errors.datasetId = sizes.error;
  let modelBytes: Uint8Array | undefined;
  if (form.model === "upload") {
    if (upload === undefined) errors.model = "Choose an ONNX file, or use the LeNet-5 template.";
    else if (upload.error !== undefined) errors.model = upload.error;
    else modelBytes = upload.bytes;
  }
  const epochs = check("epochs", integer(form.epochs, "the number of epochs", 1, 10000));
  const trainImages = check("trainImages", integer(form.trainImages, "the number of training images", 2, 60000));
  const testImages = check("testImages", integer(form.testImages, "the number of test images", 1, 10000));
  const seed = check("seed", integer(form.seed, "the seed", 0, Number.MAX_SAFE_INTEGER));
  const batchSize = check("batchSize", integer(form.batchSize, "the batch size", 1, 60000));
  const checkpointInterval = check("checkpointInterval", integer(form.checkpointInterval, "the checkpoint interval", 1, 1_000_000));
  if (!/^(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(form.learningRate.trim()) || !(Number(form.learningRate) > 0)) errors.learningRate = "Enter a positive decimal learning rate, e.g. 0.001.";
  const reward = check("reward", parseAmount(form.reward, balance));
  if (reward !== undefined && reward > maxUint96) errors.reward = "The reward is too large for the contract (uint96).";
  const minStake = check("minStake", parseAmount(form.minStake));
  if (minStake !== undefined && minStake > maxUint96) errors.minStake = "The minimum stake is too large for the contract (uint96).";
  const seconds = Number(maxUint32);
  const biddingPeriod = check("biddingPeriod", integer(form.biddingPeriod, "the bidding period in seconds", 1, seconds));
  const executionPeriod = check("executionPeriod", integer(form.executionPeriod, "the execution period in seconds", 1, seconds));
  const challengeWindow = check("challengeWindow", integer(form.challengeWindow, "the challenge window in seconds", 1, maxChallengeWindow));

  if (sizes === undefined || "error" in sizes || epochs === undefined || trainImages === undefined || testImages === undefined || seed === undefined || batchSize === undefined || checkpointInterval === undefined || errors.learningRate !== undefined) {
    return { errors };
  }
  let spec: JobSpec;
  try {
    const template = form.model === "upload" ? undefined : form.model;
    const recipe = defaultJobSpec({ sizes, trainImages, testImages, seed, template, epochs, batchSize, learningRate: form.learningRate.trim(), checkpointInterval });
    spec = modelBytes === undefined ? recipe.spec : { ...recipe.spec, model: contentId({ bytes: modelBytes, codec: RAW_CODEC }) };
    modelBytes ??= recipe.modelBytes;
    const splits = spec.dataset.splits;
    if (splits.train.end - splits.train.start < trainImages) errors.trainImages = `Dataset ${datasetId} has room for ${splits.train.end - splits.train.start} training images (${splits.validation.end - splits.validation.start} more validate).`;
    if (splits.test.end - splits.test.start < testImages) errors.testImages = `Dataset ${datasetId} has ${sizes.test} test images.`;
    if (spec.batchSize < batchSize) errors.batchSize = `The batch size must be at most the ${spec.batchSize} training images.`;
    validateJobSpec(spec);
    checkSplitsFit(spec.dataset.splits, sizes);
  } catch (error) {
    if (!(error instanceof VeritrainError)) throw error;
    const field = typeof error.details.field === "string" ? SPEC_FIELDS[error.details.field] : undefined;
    const split = typeof error.details.split === "string" || String(error.details.field ?? "").startsWith("dataset.") ? (String(error.details.split ?? error.details.field).includes("test") ? "testImages" : "trainImages") : undefined;
    errors[field ?? split ?? "datasetId"] = `${error.message[0]!.toUpperCase()}${error.message.slice(1)}.`;
    return { errors };
  }
  if (Object.keys(errors).length > 0 || datasetId === undefined || reward === undefined || minStake === undefined || biddingPeriod === undefined || executionPeriod === undefined || challengeWindow === undefined) return { errors };
  return { plan: { spec, modelBytes, order: { datasetId, reward, minStake, biddingPeriod, executionPeriod, challengeWindow } }, errors };
}
