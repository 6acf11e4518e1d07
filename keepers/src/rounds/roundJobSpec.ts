import {
  COMMON_SPEC_FIELDS,
  decimal,
  exactKeys,
  fail,
  integer,
  overlaps,
  validateCommonFields,
  validatePrivacy,
  type OwnedSplits,
  type PrivacySpec,
  type SpecFields,
  type SplitRange,
  type StepConfig,
} from "../training/jobSpec.ts";
import { maxFractionBits, quantisation, type Quantisation } from "../privacy/secAgg/quantisation.ts";
import { VeritrainError } from "../errors.ts";
import { validateAggregationRule, type AggregationRule } from "./aggregationRule.ts";
import { validateCompression, type Compression } from "./updateCompression.ts";

/** Most slots a distributed job may have (the contract's MAX_SLOTS). */
export const MAX_SLOTS = 16;
/** Most rounds a distributed job may have. */
export const MAX_ROUNDS = 1000;

/** How a distributed job runs (docs/distributed-training.md, "Round job spec"). */
export type DistributedSpec = {
  /** P: providers, each training one part of the train split. */
  slots: number;
  /** R: rounds of local training followed by one aggregation. */
  rounds: number;
  /** L: optimizer steps each slot runs per round. */
  localSteps: number;
  aggregation: AggregationRule;
  /** How the aggregate moves the global model: Nesterov momentum (DiLoCo's outer step); `{ "1", "0" }` adds it. */
  outer: OuterOptimizer;
  /** "none", or top-k sparsification (optionally 8-bit) with error feedback. */
  compression: "none" | Compression;
  /** A slot found wrong or late: drop it and go on, or fail the job. */
  onFault: "continue" | "fail";
  /** A private-data job: each slot is a data owner training on examples it holds (docs/distributed-training.md, "Private-data jobs"). */
  private?: PrivateDataSpec;
};

/**
 * What a private-data job states of its owners' data and of how their updates are summed: `examples` per owner,
 * and secure aggregation (SecAgg+ over the round ledger, updates clipped to ±clip and quantised with
 * `fractionBits`, by default the most `slots` allow) or "none" (updates in the clear, robust rules allowed).
 */
export type PrivateDataSpec = { examples: number; secureAggregation: { clip: string; fractionBits?: number } | "none" };

/** The outer optimizer's hyper-parameters, decimal strings parsed to binary32 (docs/distributed-training.md). */
export type OuterOptimizer = { learningRate: string; momentum: string };

/**
 * A distributed training job: the common fields plus `distributed` (no `epochs`, no `checkpointInterval`); a
 * private-data job names no train split and may add `privacy` (DP-SGD by each owner).
 */
export type RoundJobSpec = SpecFields<OwnedSplits> & { distributed: DistributedSpec; privacy?: PrivacySpec };

/** A validated round spec's numbers. */
export type RoundConfig = {
  step: StepConfig;
  slots: number;
  rounds: number;
  localSteps: number;
  aggregation: AggregationRule;
  /** η and μ as binary32 values; μ = 0 keeps no momentum. */
  outer: { learningRate: number; momentum: number };
  compression: Compression | undefined;
  continueOnFault: boolean;
  /** Slot s's examples, in slot order; none for a private-data job. */
  parts: SplitRange[];
  /** A private-data job's owners' examples and its quantisation under secure aggregation; undefined otherwise. */
  privateData: { examples: number; secureAggregation: Quantisation | undefined } | undefined;
};

/**
 * Slot `slot`'s part of the train split: positions [⌊s·N/P⌋, ⌊(s+1)·N/P⌋).
 *
 * @example
 * slotPart({ source: "train", start: 0, end: 10 }, 3, 1); // { source: "train", start: 3, end: 6 }
 */
export function slotPart(train: SplitRange, slots: number, slot: number): SplitRange {
  const n = train.end - train.start;
  return { source: train.source, start: train.start + Math.floor((slot * n) / slots), end: train.start + Math.floor(((slot + 1) * n) / slots) };
}

/**
 * Checks a parsed JSON value against the round job spec rules (docs/distributed-training.md).
 *
 * @throws VeritrainError `JOB_SPEC_INVALID` with `details.field` and `details.rule`.
 * @example
 * const { spec, config } = validateRoundJobSpec(JSON.parse(text));
 * config.parts[0]; // slot 0's examples
 */
export function validateRoundJobSpec(value: unknown): { spec: RoundJobSpec; config: RoundConfig } {
  const spec = exactKeys(value, "", [...COMMON_SPEC_FIELDS, "distributed"], ["privacy"]);
  const d = exactKeys(spec.distributed, "distributed", ["slots", "rounds", "localSteps", "aggregation", "outer", "compression", "onFault"], ["private"]);
  const owned = d.private === undefined ? undefined : exactKeys(d.private, "distributed.private", ["examples", "secureAggregation"]);
  if (owned === undefined && spec.privacy !== undefined) throw fail("privacy", "needs distributed.private: DP-SGD protects data owners' examples", spec.privacy);
  const examples = owned === undefined ? undefined : integer(owned.examples, "distributed.private.examples", 1);
  const { config: step, train, sources } = examples === undefined ? validateCommonFields(spec) : validateCommonFields(spec, false, examples);
  const slots = integer(d.slots, "distributed.slots", 1, MAX_SLOTS);
  const parts = train === undefined ? [] : Array.from({ length: slots }, (_, s) => slotPart(train, slots, s));
  // validateCommonFields bounds batchSize by the train split, or by an owner's examples.
  const smallest = Math.min(...parts.map((p) => p.end - p.start));
  if (step.batchSize > smallest) {
    throw fail("batchSize", `must be at most the smallest slot's part (${smallest} examples with ${slots} slots)`, step.batchSize);
  }
  const rounds = integer(d.rounds, "distributed.rounds", 1, MAX_ROUNDS);
  const localSteps = integer(d.localSteps, "distributed.localSteps", 1, 1_000_000);
  const aggregation = validateAggregationRule(d.aggregation, "distributed.aggregation", slots, sources);
  if (aggregation.rule === "fltrust") {
    if (train !== undefined && overlaps(aggregation.root, train)) throw fail("distributed.aggregation.root", "must not overlap the train split", aggregation.root);
    if (aggregation.root.end - aggregation.root.start < step.batchSize) {
      throw fail("distributed.aggregation.root", `must hold at least batchSize (${step.batchSize}) examples`, aggregation.root);
    }
  }
  const o = exactKeys(d.outer, "distributed.outer", ["learningRate", "momentum"]);
  const outer = {
    learningRate: decimal(o.learningRate, "distributed.outer.learningRate", { min: 0, max: 10, minInclusive: false, maxInclusive: true }),
    momentum: decimal(o.momentum, "distributed.outer.momentum", { min: 0, max: 1, minInclusive: true, maxInclusive: false }),
  };
  const compression = d.compression === "none" ? undefined : validateCompression(d.compression, "distributed.compression");
  if (d.onFault !== "continue" && d.onFault !== "fail") throw fail("distributed.onFault", "must be \"continue\" or \"fail\"", d.onFault);
  const privacy = spec.privacy === undefined ? {} : { privacy: validatePrivacy(spec.privacy, { ...step, examples: examples!, steps: rounds * localSteps }) };
  const privateData = owned === undefined ? undefined : {
    examples: examples!,
    secureAggregation: owned.secureAggregation === "none" ? undefined : validateSecureAggregation(owned.secureAggregation, { slots, aggregation, compression }),
  };
  return {
    spec: value as RoundJobSpec,
    config: { step: { ...step, ...privacy }, slots, rounds, localSteps, aggregation, outer, compression, continueOnFault: d.onFault === "continue", parts, privateData },
  };
}

const SECURE_AGGREGATION = "distributed.private.secureAggregation";

/**
 * Checks `distributed.private.secureAggregation`: `{ clip, fractionBits? }` (or the string "none", handled by the
 * caller). The aggregator sees only the sum, so the rule must be FedAvg (the owners' examples are equal in number, so
 * FedAvg is the survivors' mean), without compression, and SecAgg+ needs
 * at least 3 slots; clip is a decimal > 0, fractionBits an integer the quantisation of `slots` updates allows.
 */
function validateSecureAggregation(value: unknown, { slots, aggregation, compression }: { slots: number; aggregation: AggregationRule; compression: Compression | undefined }): Quantisation {
  const a = exactKeys(value, SECURE_AGGREGATION, ["clip"], ["fractionBits"]);
  if (aggregation.rule !== "fedavg") throw fail("distributed.aggregation.rule", `must be "fedavg" under secure aggregation: the aggregator sees only the sum of the updates (set ${SECURE_AGGREGATION} to "none" for robust rules)`, aggregation.rule);
  if (compression !== undefined) throw fail("distributed.compression", "must be \"none\" under secure aggregation: masked updates are dense", compression);
  if (slots < 3) throw fail("distributed.slots", "must be at least 3 under secure aggregation (SecAgg+)", slots);
  const clip = decimal(a.clip, `${SECURE_AGGREGATION}.clip`, { min: 0, max: 1e6, minInclusive: false, maxInclusive: true });
  try {
    const fractionBits = a.fractionBits === undefined ? maxFractionBits({ clip, participants: slots }) : integer(a.fractionBits, `${SECURE_AGGREGATION}.fractionBits`, 0, 30);
    return quantisation({ clip, fractionBits, participants: slots });
  } catch (cause) {
    if (cause instanceof VeritrainError && cause.code === "JOB_SPEC_INVALID") throw cause;
    throw fail(`${SECURE_AGGREGATION}.fractionBits`, `must let ${slots} updates clipped to ${clip} sum without overflow: ${(cause as Error).message}`, a.fractionBits);
  }
}
