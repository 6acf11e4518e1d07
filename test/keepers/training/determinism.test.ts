import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { Hex } from "viem";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { checkpointHash } from "../../../keepers/src/training/checkpoint.ts";
import { checkpointFilePath, readCheckpointFile, writeCheckpointFile } from "../../../keepers/src/training/checkpointFile.ts";
import { dataOrder } from "../../../keepers/src/training/dataOrder.ts";
import type { PreparedJob } from "../../../keepers/src/training/preparedJob.ts";
import { reexecuteSegment } from "../../../keepers/src/training/segment.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { smallJob } from "./fixtures.ts";

const directory = mkdtempSync(join(tmpdir(), "veritrain-checkpoints-"));
after(() => rmSync(directory, { recursive: true, force: true }));

/** Runs a job and saves every checkpoint under `<directory>/<run>/`. */
async function runAndSave(job: PreparedJob, threads: number, run: string): Promise<Hex[]> {
  const { hashes } = await trainJob({
    job,
    threads,
    onCheckpoint: (checkpoint) => {
      assert.equal(checkpointHash({ bytes: checkpoint.bytes, engineVersion: job.config.engineVersion }), checkpoint.hash);
      writeCheckpointFile({ directory: join(directory, run), checkpoint });
    },
  });
  return hashes;
}

/** Checkpoint `index` saved by run `run`. */
function saved(run: string, index: number): Uint8Array {
  return readCheckpointFile(checkpointFilePath(join(directory, run), index));
}

/** The job with one bit of one training pixel flipped (a private copy of the data). */
function withFlippedPixel(job: PreparedJob, example: number, pixel: number): PreparedJob {
  const train = job.sets.train;
  const pixels = Uint8Array.from(train.pixels);
  pixels[example * train.rows * train.cols + pixel]! ^= 1;
  return { ...job, sets: { ...job.sets, train: { ...train, pixels } } };
}

describe("deterministic training", () => {
  // 128 examples, batch 32 = 4 micro-batches of 8, 2 epochs of 4 steps (the learning rate decays
  // after the first), a checkpoint every 2 steps.
  const adamJob = smallJob({ trainCount: 128, batchSize: 32, microBatches: 4, checkpointInterval: 2, epochs: 2 });
  const adamHashes: Record<number, Hex[]> = {};

  it("gives identical checkpoint hashes with 1, 2 and 3 threads (Adam)", async () => {
    adamHashes[1] = await runAndSave(adamJob, 1, "adam1");
    adamHashes[2] = await runAndSave(adamJob, 2, "adam2");
    adamHashes[3] = await runAndSave(adamJob, 3, "adam3");
    assert.equal(adamHashes[1].length, 5);
    assert.equal(new Set(adamHashes[1]).size, 5, "every checkpoint differs from the previous one");
    assert.deepEqual(adamHashes[2], adamHashes[1]);
    assert.deepEqual(adamHashes[3], adamHashes[1]);
  });

  it("gives identical checkpoint hashes with 1 and 2 threads (SGD with momentum and weight decay)", async () => {
    const job = smallJob({ trainCount: 128, batchSize: 32, microBatches: 4, checkpointInterval: 2, optimizer: "sgd" });
    const one = (await trainJob({ job, threads: 1 })).hashes;
    const two = (await trainJob({ job, threads: 2 })).hashes;
    assert.deepEqual(two, one);
    assert.notDeepEqual(one, adamHashes[1]);
  });

  it("changes the hashes when the micro-batch split changes (it is part of the summation order)", async () => {
    const job = smallJob({ trainCount: 128, batchSize: 32, microBatches: 2, checkpointInterval: 2, epochs: 2 });
    const { hashes } = await trainJob({ job, threads: 2 });
    assert.equal(hashes[0], adamHashes[1]![0], "same initial state");
    assert.notEqual(hashes[1], adamHashes[1]![1]);
  });

  it("re-executes any segment from its saved checkpoint alone, with any thread count", async () => {
    for (const [index, threads] of [[0, 1], [2, 2], [3, 1]] as const) {
      const checkpoint = saved("adam2", index);
      assert.equal(checkpointHash({ bytes: checkpoint, engineVersion: adamJob.config.engineVersion }), adamHashes[1]![index]);
      const next = await reexecuteSegment({ job: adamJob, checkpoint, threads });
      assert.equal(next.index, index + 1);
      assert.equal(next.step, adamJob.checkpointSteps[index + 1]);
      assert.equal(next.hash, adamHashes[1]![index + 1]);
      assert.deepEqual(next.bytes, saved("adam1", index + 1));
    }
  });

  it("gives a different next hash when one bit of the checkpoint's weights changes", async () => {
    const checkpoint = Uint8Array.from(saved("adam1", 2));
    checkpoint[36 + 4 * 1000]! ^= 1; // lowest mantissa bit of parameter 1000 (a conv2 weight)
    const next = await reexecuteSegment({ job: adamJob, checkpoint, threads: 2 });
    assert.notEqual(next.hash, adamHashes[1]![3]);
  });

  it("gives a different next hash when one bit of one training pixel read by the segment changes", async () => {
    // Segment 2 is steps 4–5: epoch 1, batches 0 and 1.
    const { engineVersion, seed } = adamJob.config;
    const order = dataOrder({ engineVersion, seed, epoch: 1, size: adamJob.sets.train.count });
    const example = order(0);
    const checkpoint = saved("adam1", 2);
    const untouched = await reexecuteSegment({ job: withFlippedPixel(adamJob, order(64), 300), checkpoint, threads: 1 });
    assert.equal(untouched.hash, adamHashes[1]![3], "a pixel this segment never reads does not matter");
    const next = await reexecuteSegment({ job: withFlippedPixel(adamJob, example, 300), checkpoint, threads: 1 });
    assert.notEqual(next.hash, adamHashes[1]![3]);
  });

  it("refuses checkpoints that do not belong to the job", async () => {
    const last = saved("adam1", 4);
    await assert.rejects(reexecuteSegment({ job: adamJob, checkpoint: last, threads: 1 }), (e: unknown) =>
      e instanceof VeritrainError && e.code === "CHECKPOINT_INVALID" && /last checkpoint/.test(e.message));
    const sgdJob = smallJob({ trainCount: 128, batchSize: 32, microBatches: 4, checkpointInterval: 2, epochs: 2, optimizer: "sgd" });
    await assert.rejects(reexecuteSegment({ job: sgdJob, checkpoint: saved("adam1", 1), threads: 1 }), /optimizer is adam/);
  });
});
