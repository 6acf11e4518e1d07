import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CheckpointRecord } from "../../../keepers/src/training/checkpoint.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { stepProgram } from "../../../keepers/src/trainingVm/stepProgram.ts";
import { stateCommitment, TrainingVm, vmData } from "../../../keepers/src/trainingVm/trainingVm.ts";
import { emptyRoot } from "../../../keepers/src/trainingVm/wordTree.ts";
import { smallJob } from "../training/fixtures.ts";

describe("engine version 2 and the training VM", () => {
  // 16 examples, batch 8 = 2 micro-batches of 4: 2 epochs of 2 steps, a checkpoint every 3 steps (0, 3, then the
  // last, 4), so the first segment crosses the epoch boundary. LeNet-5 with Adam and a decaying rate, or with AdamW,
  // the cosine schedule (its warm-up, then its decay) and clipping; LeCun's LeNet-5 (Tanh, average pooling) with Adam.
  const runs = [
    ["LeNet-5", createLeNet5Onnx({ seed: 1n }), "adam"],
    ["LeNet-5", createLeNet5Onnx({ seed: 1n }), "adamw"],
    ["LeCun's LeNet-5 (lenet5-classic)", createLeNet5Onnx({ seed: 1n, activation: "tanh", pooling: "average" }), "adam"],
  ] as const;
  for (const [name, modelBytes, optimizer] of runs) {
    it(`commit the same state at every checkpoint of a run: the engine's checkpoint hash is the VM's checkpoint root (${name}, ${optimizer})`, async () => {
      const job = smallJob({ modelBytes, trainCount: 16, batchSize: 8, microBatches: 2, checkpointInterval: 3, epochs: 2, optimizer });
      assert.equal(job.config.engineVersion, "veritrain-train/2");
      const records: CheckpointRecord[] = [];
      await trainJob({ job, threads: 1, onCheckpoint: (checkpoint) => void records.push(checkpoint) });
      assert.deepEqual(records.map((record) => record.step), [0, 3, 4]);

      const data = vmData(job.sets.train);
      const examples = job.sets.train.count;
      let checkpoint = records[0]!.bytes;
      for (let step = 0; step < job.totalSteps; step++) {
        const program = stepProgram({ model: job.model.definition, config: job.config, examples, step });
        const vm = new TrainingVm({ program, checkpoint, data });
        const atStepBoundary = (record: CheckpointRecord) => stateCommitment(record.hash, emptyRoot(program.depths.scratch), 0n);
        if (step === 0) assert.equal(vm.commitment(), atStepBoundary(records[0]!), "checkpoint 0");
        checkpoint = Uint8Array.from(vm.runStep());
        const record = records.find((r) => r.step === step + 1);
        if (record === undefined) continue;
        assert.equal(vm.commitment(), atStepBoundary(record), `checkpoint ${record.index}: the VM's state after step ${step} commits to the engine's hash`);
        assert.deepEqual(checkpoint, record.bytes, `checkpoint ${record.index}: the same bytes`);
      }
    });
  }
});
