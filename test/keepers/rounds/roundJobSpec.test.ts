import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { slotPart, validateRoundJobSpec } from "../../../keepers/src/rounds/roundJobSpec.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { smallRoundJobSpec } from "./fixtures.ts";

const modelBytes = createLeNet5Onnx({ seed: 1n });
const SPEC = smallRoundJobSpec({ modelBytes, trainCount: 1003, distributed: { slots: 4 } });

/** Asserts `change` applied to `spec` (default: a copy of SPEC) is refused naming `field` with a rule matching `rule`. */
function refused(change: (spec: Record<string, unknown>) => void, field: string, rule: RegExp, spec = structuredClone(SPEC) as unknown as Record<string, unknown>): void {
  change(spec);
  assert.throws(() => validateRoundJobSpec(spec), (error: Error & { code?: string; details?: { field: string; rule: string } }) => {
    assert.equal(error.code, "JOB_SPEC_INVALID");
    assert.equal(error.details?.field, field);
    assert.match(error.details!.rule, rule);
    return true;
  });
}

const distributed = (spec: Record<string, unknown>) => spec.distributed as Record<string, unknown>;

describe("round job spec", () => {
  it("refuses a split that keeps some labels only: slots cut the train split by position", () => {
    refused((spec) => Object.assign((spec.dataset as { splits: { train: object } }).splits.train, { labels: [5, 6] }), "dataset.splits.train.labels", /is not a known field/);
  });

  it("cuts the train split into P contiguous parts that cover it exactly", () => {
    const { config } = validateRoundJobSpec(SPEC);
    assert.deepEqual(config.parts.map((p) => [p.start, p.end]), [[0, 250], [250, 501], [501, 752], [752, 1003]]);
    assert.deepEqual(slotPart({ source: "train", start: 100, end: 110 }, 3, 2), { source: "train", start: 106, end: 110 });
    assert.equal(config.continueOnFault, true);
    assert.equal(config.compression, undefined);
    assert.equal(config.step.batchSize, 20);
  });

  it("refuses the single-provider fields and unknown ones", () => {
    refused((s) => (s.epochs = 1), "epochs", /not a known field/);
    refused((s) => (distributed(s).extra = 1), "distributed.extra", /not a known field/);
    refused((s) => delete s.distributed, "distributed", /required/);
  });

  it("refuses slot, round and step counts out of range, and a batch larger than a slot's part", () => {
    refused((s) => (distributed(s).slots = 17), "distributed.slots", /\[1, 16\]/);
    refused((s) => (distributed(s).slots = 0), "distributed.slots", /\[1, 16\]/);
    refused((s) => (distributed(s).rounds = 1001), "distributed.rounds", /\[1, 1000\]/);
    refused((s) => (distributed(s).localSteps = 0), "distributed.localSteps", /integer/);
    refused((s) => (s.batchSize = 252), "batchSize", /smallest slot's part \(250 examples with 4 slots\)/);
    refused((s) => (distributed(s).onFault = "retry"), "distributed.onFault", /"continue" or "fail"/);
  });

  it("checks the rule and the compression, and FLTrust's root set against the train split", () => {
    refused((s) => (distributed(s).aggregation = { rule: "mean" }), "distributed.aggregation.rule", /./);
    refused((s) => (distributed(s).compression = { topK: "2", quantize: "none" }), "distributed.compression.topK", /./);
    // Exactly 1 as a number, but its exact value would be computed from a 10^1000000 numerator.
    refused((s) => (distributed(s).compression = { topK: `1${"0".repeat(1_000_000)}e-1000000`, quantize: "none" }), "distributed.compression.topK", /at most 64 characters/);
    refused((s) => (distributed(s).aggregation = { rule: "fltrust", root: { source: "train", start: 1000, end: 1100 } }), "distributed.aggregation.root", /overlap the train split/);
    refused((s) => (distributed(s).aggregation = { rule: "fltrust", root: { source: "test", start: 0, end: 10 } }), "distributed.aggregation.root", /at least batchSize \(20\)/);
    const { config } = validateRoundJobSpec({ ...SPEC, distributed: { ...SPEC.distributed, aggregation: { rule: "fltrust", root: { source: "train", start: 50000, end: 50100 } } } });
    assert.deepEqual(config.aggregation, { rule: "fltrust", root: { source: "train", start: 50000, end: 50100 } });
  });

  it("reads the outer step's η in (0, 10] and μ in [0, 1) as binary32, and refuses it missing or out of range", () => {
    const { config } = validateRoundJobSpec({ ...SPEC, distributed: { ...SPEC.distributed, outer: { learningRate: "0.7", momentum: "0.9" } } });
    assert.deepEqual(config.outer, { learningRate: Math.fround(0.7), momentum: Math.fround(0.9) });
    refused((s) => delete distributed(s).outer, "distributed.outer", /required/);
    refused((s) => (distributed(s).outer = { learningRate: "1" }), "distributed.outer.momentum", /required/);
    refused((s) => (distributed(s).outer = { learningRate: "0", momentum: "0" }), "distributed.outer.learningRate", /\(0, 10\]/);
    refused((s) => (distributed(s).outer = { learningRate: "11", momentum: "0" }), "distributed.outer.learningRate", /\(0, 10\]/);
    refused((s) => (distributed(s).outer = { learningRate: "1", momentum: "1" }), "distributed.outer.momentum", /\[0, 1\)/);
    refused((s) => (distributed(s).outer = { learningRate: 1, momentum: "0" }), "distributed.outer.learningRate", /decimal string/);
  });
});

/** A private-data variant of SPEC: no train split, four owners of 1,000 examples, DP at ε = 3, SecAgg+ clipping to ±0.5. */
function privateSpec(): Record<string, unknown> {
  const spec = structuredClone(SPEC) as unknown as Record<string, unknown> & { dataset: { splits: Record<string, unknown> } };
  delete spec.dataset.splits.train;
  spec.batchSize = 16;
  spec.microBatches = 16;
  spec.privacy = { targetEpsilon: "3", delta: "1e-5", clipNorm: "1" };
  distributed(spec).private = { examples: 1000, secureAggregation: { clip: "0.5" } };
  return spec;
}

const privateRefused = (change: (spec: Record<string, unknown>) => void, field: string, rule: RegExp) => refused(change, field, rule, privateSpec());

const secure = (spec: Record<string, unknown>) => (distributed(spec).private as { secureAggregation: Record<string, unknown> }).secureAggregation;

describe("private-data round job spec", () => {
  it("names no train split, derives each owner's σ over its R·L steps, and the quantisation of secure aggregation", () => {
    const { config } = validateRoundJobSpec(privateSpec());
    assert.deepEqual(config.parts, []);
    assert.equal(config.privateData?.examples, 1000);
    // Four updates clipped to ±0.5 fit a signed int32 sum with f = 29 (4 · 2^28 < 2^31), not with f = 30.
    assert.deepEqual(config.privateData?.secureAggregation, { clip: 0.5, fractionBits: 29, participants: 4, bound: 2 ** 28 });
    const privacy = config.step.privacy!;
    assert.equal(privacy.sampleRate, 16 / 1000);
    assert.ok(privacy.epsilon <= 3 && privacy.epsilon > 2.5, `ε spent ${privacy.epsilon}`);
    // More steps (R·L) need more noise for the same ε.
    const longer = privateSpec();
    distributed(longer).rounds = 20;
    assert.ok(validateRoundJobSpec(longer).config.step.privacy!.noiseMultiplier > privacy.noiseMultiplier);
    const clear = privateSpec();
    (distributed(clear).private as Record<string, unknown>).secureAggregation = "none";
    distributed(clear).aggregation = { rule: "median" };
    assert.equal(validateRoundJobSpec(clear).config.privateData?.secureAggregation, undefined, "updates in the clear: robust rules allowed");
  });

  it("refuses a train split, DP without owners, and a batch larger than an owner's examples", () => {
    privateRefused((s) => ((s.dataset as { splits: Record<string, unknown> }).splits.train = { source: "train", start: 0, end: 1000 }), "dataset.splits.train", /not a known field/);
    refused((s) => (s.privacy = { targetEpsilon: "3", delta: "1e-5", clipNorm: "1" }), "privacy", /needs distributed.private/);
    privateRefused((s) => ((distributed(s).private as Record<string, unknown>).examples = 0), "distributed.private.examples", /integer/);
    privateRefused((s) => ((distributed(s).private as Record<string, unknown>).examples = 10), "batchSize", /integer in \[1, 10\]/);
    privateRefused((s) => ((distributed(s).private as Record<string, unknown>).extra = 1), "distributed.private.extra", /not a known field/);
  });

  it("refuses under secure aggregation a robust rule, compression, fewer than 3 slots, a bad clip and an overflowing grid", () => {
    privateRefused((s) => (distributed(s).aggregation = { rule: "median" }), "distributed.aggregation.rule", /"fedavg" under secure aggregation/);
    privateRefused((s) => (distributed(s).compression = { topK: "0.1", quantize: "none" }), "distributed.compression", /"none" under secure aggregation/);
    privateRefused((s) => (distributed(s).slots = 2), "distributed.slots", /at least 3/);
    privateRefused((s) => (secure(s).clip = "0"), "distributed.private.secureAggregation.clip", /./);
    privateRefused((s) => (secure(s).fractionBits = 30), "distributed.private.secureAggregation.fractionBits", /sum without overflow/);
    privateRefused((s) => (secure(s).fractionBits = 31), "distributed.private.secureAggregation.fractionBits", /integer/);
  });
});
