import { exactKeys, fail, integer, isRecord, splitRange, type SplitRange } from "../training/jobSpec.ts";

/**
 * How a round combines the included slots' updates (docs/distributed-training.md, "Aggregation
 * rules"). `trim`, `byzantine` and `select` are counts of slots.
 */
export type AggregationRule =
  | { rule: "fedavg" }
  | { rule: "median" }
  | { rule: "trimmedMean"; trim: number }
  | { rule: "multiKrum"; byzantine: number; select: number }
  | { rule: "fltrust"; root: SplitRange };

/**
 * Checks the `aggregation` part of a distributed job spec for a job of `slots` slots and returns
 * it typed. Limits are stated for the full slot count; {@link aggregateUpdates} clamps them when
 * slots drop out mid-job.
 *
 * - `trimmedMean`: `trim` integer in [0, ⌊(slots − 1)/2⌋] (at least one value survives).
 * - `multiKrum`: `byzantine` f integer with f = 0 or 2f + 3 ≤ slots (Krum's bound);
 *   `select` integer in [1, slots − f].
 * - `fltrust`: `root` a split range of one of the dataset's `sources`.
 *
 * @throws VeritrainError `JOB_SPEC_INVALID` with `details.field` (dotted path) and `details.rule`.
 * @example
 * validateAggregationRule({ rule: "multiKrum", byzantine: 1, select: 3 }, "distributed.aggregation", 8, { train: 60000, test: 10000 });
 */
export function validateAggregationRule(
  value: unknown,
  field: string,
  slots: number,
  sources: Readonly<Record<string, number>>,
): AggregationRule {
  const rule = isRecord(value) ? value.rule : undefined;
  switch (rule) {
    case "fedavg":
    case "median":
      exactKeys(value, field, ["rule"]);
      return { rule };
    case "trimmedMean": {
      const spec = exactKeys(value, field, ["rule", "trim"]);
      return { rule, trim: integer(spec.trim, `${field}.trim`, 0, Math.floor((slots - 1) / 2)) };
    }
    case "multiKrum": {
      const spec = exactKeys(value, field, ["rule", "byzantine", "select"]);
      const byzantine = integer(spec.byzantine, `${field}.byzantine`, 0, Math.max(0, Math.floor((slots - 3) / 2)));
      return { rule, byzantine, select: integer(spec.select, `${field}.select`, 1, slots - byzantine) };
    }
    case "fltrust": {
      const spec = exactKeys(value, field, ["rule", "root"]);
      return { rule, root: splitRange(spec.root, `${field}.root`, sources) };
    }
    default:
      throw fail(`${field}.rule`, "must be one of fedavg, median, trimmedMean, multiKrum, fltrust", rule);
  }
}
