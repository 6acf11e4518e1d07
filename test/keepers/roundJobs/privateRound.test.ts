import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { defaultRoundJobSpec } from "../../../keepers/src/jobs/defaultJobSpec.ts";
import type { ProtocolConnection } from "../../../keepers/src/chain/protocolContracts.ts";
import { noiseSeedCommitment, ownedDataRoot } from "../../../keepers/src/roundJobs/ownerCommitments.ts";
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

describe("owner commitments (docs/distributed-training.md, \"Private-data jobs\")", () => {
  it("commits to an owner's examples by the dataset column's Poseidon root of their MNIST records: golden values", async () => {
    assert.equal(await ownedDataRoot(ownedExamples({ source: "test", start: 0, end: 10 })), "0x0ebd97bb826ba867990a630a80b562eeabcd03ad77d39faa4d09e4d919939f91");
    assert.equal(await ownedDataRoot(ownedExamples({ source: "train", start: 50000, end: 51000 })), "0x2bdeac364210e331bf19a796fd10bdcc617f0f0edb73c6106b6e70cdb42c2e70", "the devnet's first owner");
    assert.notEqual(await ownedDataRoot(ownedExamples({ source: "test", start: 1, end: 11 })), await ownedDataRoot(ownedExamples({ source: "test", start: 0, end: 10 })));
  });

  it("commits to a round's noise seed with a salt, bound to the chain, ledger, job, round and slot: a golden value", async () => {
    const chain = { publicClient: { getChainId: async () => 31337 }, contracts: { SecureAggregationLedger: { address: "0x0000000000000000000000000000000000000001" } } } as unknown as ProtocolConnection;
    const opening = { seed: 0x0123456789abcdefn, salt: new Uint8Array(32).fill(0xaa) };
    const commitment = (round: number, slot: number, salt = opening.salt) => noiseSeedCommitment({ chain, jobId: 7n, round }, slot, { ...opening, salt });
    // SHA-256("veritrain/dp/v1/noise-seed" ‖ abi.encode(31337, 0x…01, 7, 2, 3, 0x0123456789abcdef, 0xaa…aa)), also by Python's hashlib.
    assert.equal(await commitment(2, 3), "0x5ad4261d4ab303ecc3b7c4a4c8f93d55bf841ca09f7b4fa78c7b05bb2237b752");
    assert.equal(new Set(await Promise.all([commitment(2, 3), commitment(1, 3), commitment(2, 4), commitment(2, 3, new Uint8Array(32))])).size, 4);
  });
});
