import { sliceImageSet, type ImageSet } from "../training/idxImageSet.ts";
import type { MnistSources } from "../training/mnist.ts";
import type { ImportedModel } from "../training/onnxImport.ts";
import { prepareModelAndSets, type SplitSets } from "../training/preparedJob.ts";
import { jobSpecCid, type OwnedSplits, type SplitRange } from "../training/jobSpec.ts";
import { validateRoundJobSpec, type RoundConfig, type RoundJobSpec } from "./roundJobSpec.ts";

/** A validated round job with its model imported and every set cut: everything a slot or an aggregator needs. */
export type PreparedRoundJob = {
  spec: RoundJobSpec;
  /** The job's content address. */
  cid: string;
  config: RoundConfig;
  modelBytes: Uint8Array;
  model: ImportedModel;
  /** The whole train split (none in a private-data job), validation and test. */
  sets: SplitSets<OwnedSplits>;
  /** Slot s's part of the train split; none in a private-data job (each owner trains on its own examples). */
  parts: ImageSet[];
  /** FLTrust's root set; undefined for the other rules. */
  root: ImageSet | undefined;
};

/** Parameters of {@link prepareRoundJob}. */
export type PrepareRoundJobParameters = { spec: unknown; modelBytes: Uint8Array; sources: MnistSources };

/**
 * Validates a round job spec, checks and imports its model, cuts the splits, the slots' parts
 * and the root set.
 *
 * @throws VeritrainError `JOB_SPEC_INVALID`, `MODEL_CID_MISMATCH`, `MODEL_DATASET_MISMATCH`, or an ONNX import error.
 * @example
 * const job = prepareRoundJob({ spec: JSON.parse(text), modelBytes, sources: loadMnist() });
 */
export function prepareRoundJob({ spec: value, modelBytes, sources }: PrepareRoundJobParameters): PreparedRoundJob {
  const { spec, config } = validateRoundJobSpec(value);
  const { model, sets } = prepareModelAndSets({ spec, modelBytes, sources });
  const cut = (range: SplitRange) => sliceImageSet({ set: sources[range.source], start: range.start, end: range.end });
  const root = config.aggregation.rule === "fltrust" ? cut(config.aggregation.root) : undefined;
  return { spec, cid: jobSpecCid(spec), config, modelBytes, model, sets, parts: config.parts.map(cut), root };
}
