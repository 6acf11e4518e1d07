import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { canonicalJson } from "../../../keepers/src/training/canonicalJson.ts";
import { contentId, RAW_CODEC } from "../../../keepers/src/training/contentId.ts";
import { jobSpecCid, parseDecimal32, validateJobSpec, type JobSpec } from "../../../keepers/src/training/jobSpec.ts";

const SPEC: JobSpec = {
  engineVersion: "veritrain-train/1",
  model: "bafkreidh225rbzjm6jnw2kumnful67v7uk5dbqam5dwjhte66jvai3um6m",
  dataset: {
    id: "mnist",
    splits: {
      train: { source: "train", start: 0, end: 55000 },
      validation: { source: "train", start: 55000, end: 60000 },
      test: { source: "test", start: 0, end: 10000 },
    },
  },
  optimizer: {
    type: "adam", learningRate: "0.001", learningRateDecay: "0.75", beta1: "0.9", beta2: "0.999", epsilon: "1e-8", weightDecay: "0",
  },
  seed: 1,
  epochs: 7,
  batchSize: 64,
  microBatches: 4,
  checkpointInterval: 100,
  metric: "accuracy",
};

/** SPEC with one field replaced (dotted path) or deleted (value undefined). */
function withField(path: string, value: unknown): unknown {
  const copy = structuredClone(SPEC) as unknown as Record<string, unknown>;
  const keys = path.split(".");
  let target = copy;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  if (value === undefined) delete target[keys.at(-1)!];
  else target[keys.at(-1)!] = value;
  return copy;
}

function assertRejects(spec: unknown, field: string): void {
  assert.throws(
    () => validateJobSpec(spec),
    (error: unknown) => {
      assert.ok(error instanceof VeritrainError);
      assert.equal(error.code, "JOB_SPEC_INVALID");
      assert.equal(error.details.field, field);
      assert.match(error.message, new RegExp(field.replaceAll(".", "\\.")));
      return true;
    },
  );
}

describe("job spec", () => {
  it("accepts a valid spec and parses decimals to binary32", () => {
    const { config } = validateJobSpec(SPEC);
    assert.equal(config.seed, 1n);
    assert.equal(config.optimizer.learningRate, Math.fround(0.001));
    assert.equal(config.optimizer.type === "adam" && config.optimizer.epsilon, Math.fround(1e-8));
    assert.equal(parseDecimal32("0.1"), 0.10000000149011612);
  });

  it("accepts both engine versions and keeps the version in the configuration", () => {
    assert.equal(validateJobSpec(SPEC).config.engineVersion, "veritrain-train/1");
    assert.equal(validateJobSpec(withField("engineVersion", "veritrain-train/2")).config.engineVersion, "veritrain-train/2");
  });

  it("has a stable content address (test vector)", () => {
    assert.equal(
      canonicalJson(SPEC as never),
      '{"batchSize":64,"checkpointInterval":100,"dataset":{"id":"mnist","splits":{"test":{"end":10000,"source":"test","start":0},' +
        '"train":{"end":55000,"source":"train","start":0},"validation":{"end":60000,"source":"train","start":55000}}},' +
        '"engineVersion":"veritrain-train/1","epochs":7,"metric":"accuracy","microBatches":4,' +
        '"model":"bafkreidh225rbzjm6jnw2kumnful67v7uk5dbqam5dwjhte66jvai3um6m",' +
        '"optimizer":{"beta1":"0.9","beta2":"0.999","epsilon":"1e-8","learningRate":"0.001","learningRateDecay":"0.75","type":"adam","weightDecay":"0"},' +
        '"seed":1}',
    );
    assert.equal(jobSpecCid(SPEC), "bagaaierakecqi7usxjz6i6hrcz277553xqvfm2jh5aemis2zygeilkauxkoa");
    const reordered = JSON.parse(JSON.stringify({ ...SPEC, metric: undefined, seed: 1 })) as JobSpec;
    reordered.metric = "accuracy";
    assert.equal(jobSpecCid(reordered), jobSpecCid(SPEC));
    assert.equal(contentId({ bytes: new TextEncoder().encode("hello"), codec: RAW_CODEC }), "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq");
  });

  const bad: Array<[path: string, value: unknown, field?: string]> = [
    ["engineVersion", "veritrain-train/3"],
    ["model", "QmNotACidV1"],
    ["model", undefined],
    ["dataset.id", "cifar10"],
    ["dataset.splits.train.source", "dev"],
    ["dataset.splits.train.end", 60001],
    ["dataset.splits.train.start", -1],
    ["dataset.splits.validation.start", 100, "dataset.splits.validation"],
    ["dataset.splits.test", { source: "train", start: 10, end: 20 }],
    ["optimizer.type", "rmsprop"],
    ["optimizer.learningRate", 0.001],
    ["optimizer.learningRate", "1e-50"],
    ["optimizer.learningRate", "-0.1"],
    ["optimizer.learningRate", "1e-65"],
    ["optimizer.learningRate", `1${"0".repeat(60)}e-64`],
    ["optimizer.learningRate", `0.${"0".repeat(62)}1`],
    ["optimizer.beta1", "1"],
    ["optimizer.learningRateDecay", "0"],
    ["optimizer.learningRateDecay", "1.5"],
    ["optimizer.epsilon", "0"],
    ["optimizer.momentum", "0.9", "optimizer.momentum"],
    ["optimizer.clipNorm", "0"],
    ["optimizer.clipNorm", 1],
    ["optimizer.schedule", { type: "linear" }, "optimizer.schedule.type"],
    ["optimizer.schedule", { type: "step", everyEpochs: 2, gamma: "0.5" }, "optimizer.learningRateDecay"],
    ["seed", 1.5],
    ["seed", -1],
    ["epochs", 0],
    ["batchSize", 0],
    ["microBatches", 3],
    ["checkpointInterval", 0],
    ["metric", "f1"],
    ["extra", 1],
  ];
  for (const [path, value, field] of bad) {
    it(`rejects ${path} = ${JSON.stringify(value)}`, () => assertRejects(withField(path, value), field ?? path));
  }

  const ADAMW = { type: "adamw", learningRate: "0.001", learningRateDecay: "1", beta1: "0.9", beta2: "0.999", epsilon: "1e-8", weightDecay: "0.01" };
  const COSINE = { type: "cosine", warmupSteps: 100, totalSteps: 5000, minLearningRate: "0.00001" };

  it("accepts AdamW with a cosine schedule and gradient clipping, and a step schedule, parsed to binary32", () => {
    const { config } = validateJobSpec({ ...SPEC, optimizer: { ...ADAMW, schedule: COSINE, clipNorm: "1.0" } });
    assert.deepEqual(config.optimizer, {
      type: "adamw", learningRate: Math.fround(0.001), learningRateDecay: 1, weightDecay: Math.fround(0.01), beta1: Math.fround(0.9), beta2: Math.fround(0.999),
      epsilon: Math.fround(1e-8), schedule: { type: "cosine", warmupSteps: 100, totalSteps: 5000, minLearningRate: Math.fround(0.00001) }, clipNorm: 1,
    });
    const step = validateJobSpec({ ...SPEC, optimizer: { ...SPEC.optimizer, learningRateDecay: "1", schedule: { type: "step", everyEpochs: 3, gamma: "0.1" } } });
    assert.deepEqual(step.config.optimizer.schedule, { type: "step", everyEpochs: 3, gamma: Math.fround(0.1) });
  });

  const badSchedules: Array<[schedule: unknown, field: string]> = [
    [{ ...COSINE, warmupSteps: 5000 }, "optimizer.schedule.warmupSteps"],
    [{ ...COSINE, totalSteps: 0 }, "optimizer.schedule.totalSteps"],
    [{ ...COSINE, minLearningRate: "0.01" }, "optimizer.schedule.minLearningRate"],
    [{ ...COSINE, cycles: 2 }, "optimizer.schedule.cycles"],
    [{ type: "step", everyEpochs: 0, gamma: "0.5" }, "optimizer.schedule.everyEpochs"],
    [{ type: "step", everyEpochs: 1, gamma: "0" }, "optimizer.schedule.gamma"],
    [{ type: "step", everyEpochs: 1 }, "optimizer.schedule.gamma"],
  ];
  for (const [schedule, field] of badSchedules) {
    it(`rejects the schedule ${JSON.stringify(schedule)} at ${field}`, () => assertRejects({ ...SPEC, optimizer: { ...ADAMW, schedule } }, field));
  }

  it("rejects a non-object", () => {
    assert.throws(() => validateJobSpec([]), /must be an object/);
  });

  it("accepts a split that keeps some labels, and checks overlap by range and labels", () => {
    const digits = (labels: number[]) => ({ source: "train", start: 0, end: 60000, labels });
    const { spec } = validateJobSpec(withField("dataset.splits", { train: digits([5, 6, 7, 8, 9]), validation: digits([0, 1]), test: { source: "test", start: 0, end: 10000, labels: [5, 6, 7, 8, 9] } }));
    assert.deepEqual(spec.dataset.splits.train.labels, [5, 6, 7, 8, 9]);
    assertRejects(withField("dataset.splits", { train: digits([5, 6]), validation: digits([6, 7]), test: SPEC.dataset.splits.test }), "dataset.splits.validation");
    assertRejects(withField("dataset.splits.validation", { source: "train", start: 50000, end: 60000 }), "dataset.splits.validation");
    assert.equal(jobSpecCid(SPEC), jobSpecCid(validateJobSpec(structuredClone(SPEC)).spec), "a spec without labels keeps its address");
  });

  const badLabels: unknown[] = [[], [5, 5], [6, 5], [10], [-1], [1.5], ["5"], "5", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]];
  for (const labels of badLabels) {
    it(`rejects the train labels ${JSON.stringify(labels)}`, () => assertRejects(withField("dataset.splits.train.labels", labels), "dataset.splits.train.labels"));
  }

  it("rejects labels together with privacy: the accountant needs the split's size from the spec", () => {
    const privateSpec = { ...(withField("dataset.splits.train.labels", [5, 6]) as JobSpec), microBatches: 64, privacy: { targetEpsilon: "3", delta: "1e-5", clipNorm: "1" } };
    assertRejects(privateSpec, "dataset.splits.train.labels");
  });
});
