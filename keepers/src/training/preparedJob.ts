import { VeritrainError } from "../errors.ts";
import { checkpointSteps } from "./checkpointSteps.ts";
import { contentId, RAW_CODEC } from "./contentId.ts";
import { fail, jobSpecCid, validateJobSpec, type DatasetSplits, type JobSpec, type OwnedSplits, type SpecFields, type SplitRange, type TrainingConfig } from "./jobSpec.ts";
import type { SplitName } from "./microBatchRunner.ts";
import { selectImageSet, type ImageSet } from "./idxImageSet.ts";
import type { MnistSources } from "./mnist.ts";
import { importOnnxModel, type ImportedModel } from "./onnxImport.ts";
import { optimizerStateVectors } from "./optimizer.ts";
import { createQloraModel } from "./qloraModel.ts";
import type { TrainingState } from "./trainingState.ts";

/** A validated job with its model imported and its splits cut: everything a run needs. */
export type PreparedJob = {
  spec: JobSpec;
  /** The job's content address. */
  cid: string;
  config: TrainingConfig;
  /** The ONNX file the spec's model CID names. */
  modelBytes: Uint8Array;
  /** The model that trains: the file's, or for a qLoRA job its qLoRA model (`createQloraModel`), whose parameters are the adapters. */
  model: ImportedModel;
  sets: Record<SplitName, ImageSet>;
  /** ⌊train examples / batch size⌋: the last partial batch of each epoch is skipped. */
  stepsPerEpoch: number;
  totalSteps: number;
  /** Step of checkpoint i: 0, C, 2C, … and finally totalSteps. */
  checkpointSteps: number[];
};

/** Parameters of {@link prepareJob}. */
export type PrepareJobParameters = {
  /** The job spec as parsed JSON (validated here). */
  spec: unknown;
  modelBytes: Uint8Array;
  sources: MnistSources;
};

/**
 * Validates a job spec, checks the model file against its CID, imports the model and cuts the
 * dataset splits.
 *
 * @throws VeritrainError `JOB_SPEC_INVALID` (also for a private job on a model with BatchNorm, and for qLoRA
 *   targets the model does not have),
 *   `MODEL_CID_MISMATCH`, `MODEL_DATASET_MISMATCH`, or an ONNX import error.
 * @example
 * const job = prepareJob({ spec: JSON.parse(text), modelBytes, sources: loadMnist() });
 */
export function prepareJob({ spec: value, modelBytes, sources }: PrepareJobParameters): PreparedJob {
  const { spec, config } = validateJobSpec(value);
  const { model: imported, sets } = prepareModelAndSets({ spec, modelBytes, sources });
  const model = config.finetune === undefined ? imported : createQloraModel({ model: imported, finetune: config.finetune, seed: config.seed });
  const statistic = model.definition.parameters.find((tensor) => tensor.statistic !== undefined);
  if (config.privacy !== undefined && statistic !== undefined) {
    throw fail("privacy", `cannot protect BatchNormalization's running statistics ("${statistic.name}" is computed from the data, not privatised): use a model without BatchNorm`, spec.privacy);
  }
  const { steps, stepsPerEpoch, totalSteps } = checkpointSteps({ trainCount: sets.train.count, ...config });
  return { spec, cid: jobSpecCid(spec), config, modelBytes, model, sets, stepsPerEpoch, totalSteps, checkpointSteps: steps };
}

/** Parameters of {@link prepareModelAndSets}. */
export type PrepareModelAndSetsParameters<Splits extends OwnedSplits> = { spec: SpecFields<Splits>; modelBytes: Uint8Array; sources: MnistSources };

/** The sets a spec's splits cut: the train set only where the spec names a train split. */
export type SplitSets<Splits extends OwnedSplits> = Record<"validation" | "test", ImageSet> & (Splits extends DatasetSplits ? { train: ImageSet } : { train?: ImageSet });

/**
 * Checks a validated spec's model file against its CID, imports it and cuts the dataset splits (no train set for
 * a private-data job's spec: its owners hold the examples).
 *
 * @throws VeritrainError `MODEL_CID_MISMATCH`, `MODEL_DATASET_MISMATCH`, `JOB_SPEC_INVALID` (a BatchNormalization
 *   over features with one example per micro-batch), or an ONNX import error.
 */
export function prepareModelAndSets<Splits extends OwnedSplits>({ spec, modelBytes, sources }: PrepareModelAndSetsParameters<Splits>): { model: ImportedModel; sets: SplitSets<Splits> } {
  const modelCid = contentId({ bytes: modelBytes, codec: RAW_CODEC });
  if (modelCid !== spec.model) {
    throw new VeritrainError(`model file has CID ${modelCid}, the job names ${spec.model}`, {
      code: "MODEL_CID_MISMATCH", details: { expected: spec.model, actual: modelCid },
    });
  }
  const model = importOnnxModel(modelBytes);
  const cut = (split: "train" | "validation" | "test") => {
    const range: SplitRange = spec.dataset.splits[split]!;
    const set = selectImageSet({ set: sources[range.source], ...range });
    if (set.count === 0) throw fail(`dataset.splits.${split}.labels`, `must keep at least one example: images ${range.start}–${range.end - 1} have none labelled ${range.labels!.join(", ")}`, range.labels);
    return set;
  };
  const { train: trainSplit } = spec.dataset.splits;
  const sets = { validation: cut("validation"), test: cut("test"), ...(trainSplit === undefined ? {} : { train: cut("train") }) };
  if (sets.train !== undefined && sets.train.count < spec.batchSize) {
    throw fail("batchSize", `must be at most the training split's ${sets.train.count} examples (those of images ${trainSplit!.start}–${trainSplit!.end - 1} labelled ${trainSplit!.labels?.join(", ")})`, spec.batchSize);
  }
  const pixels = sets.validation.rows * sets.validation.cols;
  const inputWidth = model.definition.inputShape.reduce((a, b) => a * b, 1);
  if (inputWidth !== pixels || model.definition.classes !== 10) {
    throw new VeritrainError(`model takes ${inputWidth} inputs and gives ${model.definition.classes} classes; dataset has ${pixels} pixels and 10 classes`, {
      code: "MODEL_DATASET_MISMATCH",
    });
  }
  const microBatch = spec.batchSize / spec.microBatches;
  const single = model.definition.layers.find((layer) => layer.kind === "batchNorm" && layer.positions * microBatch < 2);
  if (single !== undefined) {
    throw fail("microBatches", `must leave at least 2 examples per micro-batch (batchSize / microBatches): BatchNormalization node "${single.name}" normalises each feature over a micro-batch`, spec.microBatches);
  }
  return { model, sets: sets as SplitSets<Splits> };
}

/** Step 0: the model file's weights and zeroed optimizer state. */
export function initialState(job: PreparedJob): TrainingState {
  const size = job.model.definition.parameterCount;
  return {
    step: 0,
    params: Float32Array.from(job.model.params),
    optimizerState: Array.from({ length: optimizerStateVectors(job.config.optimizer) }, () => new Float32Array(size)),
  };
}
