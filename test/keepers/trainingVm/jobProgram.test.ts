import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { prepareJob } from "../../../keepers/src/training/preparedJob.ts";
import type { CheckpointRecord } from "../../../keepers/src/training/checkpoint.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { jobProgram, jobTrace } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { mnistSources, smallJob, smallJobSpec } from "../training/fixtures.ts";

// LeNet-5, Adam, 24 examples, batch 8 = 2 micro-batches of 4: 3 steps, checkpoints at 0, 2 and 3.
const PARAMETERS = { trainCount: 24, batchSize: 8, microBatches: 2, checkpointInterval: 2 } as const;

describe("jobProgram: the training-VM program a job's order commits", () => {
  const job = smallJob(PARAMETERS);
  const program = jobProgram(job);

  it("commits the job's checkpoint schedule, its checkpoint 0 being the run's, and is the program of the job's trace from any checkpoint", async () => {
    const records: CheckpointRecord[] = [];
    await trainJob({ job, threads: 1, onCheckpoint: (checkpoint) => void records.push(checkpoint) });
    assert.deepEqual(records.map((record) => record.step), [0, 2, 3]);
    assert.equal(program.job.initialRoot, records[0]!.hash, "the initial root is the run's checkpoint 0");
    assert.equal(program.job.checkpointInterval, 2);
    assert.equal(program.job.totalSteps, 3n);
    assert.equal(program.job.examples, 24);
    // A game over checkpoint 2's segment (step 2 on) replays the same program.
    const trace = jobTrace(job, 1, records[1]!.bytes);
    assert.equal(trace.program.hash, program.hash);
    assert.equal(trace.checkpointRoot(3), records[2]!.hash, "and its trace reaches the run's last checkpoint");
  });

  it("pins the program hash of this job (engine version 2)", () => {
    assert.equal(program.hash, "0x23ea4fbbe0429c8c5dd0863290b42a142d9847562672ddd90fda035d112ff2e0");
  });

  it("differs when the data, the initial weights, the hyper-parameters or the schedule differ", () => {
    const others = [
      smallJob({ ...PARAMETERS, trainCount: 32 }),
      smallJob({ ...PARAMETERS, modelBytes: createLeNet5Onnx({ seed: 2n }) }),
      smallJob({ ...PARAMETERS, optimizer: "sgd" }),
      smallJob({ ...PARAMETERS, checkpointInterval: 1 }),
    ];
    const hashes = new Set([program.hash, ...others.map((other) => jobProgram(other).hash)]);
    assert.equal(hashes.size, 5);
  });

  it("refuses a job of engine version 1 (another data order): its disputes go to the committee", () => {
    const modelBytes = createLeNet5Onnx({ seed: 1n });
    const v1 = prepareJob({ spec: { ...smallJobSpec({ ...PARAMETERS, modelBytes }), engineVersion: "veritrain-train/1" }, modelBytes, sources: mnistSources() });
    assert.throws(() => jobProgram(v1), (error: Error & { code?: string }) => error.code === "VM_UNSUPPORTED" && /engine version 2 .* this job names veritrain-train\/1/.test(error.message));
  });
});
