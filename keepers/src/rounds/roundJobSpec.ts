import {
  COMMON_SPEC_FIELDS,
  decimal,
  exactKeys,
  fail,
  integer,
  overlaps,
  validateCommonFields,
  type SpecFields,
  type SplitRange,
  type StepConfig,
} from "../training/jobSpec.ts";
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
};

/** The outer optimizer's hyper-parameters, decimal strings parsed to binary32 (docs/distributed-training.md). */
export type OuterOptimizer = { learningRate: string; momentum: string };

/** A distributed training job: the common fields plus `distributed` (no `epochs`, no `checkpointInterval`). */
export type RoundJobSpec = SpecFields & { distributed: DistributedSpec };

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
  /** Slot s's examples, in slot order. */
  parts: SplitRange[];
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
  const spec = exactKeys(value, "", [...COMMON_SPEC_FIELDS, "distributed"]);
  const { config: step, train, sources } = validateCommonFields(spec);
  const d = exactKeys(spec.distributed, "distributed", ["slots", "rounds", "localSteps", "aggregation", "outer", "compression", "onFault"]);
  const slots = integer(d.slots, "distributed.slots", 1, MAX_SLOTS);
  const parts = Array.from({ length: slots }, (_, s) => slotPart(train, slots, s));
  const smallest = Math.min(...parts.map((p) => p.end - p.start));
  if (step.batchSize > smallest) {
    throw fail("batchSize", `must be at most the smallest slot's part (${smallest} examples with ${slots} slots)`, step.batchSize);
  }
  const rounds = integer(d.rounds, "distributed.rounds", 1, MAX_ROUNDS);
  const localSteps = integer(d.localSteps, "distributed.localSteps", 1, 1_000_000);
  const aggregation = validateAggregationRule(d.aggregation, "distributed.aggregation", slots, sources);
  if (aggregation.rule === "fltrust") {
    if (overlaps(aggregation.root, train)) throw fail("distributed.aggregation.root", "must not overlap the train split", aggregation.root);
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
  return {
    spec: value as RoundJobSpec,
    config: { step, slots, rounds, localSteps, aggregation, outer, compression, continueOnFault: d.onFault === "continue", parts },
  };
}
