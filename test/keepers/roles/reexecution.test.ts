import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CID } from "multiformats/cid";
import { keccak256, parseEther, type Hex } from "viem";
import { findWrongCheckpoint } from "../../../keepers/src/challenger/findWrongCheckpoint.ts";
import { quoteJob } from "../../../keepers/src/compute/costModel.ts";
import { runTraining, type TrainingRun } from "../../../keepers/src/compute/runTraining.ts";
import type { FetchedResult } from "../../../keepers/src/jobs/resultManifest.ts";
import { checkpointHash, makeCheckpoint } from "../../../keepers/src/training/checkpoint.ts";
import { checkpointFilePath } from "../../../keepers/src/training/checkpointFile.ts";
import { ENGINE_VERSION } from "../../../keepers/src/training/jobSpec.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { initialState, type PreparedJob } from "../../../keepers/src/training/preparedJob.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { decideVerdict } from "../../../keepers/src/validator/decideVerdict.ts";
import { smallJob, smallJobSpec } from "../training/fixtures.ts";

/** A provider's published result as a fetcher sees it, served from a run's checkpoint files (of a job of ENGINE_VERSION). */
function localResult(run: TrainingRun): FetchedResult {
  const hashes = Array.from({ length: run.count }, (_, i) => checkpointHash({ bytes: run.readCheckpoint(i), engineVersion: ENGINE_VERSION }));
  return { manifestCid: CID.parse("bafkreidh225rbzjm6jnw2kumnful67v7uk5dbqam5dwjhte66jvai3um6m"), hashes, checkpoint: async (i) => run.readCheckpoint(i) };
}

describe("training runs, re-execution, challenges and verdicts (no chain)", () => {
  let work: string;
  let job: PreparedJob;
  let reference: Hex[];
  let honest: TrainingRun;
  let dishonest: TrainingRun;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "veritrain-reexecution-"));
    // 120 examples, batch 20 = 2 micro-batches of 10: 6 steps, checkpoints at steps 0, 2, 4, 6.
    job = smallJob({ trainCount: 120, batchSize: 20, microBatches: 2, checkpointInterval: 2 });
    reference = (await trainJob({ job, threads: 1 })).hashes;
    honest = await runTraining({ job, directory: join(work, "honest"), threads: 1 });
    dishonest = await runTraining({ job, directory: join(work, "dishonest"), threads: 2, dishonesty: { level: "checkpoint", at: 2 } });
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  describe("runTraining", () => {
    it("writes the checkpoints of the engine's uninterrupted run", () => {
      assert.equal(honest.resumedFrom, 0);
      assert.equal(honest.count, 4);
      assert.deepEqual(localResult(honest).hashes, reference);
    });

    it("resumes a run killed while writing checkpoint 2 from checkpoint 1, bit-identical", async () => {
      const directory = join(work, "killed");
      mkdirSync(directory);
      for (const index of [0, 1]) copyFileSync(checkpointFilePath(join(work, "honest"), index), checkpointFilePath(directory, index));
      writeFileSync(`${checkpointFilePath(directory, 2)}.tmp`, "half a checkpoint");
      const resumed = await runTraining({ job, directory, threads: 1 });
      assert.equal(resumed.resumedFrom, 1);
      for (let index = 0; index < honest.count; index++) assert.deepEqual(resumed.readCheckpoint(index), honest.readCheckpoint(index), `checkpoint ${index}`);
      assert.deepEqual(resumed.finalState.params, honest.finalState.params);
    });

    it("corrupts checkpoint c and everything after it, and only that", () => {
      const hashes = localResult(dishonest).hashes;
      assert.deepEqual(hashes.slice(0, 2), reference.slice(0, 2));
      for (const index of [2, 3]) assert.notEqual(hashes[index], reference[index]);
    });

    it("refuses a directory holding another job's checkpoints", async () => {
      const other = smallJob({ trainCount: 120, batchSize: 20, microBatches: 2, checkpointInterval: 3 });
      await assert.rejects(runTraining({ job: other, directory: join(work, "honest"), threads: 1 }), { code: "CHECKPOINT_INVALID" });
    });

    it("refuses a dishonest checkpoint 0 or one past the end, and a step past the job", async () => {
      for (const dishonesty of [{ level: "checkpoint", at: 0 }, { level: "checkpoint", at: 4 }, { level: "step", at: job.totalSteps }] as const) {
        await assert.rejects(runTraining({ job, directory: join(work, "never"), threads: 1, dishonesty }), { code: "INVALID_ARGUMENT" });
      }
    });
  });

  describe("findWrongCheckpoint", () => {
    it("finds nothing wrong in an honest result, fully or sampled", async () => {
      assert.equal(await findWrongCheckpoint({ job, result: localResult(honest), segments: "all", threads: 1 }), undefined);
      assert.equal(await findWrongCheckpoint({ job, result: localResult(honest), segments: 3, threads: 1 }), undefined);
    });

    it("names the first wrong checkpoint with its correct hash, fully or with every segment sampled", async () => {
      const expected = { index: 2, hash: reference[2] };
      assert.deepEqual(await findWrongCheckpoint({ job, result: localResult(dishonest), segments: "all", threads: 1 }), expected);
      assert.deepEqual(await findWrongCheckpoint({ job, result: localResult(dishonest), segments: 3, threads: 1 }), expected);
    });
  });

  describe("decideVerdict", () => {
    it("finds the provider wrong exactly on the corrupted checkpoint", async () => {
      const verdict = (result: FetchedResult, index: bigint) => decideVerdict({ job, result, checkpointIndex: index, threads: 1 });
      assert.equal((await verdict(localResult(dishonest), 2n)).providerWrong, true);
      assert.equal((await verdict(localResult(honest), 2n)).providerWrong, false);
      // Checkpoint 3 does follow from the (corrupted) checkpoint 2: naming it is the challenger's mistake.
      assert.equal((await verdict(localResult(dishonest), 3n)).providerWrong, false);
      assert.equal((await verdict(localResult(honest), 0n)).providerWrong, false);
      assert.deepEqual(await verdict(localResult(honest), 9n), { providerWrong: false, reason: "the job has no checkpoint 9" });
    });
  });

  describe("when the keeper shuts down mid-work", () => {
    // 4,000 examples in batches of 20: 200 optimizer steps in one segment (seconds of work), so
    // only a check between steps can stop it early.
    let long: PreparedJob;
    before(() => {
      long = smallJob({ trainCount: 4000, batchSize: 20, microBatches: 2, checkpointInterval: 1000 });
    });
    /** Aborts after `afterMs`, then measures how long `work` takes to stop; it must reject with ABORTED. */
    const abortedWithin = async (work: (signal: AbortSignal) => Promise<unknown>, afterMs = 300) => {
      const controller = new AbortController();
      let abortedAt = 0;
      const timer = setTimeout(() => {
        abortedAt = performance.now();
        controller.abort();
      }, afterMs);
      try {
        await assert.rejects(work(controller.signal), { code: "ABORTED" });
      } finally {
        clearTimeout(timer);
      }
      return performance.now() - abortedAt;
    };
    const initialResult = (): FetchedResult => {
      const initial = makeCheckpoint(long, 0, initialState(long));
      return { manifestCid: localResult(honest).manifestCid, hashes: [initial.hash, keccak256("0x01")], checkpoint: async () => initial.bytes };
    };

    it("trainJob returns within 2 s of the abort instead of finishing the run", async () => {
      assert.equal(long.checkpointSteps.length, 2, "one segment of 200 steps");
      assert.ok((await abortedWithin((signal) => trainJob({ job: long, threads: 1, signal }))) < 2_000);
    });

    it("runTraining stops inside a segment, keeping the checkpoints it wrote", async () => {
      const directory = join(work, "aborted");
      assert.ok((await abortedWithin((signal) => runTraining({ job: long, directory, threads: 1, signal }))) < 2_000);
      assert.ok(existsSync(checkpointFilePath(directory, 0)) && !existsSync(checkpointFilePath(directory, 1)), "checkpoint 0 kept, no half checkpoint 1");
    });

    it("findWrongCheckpoint, full or sampled, returns within 2 s of the abort", async () => {
      for (const segments of ["all", 1] as const) {
        assert.ok((await abortedWithin((signal) => findWrongCheckpoint({ job: long, result: initialResult(), segments, threads: 1, signal }))) < 2_000, `segments: ${segments}`);
      }
    });

    it("decideVerdict returns within 2 s of the abort", async () => {
      assert.ok((await abortedWithin((signal) => decideVerdict({ job: long, result: initialResult(), checkpointIndex: 1n, threads: 2, signal }))) < 2_000);
    });
  });

  describe("quoteJob", () => {
    it("prices epochs × full batches plus the test split at the configured rate, margin and fee", () => {
      const spec = { ...smallJobSpec({ modelBytes: createLeNet5Onnx({ seed: 1n }), trainCount: 1010, batchSize: 20, epochs: 3 }), dataset: { id: "mnist" as const, splits: { train: { source: "train" as const, start: 0, end: 1010 }, validation: { source: "train" as const, start: 1010, end: 1110 }, test: { source: "test" as const, start: 0, end: 500 } } } };
      // 3 · 50 · 20 = 3,000 training images + 500 test images = 3,500 images; at 1,000 img/s: 4 CPU-seconds.
      const quote = quoteJob(spec, { imagesPerSecond: 1000, pricePerCpuSecond: parseEther("0.001"), marginBps: 2500, baseFee: parseEther("0.1") });
      assert.deepEqual(quote, { images: 3500, cpuSeconds: 4, price: parseEther("0.105") });
    });
  });
});
