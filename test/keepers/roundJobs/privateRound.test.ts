import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { defaultRoundJobSpec } from "../../../keepers/src/jobs/defaultJobSpec.ts";
import { ownedExamples, ownerMismatch, parseOwnedData } from "../../../keepers/src/roundJobs/privateRound.ts";
import { validateRoundJobSpec } from "../../../keepers/src/rounds/roundJobSpec.ts";
import { loadMnist } from "../../../keepers/src/training/mnist.ts";

const cli = new URL("../../../keepers/src/cli.ts", import.meta.url).pathname;
const SIZES = { train: 5000, test: 5000 };
const distributed = { slots: 4, rounds: 2, localSteps: 15 };

describe("data owners", () => {
  it("reads --private-data as a range of the keeper's MNIST copy, and refuses anything else in one line", async () => {
    assert.deepEqual(parseOwnedData("train:54000-55000"), { source: "train", start: 54000, end: 55000 });
    assert.deepEqual(parseOwnedData("test:0-10000"), { source: "test", start: 0, end: 10000 });
    for (const text of ["train:5-3", "train:0-60001", "test:9000-10001", "validation:0-10", "train:01-5", "train:0-", "train 0-5"]) {
      assert.throws(() => parseOwnedData(text), (error: Error & { code?: string }) => error.code === "CONFIG_INVALID" && error.message.includes("e.g. train:54000-55000"), text);
    }
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, "compute", "--private-data", "train:70000-71000"], { encoding: "utf8" }).catch((error) => error);
    assert.equal(stdout, "");
    assert.equal(stderr, "error [CONFIG_INVALID]: --private-data \"train:70000-71000\" must be <train|test>:<start>-<end> with start < end within MNIST's 60000 train images, e.g. train:54000-55000\n");
  });

  it("cuts the owned examples from MNIST as they are", () => {
    const owned = ownedExamples({ source: "train", start: 54000, end: 54010 });
    const mnist = loadMnist().train;
    assert.equal(owned.count, 10);
    assert.deepEqual([...owned.labels], [...mnist.labels.subarray(54000, 54010)]);
    assert.equal(ownedExamples({ source: "train", start: 54000, end: 54010 }), owned, "read once per process");
  });

  it("takes a private-data job's slot only with exactly its examples per owner, and a plain job's without owning any", () => {
    const { config } = validateRoundJobSpec(defaultRoundJobSpec({ sizes: SIZES, distributed, privateData: { examples: 1000, targetEpsilon: "3", secureClip: "0.5" } }).spec);
    assert.equal(ownerMismatch(config, { source: "train", start: 50000, end: 51000 }), undefined);
    assert.match(ownerMismatch(config, { source: "train", start: 50000, end: 50500 })!, /hold 1000 examples each, this keeper 500/);
    assert.match(ownerMismatch(config, undefined)!, /holds none \(--private-data\)/);
    const plain = validateRoundJobSpec(defaultRoundJobSpec({ sizes: SIZES, distributed }).spec).config;
    assert.equal(ownerMismatch(plain, undefined), undefined);
  });

  it("posts a private-data default spec with no train split, DP per owner and secure aggregation", () => {
    const { spec } = defaultRoundJobSpec({ sizes: SIZES, distributed, privateData: { examples: 1000, targetEpsilon: "3", secureClip: "0.5" } });
    assert.equal(spec.dataset.splits.train, undefined);
    assert.deepEqual(spec.distributed.private, { examples: 1000, secureAggregation: { clip: "0.5" } });
    assert.deepEqual(spec.privacy, { targetEpsilon: "3", delta: "1e-5", clipNorm: "1" });
    assert.deepEqual([spec.batchSize, spec.microBatches, spec.optimizer.learningRate], [16, 16, "0.01"]);
    const clear = defaultRoundJobSpec({ sizes: SIZES, distributed, privateData: { examples: 1000, secureClip: "none" } }).spec;
    assert.equal(clear.distributed.private?.secureAggregation, "none");
    assert.equal(clear.privacy, undefined);
  });
});
