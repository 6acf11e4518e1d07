import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { validateAggregationRule } from "../../../keepers/src/rounds/aggregationRule.ts";
import { DATASET_SOURCES } from "../../../keepers/src/training/jobSpec.ts";

const FIELD = "distributed.aggregation";
const MNIST = DATASET_SOURCES.mnist!;

function refused(value: unknown, slots: number, field: string, rule: RegExp): void {
  assert.throws(() => validateAggregationRule(value, FIELD, slots, MNIST), (e: unknown) =>
    e instanceof VeritrainError && e.code === "JOB_SPEC_INVALID" && e.details.field === field && rule.test(String(e.details.rule)));
}

describe("validateAggregationRule", () => {
  it("accepts every rule and returns it typed", () => {
    const rules = [
      { rule: "fedavg" },
      { rule: "median" },
      { rule: "trimmedMean", trim: 3 },
      { rule: "multiKrum", byzantine: 2, select: 5 },
      { rule: "fltrust", root: { source: "train", start: 55000, end: 55100 } },
    ];
    for (const rule of rules) assert.deepEqual(validateAggregationRule(rule, FIELD, 7, MNIST), rule);
  });

  it("refuses unknown rules, unknown and missing keys", () => {
    refused({ rule: "mean" }, 4, `${FIELD}.rule`, /one of/);
    refused("fedavg", 4, `${FIELD}.rule`, /one of/);
    refused({ rule: "fedavg", weighted: true }, 4, `${FIELD}.weighted`, /not a known field/);
    refused({ rule: "trimmedMean" }, 4, `${FIELD}.trim`, /required/);
    refused({ rule: "multiKrum", byzantine: 0 }, 4, `${FIELD}.select`, /required/);
    refused({ rule: "fltrust" }, 4, `${FIELD}.root`, /required/);
  });

  it("bounds trim by ⌊(slots − 1)/2⌋", () => {
    assert.deepEqual(validateAggregationRule({ rule: "trimmedMean", trim: 0 }, FIELD, 1, MNIST), { rule: "trimmedMean", trim: 0 });
    refused({ rule: "trimmedMean", trim: 1 }, 2, `${FIELD}.trim`, /\[0, 0\]/);
    refused({ rule: "trimmedMean", trim: 4 }, 8, `${FIELD}.trim`, /\[0, 3\]/);
    refused({ rule: "trimmedMean", trim: 1.5 }, 8, `${FIELD}.trim`, /integer/);
  });

  it("bounds byzantine by Krum's 2f + 3 ≤ slots and select by slots − f", () => {
    assert.deepEqual(validateAggregationRule({ rule: "multiKrum", byzantine: 0, select: 1 }, FIELD, 1, MNIST), { rule: "multiKrum", byzantine: 0, select: 1 });
    assert.deepEqual(validateAggregationRule({ rule: "multiKrum", byzantine: 2, select: 5 }, FIELD, 7, MNIST), { rule: "multiKrum", byzantine: 2, select: 5 });
    refused({ rule: "multiKrum", byzantine: 3, select: 1 }, 8, `${FIELD}.byzantine`, /\[0, 2\]/);
    refused({ rule: "multiKrum", byzantine: 1, select: 1 }, 4, `${FIELD}.byzantine`, /\[0, 0\]/);
    refused({ rule: "multiKrum", byzantine: 2, select: 6 }, 7, `${FIELD}.select`, /\[1, 5\]/);
    refused({ rule: "multiKrum", byzantine: 0, select: 0 }, 7, `${FIELD}.select`, /\[1, 7\]/);
  });

  it("checks fltrust's root set like a split", () => {
    refused({ rule: "fltrust", root: { source: "validation", start: 0, end: 1 } }, 4, `${FIELD}.root.source`, /one of/);
    refused({ rule: "fltrust", root: { source: "test", start: 5, end: 5 } }, 4, `${FIELD}.root.end`, /integer/);
    refused({ rule: "fltrust", root: { source: "test", start: 0, end: 10001 } }, 4, `${FIELD}.root.end`, /integer/);
  });
});
