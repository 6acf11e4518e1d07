import { VeritrainError } from "../errors.ts";
import { canonicalJson, type CanonicalJsonValue } from "./canonicalJson.ts";
import { contentId, JSON_CODEC } from "./contentId.ts";
import type { PrivacyConfig } from "../privacy/dpSgd.ts";
import { noiseMultiplierForTarget } from "../privacy/noiseMultiplierForTarget.ts";
import type { LearningRateSchedule, OptimizerConfig } from "./optimizer.ts";

/**
 * The engine versions the engine implements (docs/training.md); a job names the version it must run on.
 * Version 2 is the training VM's: the random-access data order, the word-tree checkpoint hash, canonical NaNs.
 */
export const ENGINE_VERSIONS = ["veritrain-train/1", "veritrain-train/2"] as const;

/** One of {@link ENGINE_VERSIONS}. */
export type EngineVersion = (typeof ENGINE_VERSIONS)[number];

/** The version new jobs name. */
export const ENGINE_VERSION: EngineVersion = "veritrain-train/2";

/** A contiguous range [start, end) of one source file of the dataset. */
/**
 * Examples `start` … `end − 1` of a source; with `labels` (a single-provider job's splits only), just those whose label is
 * listed, in index order (docs/training.md §3, "Splits").
 */
export type SplitRange = { source: "train" | "test"; start: number; end: number; labels?: number[] };

/** A learning-rate schedule as a spec states it (docs/training.md §6, §9). */
export type ScheduleSpec =
  | { type: "step"; everyEpochs: number; gamma: string }
  | { type: "cosine"; warmupSteps: number; totalSteps: number; minLearningRate: string };

/** What every optimizer spec may add: a schedule (then `learningRateDecay` is "1") and a gradient norm bound. */
type OptimizerOptions = { schedule?: ScheduleSpec; clipNorm?: string };

/** SGD with momentum; decimal strings are parsed to binary32 (see {@link parseDecimal32}). */
export type SgdSpec = OptimizerOptions & { type: "sgd"; learningRate: string; learningRateDecay: string; momentum: string; weightDecay: string };

/** Adam (weight decay added to the gradient) or AdamW (decoupled weight decay); decimal strings are parsed to binary32. */
export type AdamSpec = OptimizerOptions & {
  type: "adam" | "adamw";
  learningRate: string;
  /** Per-epoch factor γ: epoch e uses learningRate·γ^e ("1" = constant). */
  learningRateDecay: string;
  beta1: string;
  beta2: string;
  epsilon: string;
  weightDecay: string;
};

/** The splits of the job's dataset a spec names. */
export type DatasetSplits = { train: SplitRange; validation: SplitRange; test: SplitRange };

/** A spec's splits when the train split may be absent: a private-data job's owners hold its examples. */
export type OwnedSplits = Omit<DatasetSplits, "train"> & { train?: SplitRange };

/** The fields every job spec has (see {@link COMMON_SPEC_FIELDS}). */
export type SpecFields<Splits extends OwnedSplits = DatasetSplits> = {
  engineVersion: EngineVersion;
  /** CIDv1 (raw codec 0x55, sha2-256) of the ONNX model file: architecture + initial weights. */
  model: string;
  dataset: { id: "mnist"; splits: Splits };
  optimizer: SgdSpec | AdamSpec;
  /** Unsigned integer ≤ 2^53 − 1; seeds the data order. */
  seed: number;
  batchSize: number;
  /** Fixed number of micro-batches per batch; part of the summation order. */
  microBatches: number;
  metric: "accuracy";
};

/**
 * DP-SGD (docs/training.md §6a), as a spec states it: the engine derives σ for the target (ε, δ)
 * with the RDP accountant, or the spec is refused.
 */
export type PrivacySpec = { targetEpsilon: string; delta: string; clipNorm: string };

/**
 * qLoRA fine-tuning (docs/training.md §6b), as a spec states it: the model's `targets` weights (MatMul or
 * Gemm initializers) are frozen in NF4 with adapters of rank `rank` scaled by α/rank; every other tensor is frozen.
 */
export type FinetuneSpec = { method: "qlora"; rank: number; alpha: string; targets: string[] };

/** {@link FinetuneSpec} parsed: α as its binary32 value. */
export type FinetuneConfig = { method: "qlora"; rank: number; alpha: number; targets: string[] };

/** A single-provider training job, as posted (and content-addressed) by its requester. */
export type JobSpec = SpecFields & {
  epochs: number;
  /** Steps between checkpoints. */
  checkpointInterval: number;
  /** Differentially private training; absent: plain training. */
  privacy?: PrivacySpec;
  /** qLoRA fine-tuning of the model; absent: every parameter trains. */
  finetune?: FinetuneSpec;
};

/** What every optimizer step depends on besides the data: the part of a spec the Trainer reads. */
export type StepConfig = {
  /** Picks the data order (docs/training.md §3) and the checkpoint hash (§8). */
  engineVersion: EngineVersion;
  seed: bigint;
  batchSize: number;
  microBatches: number;
  optimizer: OptimizerConfig;
  /** DP-SGD with the derived σ; absent: plain training. */
  privacy?: PrivacyConfig;
  /** qLoRA fine-tuning; absent: every parameter trains. */
  finetune?: FinetuneConfig;
};

/** The numbers a run needs, parsed from a valid spec. */
export type TrainingConfig = StepConfig & { epochs: number; checkpointInterval: number };

/** The standard MNIST splits (docs/training.md): the last 5,000 training images validate. */
export const STANDARD_MNIST_SPLITS: Readonly<JobSpec["dataset"]["splits"]> = {
  train: { source: "train", start: 0, end: 55000 },
  validation: { source: "train", start: 55000, end: 60000 },
  test: { source: "test", start: 0, end: 10000 },
};

/** Sizes of the source files of each supported dataset. */
export const DATASET_SOURCES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  mnist: { train: 60000, test: 10000 },
};

/** The decimal string syntax of spec hyper-parameters (docs/training.md §9). */
export const DECIMAL = /^(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/;
/** The longest decimal string a spec may hold, and its largest exponent: what keeps its exact value cheap to compute. */
const MAX_DECIMAL_CHARACTERS = 64;
export const MAX_DECIMAL_EXPONENT = 64;

/** The `JOB_SPEC_INVALID` error of a spec field that breaks a rule. */
export function fail(field: string, rule: string, value: unknown): VeritrainError {
  return new VeritrainError(`job spec field ${field} ${rule}, got ${JSON.stringify(value)}`, {
    code: "JOB_SPEC_INVALID",
    details: { field, rule, value },
  });
}

/**
 * Parses a non-negative decimal string (e.g. "0.001", "1e-8") to the nearest binary32:
 * `Math.fround(Number(s))`. Both roundings are correctly rounded, hence identical everywhere.
 *
 * @example
 * parseDecimal32("0.1"); // 0.10000000149011612
 */
export function parseDecimal32(text: string): number {
  return Math.fround(Number(text));
}

/** Whether a parsed JSON value is an object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks that `value` is an object with exactly `keys`, and any of `optional`. */
export function exactKeys(value: unknown, field: string, keys: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
  if (!isRecord(value)) throw fail(field, "must be an object", value);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key) && !optional.includes(key)) throw fail(field === "" ? key : `${field}.${key}`, "is not a known field", value[key]);
  }
  for (const key of keys) {
    if (!(key in value)) throw fail(field === "" ? key : `${field}.${key}`, "is required", undefined);
  }
  return value;
}

/** Checks a safe integer in [min, max]. */
export function integer(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw fail(field, `must be an integer in [${min}, ${max}]`, value);
  }
  return value;
}

export type DecimalRule = { min: number; max: number; minInclusive: boolean; maxInclusive: boolean };

/** Checks a decimal string (at most 64 characters, exponent within ±64) and returns it rounded to binary32. */
export function decimal(value: unknown, field: string, rule: DecimalRule): number {
  const match = typeof value === "string" ? DECIMAL.exec(value) : null;
  if (match === null) throw fail(field, "must be a non-negative decimal string like \"0.001\" or \"1e-8\"", value);
  if (match[0].length > MAX_DECIMAL_CHARACTERS || Math.abs(Number(match[3]?.slice(1) ?? 0)) > MAX_DECIMAL_EXPONENT) {
    throw fail(field, `must have at most ${MAX_DECIMAL_CHARACTERS} characters and an exponent in [−${MAX_DECIMAL_EXPONENT}, ${MAX_DECIMAL_EXPONENT}]`, value);
  }
  const parsed = parseDecimal32(match[0]);
  const aboveMin = rule.minInclusive ? parsed >= rule.min : parsed > rule.min;
  const belowMax = rule.maxInclusive ? parsed <= rule.max : parsed < rule.max;
  if (!Number.isFinite(parsed) || !aboveMin || !belowMax) {
    const interval = `${rule.minInclusive ? "[" : "("}${rule.min}, ${rule.max}${rule.maxInclusive ? "]" : ")"}`;
    throw fail(field, `must be in ${interval} after rounding to binary32`, value);
  }
  return parsed;
}

const POSITIVE = { min: 0, max: Number.MAX_VALUE, minInclusive: false, maxInclusive: true };
const NON_NEGATIVE = { min: 0, max: Number.MAX_VALUE, minInclusive: true, maxInclusive: true };
const UNIT = { min: 0, max: 1, minInclusive: true, maxInclusive: false };
const DECAY = { min: 0, max: 1, minInclusive: false, maxInclusive: true };

/** The dataset's classes, the labels a split may keep. */
const CLASSES = 10;

/**
 * Checks a split range of one of the dataset's sources; with `labelFilters`, an optional `labels` list (strictly
 * ascending class labels, at least one, not all: a list of every class is spelled by leaving it out).
 */
export function splitRange(value: unknown, field: string, sources: Readonly<Record<string, number>>, labelFilters = false): SplitRange {
  const range = exactKeys(value, field, ["source", "start", "end"], labelFilters ? ["labels"] : []);
  const size = typeof range.source === "string" ? sources[range.source] : undefined;
  if (size === undefined) throw fail(`${field}.source`, `must be one of ${Object.keys(sources).join(", ")}`, range.source);
  const start = integer(range.start, `${field}.start`, 0, size - 1);
  const end = integer(range.end, `${field}.end`, start + 1, size);
  const split: SplitRange = { source: range.source as SplitRange["source"], start, end };
  if (range.labels === undefined) return split;
  const labels = range.labels;
  const rule = `must be a list of class labels 0–${CLASSES - 1} in strictly ascending order, at least one and fewer than ${CLASSES} (leave it out to keep every class)`;
  if (!Array.isArray(labels) || labels.length === 0 || labels.length >= CLASSES) throw fail(`${field}.labels`, rule, labels);
  labels.forEach((label, i) => {
    if (!Number.isInteger(label) || label < 0 || label >= CLASSES || (i > 0 && label <= labels[i - 1])) throw fail(`${field}.labels`, rule, labels);
  });
  return { ...split, labels: [...labels] as number[] };
}

/** Whether two ranges of the same source can share an example: their index ranges meet and so do their label lists. */
export function overlaps(a: SplitRange, b: SplitRange): boolean {
  const labelsMeet = a.labels === undefined || b.labels === undefined || a.labels.some((label) => b.labels!.includes(label));
  return a.source === b.source && a.start < b.end && b.start < a.end && labelsMeet;
}

/** The fields every spec has, single-provider or distributed. */
export const COMMON_SPEC_FIELDS = [
  "engineVersion", "model", "dataset", "optimizer", "seed", "batchSize", "microBatches", "metric",
] as const;

/** What {@link validateCommonFields} found; `train` is undefined for a private-data job (its owners hold the examples). */
export type CommonFields<Train extends SplitRange | undefined = SplitRange> = { config: StepConfig; train: Train; sources: Readonly<Record<string, number>> };

/**
 * Checks the fields of {@link COMMON_SPEC_FIELDS} of a spec object whose keys were already checked. With
 * `privateExamples`, the job trains on data its owners hold, `privateExamples` each: the splits then name no
 * train split, and batchSize is bounded by an owner's examples.
 *
 * @throws VeritrainError `JOB_SPEC_INVALID` with `details.field` (dotted path) and `details.rule`.
 */
export function validateCommonFields(spec: Record<string, unknown>, labelFilters?: boolean): CommonFields;
export function validateCommonFields(spec: Record<string, unknown>, labelFilters: boolean, privateExamples: number): CommonFields<undefined>;
export function validateCommonFields(spec: Record<string, unknown>, labelFilters = false, privateExamples?: number): CommonFields<SplitRange | undefined> {
  const engineVersion = ENGINE_VERSIONS.find((version) => version === spec.engineVersion);
  if (engineVersion === undefined) throw fail("engineVersion", `must be one of ${ENGINE_VERSIONS.map((v) => `"${v}"`).join(", ")}`, spec.engineVersion);
  if (typeof spec.model !== "string" || !/^bafkrei[a-z2-7]{52}$/.test(spec.model)) {
    throw fail("model", "must be a CIDv1 string (base32, raw codec, sha2-256), e.g. \"bafkrei…\"", spec.model);
  }
  const dataset = exactKeys(spec.dataset, "dataset", ["id", "splits"]);
  const sources = typeof dataset.id === "string" ? DATASET_SOURCES[dataset.id] : undefined;
  if (sources === undefined) throw fail("dataset.id", `must be one of ${Object.keys(DATASET_SOURCES).join(", ")}`, dataset.id);
  const owned = privateExamples !== undefined;
  const splits = exactKeys(dataset.splits, "dataset.splits", owned ? ["validation", "test"] : ["train", "validation", "test"]);
  const train = owned ? undefined : splitRange(splits.train, "dataset.splits.train", sources, labelFilters);
  const validation = splitRange(splits.validation, "dataset.splits.validation", sources, labelFilters);
  const test = splitRange(splits.test, "dataset.splits.test", sources, labelFilters);
  if (train !== undefined && overlaps(train, validation)) throw fail("dataset.splits.validation", "must not overlap the train split", splits.validation);
  if (train !== undefined && overlaps(train, test)) throw fail("dataset.splits.test", "must not overlap the train split", splits.test);
  const optimizer = validateOptimizer(spec.optimizer);
  const seed = integer(spec.seed, "seed", 0);
  const trainSize = train === undefined ? privateExamples! : train.end - train.start;
  const batchSize = integer(spec.batchSize, "batchSize", 1, trainSize);
  const microBatches = integer(spec.microBatches, "microBatches", 1, batchSize);
  if (batchSize % microBatches !== 0) throw fail("microBatches", `must divide batchSize (${batchSize})`, microBatches);
  if (spec.metric !== "accuracy") throw fail("metric", "must be \"accuracy\"", spec.metric);
  return { config: { engineVersion, seed: BigInt(seed), batchSize, microBatches, optimizer }, train, sources };
}

/** The keys of each optimizer type besides `type` and the optional ones. */
const OPTIMIZER_KEYS = {
  sgd: ["learningRate", "learningRateDecay", "momentum", "weightDecay"],
  adam: ["learningRate", "learningRateDecay", "beta1", "beta2", "epsilon", "weightDecay"],
  adamw: ["learningRate", "learningRateDecay", "beta1", "beta2", "epsilon", "weightDecay"],
} as const;

/** Keys every optimizer may have. */
const OPTIMIZER_OPTIONAL_KEYS = ["schedule", "clipNorm"];

function validateOptimizer(value: unknown): OptimizerConfig {
  const type = isRecord(value) ? value.type : undefined;
  if (type !== "sgd" && type !== "adam" && type !== "adamw") throw fail("optimizer.type", "must be \"sgd\", \"adam\" or \"adamw\"", type);
  const o = exactKeys(value, "optimizer", ["type", ...OPTIMIZER_KEYS[type]], OPTIMIZER_OPTIONAL_KEYS);
  const learningRate = decimal(o.learningRate, "optimizer.learningRate", POSITIVE);
  const common = {
    learningRate,
    learningRateDecay: decimal(o.learningRateDecay, "optimizer.learningRateDecay", DECAY),
    weightDecay: decimal(o.weightDecay, "optimizer.weightDecay", NON_NEGATIVE),
    ...(o.schedule === undefined ? {} : { schedule: validateSchedule(o.schedule, learningRate) }),
    ...(o.clipNorm === undefined ? {} : { clipNorm: decimal(o.clipNorm, "optimizer.clipNorm", POSITIVE) }),
  };
  if (common.schedule !== undefined && common.learningRateDecay !== 1) {
    throw fail("optimizer.learningRateDecay", "must be \"1\" when optimizer.schedule sets the learning rate", o.learningRateDecay);
  }
  if (type === "sgd") return { type, ...common, momentum: decimal(o.momentum, "optimizer.momentum", UNIT) };
  return {
    type,
    ...common,
    beta1: decimal(o.beta1, "optimizer.beta1", UNIT),
    beta2: decimal(o.beta2, "optimizer.beta2", UNIT),
    epsilon: decimal(o.epsilon, "optimizer.epsilon", POSITIVE),
  };
}

function validateSchedule(value: unknown, learningRate: number): LearningRateSchedule {
  const type = isRecord(value) ? value.type : undefined;
  if (type === "step") {
    const s = exactKeys(value, "optimizer.schedule", ["type", "everyEpochs", "gamma"]);
    return { type, everyEpochs: integer(s.everyEpochs, "optimizer.schedule.everyEpochs", 1, 10000), gamma: decimal(s.gamma, "optimizer.schedule.gamma", DECAY) };
  }
  if (type === "cosine") {
    const s = exactKeys(value, "optimizer.schedule", ["type", "warmupSteps", "totalSteps", "minLearningRate"]);
    const totalSteps = integer(s.totalSteps, "optimizer.schedule.totalSteps", 1);
    const warmupSteps = integer(s.warmupSteps, "optimizer.schedule.warmupSteps", 0, totalSteps - 1);
    const minLearningRate = decimal(s.minLearningRate, "optimizer.schedule.minLearningRate", { min: 0, max: learningRate, minInclusive: true, maxInclusive: true });
    return { type, warmupSteps, totalSteps, minLearningRate };
  }
  throw fail("optimizer.schedule.type", "must be \"step\" or \"cosine\"", type);
}

/**
 * Checks a parsed JSON value against the job spec rules (docs/training.md) and returns it typed
 * together with its parsed training configuration.
 *
 * @throws VeritrainError `JOB_SPEC_INVALID` with `details.field` (dotted path) and `details.rule`.
 * @example
 * const { spec, config } = validateJobSpec(JSON.parse(text));
 */
export function validateJobSpec(value: unknown): { spec: JobSpec; config: TrainingConfig } {
  const spec = exactKeys(value, "", [...COMMON_SPEC_FIELDS, "epochs", "checkpointInterval"], ["privacy", "finetune"]);
  const { config, train } = validateCommonFields(spec, true);
  const epochs = integer(spec.epochs, "epochs", 1, 10000);
  const checkpointInterval = integer(spec.checkpointInterval, "checkpointInterval", 1);
  if (spec.privacy !== undefined && train.labels !== undefined) {
    throw fail("dataset.splits.train.labels", "cannot be combined with privacy: the accountant's sampling rate needs the split's size from the spec alone, and a label filter leaves it to the data; drop one of them", train.labels);
  }
  const examples = train.end - train.start;
  const privacy = spec.privacy === undefined ? {} : { privacy: validatePrivacy(spec.privacy, { ...config, examples, steps: epochs * Math.floor(examples / config.batchSize) }) };
  if (spec.finetune !== undefined && spec.privacy !== undefined) {
    throw fail("finetune", "cannot be combined with privacy yet (DP-SGD of adapters is not specified): drop one of them", spec.finetune);
  }
  const finetune = spec.finetune === undefined ? {} : { finetune: validateFinetune(spec.finetune) };
  return { spec: value as JobSpec, config: { ...config, epochs, checkpointInterval, ...privacy, ...finetune } };
}

/** The largest adapter rank a spec may ask for. */
const MAX_RANK = 1024;

/**
 * Checks a spec's `finetune`: method "qlora", rank an integer in [1, 1024], alpha a decimal > 0, targets 1 to
 * 1,024 distinct non-empty initializer names (whether the model has them is checked when it is imported).
 */
function validateFinetune(value: unknown): FinetuneConfig {
  const method = isRecord(value) ? value.method : undefined;
  if (method !== "qlora") throw fail("finetune.method", "must be \"qlora\"", method);
  const f = exactKeys(value, "finetune", ["method", "rank", "alpha", "targets"]);
  const rank = integer(f.rank, "finetune.rank", 1, MAX_RANK);
  const alpha = decimal(f.alpha, "finetune.alpha", POSITIVE);
  const names: unknown = f.targets;
  if (!Array.isArray(names) || names.length === 0 || names.length > 1024) {
    throw fail("finetune.targets", "must be an array of 1 to 1024 weight names (MatMul or Gemm initializers of the model)", names);
  }
  const targets = names.map((name: unknown, i: number) => {
    if (typeof name !== "string" || name === "") throw fail(`finetune.targets[${i}]`, "must be a non-empty string naming a weight initializer", name);
    if (names.indexOf(name) !== i) throw fail(`finetune.targets[${i}]`, `must not repeat finetune.targets[${names.indexOf(name)}]`, name);
    return name;
  });
  return { method, rank, alpha, targets };
}

/**
 * Checks a spec's `privacy` and derives σ: q = B/N over the N examples of whoever trains, `steps` the optimizer
 * steps it runs on them (epochs·⌊N/B⌋ for a job, R·L for a data owner of a private round job), σ the accountant's
 * for (targetEpsilon, delta) (docs/privacy-accounting.md §6), whose ε is what the run spends.
 *
 * @throws VeritrainError `JOB_SPEC_INVALID`.
 */
export function validatePrivacy(value: unknown, { batchSize, microBatches, examples, steps }: StepConfig & { examples: number; steps: number }): PrivacyConfig {
  const p = exactKeys(value, "privacy", ["targetEpsilon", "delta", "clipNorm"]);
  // Checked as decimals; the accountant reads ε and δ as the nearest binary64 (Number), C is exact (dpSgd.ts).
  decimal(p.targetEpsilon, "privacy.targetEpsilon", POSITIVE);
  decimal(p.delta, "privacy.delta", { min: 0, max: 1, minInclusive: false, maxInclusive: false });
  decimal(p.clipNorm, "privacy.clipNorm", POSITIVE);
  const delta = Number(p.delta);
  if (microBatches !== batchSize) {
    throw fail("microBatches", `must equal batchSize (${batchSize}) with privacy: DP-SGD clips each example's gradient, so each micro-batch is one example`, microBatches);
  }
  const sampleRate = batchSize / examples;
  try {
    const derived = noiseMultiplierForTarget({ sampleRate, steps, targetEpsilon: Number(p.targetEpsilon), delta: Number(p.delta) });
    return { clipNorm: p.clipNorm as string, noiseMultiplier: derived.noiseMultiplier, epsilon: derived.epsilon, order: derived.order, delta, sampleRate };
  } catch (cause) {
    throw new VeritrainError(`job spec field privacy.targetEpsilon cannot be met: ${(cause as Error).message}`, {
      code: "JOB_SPEC_INVALID", details: { field: "privacy.targetEpsilon", value: p.targetEpsilon }, cause,
    });
  }
}

/**
 * The job's content address: CIDv1, codec json (0x0200), sha2-256 of the UTF-8 canonical JSON
 * of the spec.
 *
 * @example
 * jobSpecCid(spec); // "bagaaiera…"
 */
export function jobSpecCid(spec: SpecFields<OwnedSplits>): string {
  const bytes = new TextEncoder().encode(canonicalJson(spec as unknown as CanonicalJsonValue));
  return contentId({ bytes, codec: JSON_CODEC });
}
