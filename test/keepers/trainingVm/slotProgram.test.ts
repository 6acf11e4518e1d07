import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeGlobalModel } from "../../../keepers/src/rounds/globalModel.ts";
import { localUpdate } from "../../../keepers/src/rounds/localUpdate.ts";
import { prepareRoundJob } from "../../../keepers/src/rounds/preparedRoundJob.ts";
import { decodeCheckpoint } from "../../../keepers/src/training/checkpoint.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { slotProgram, slotTrace } from "../../../keepers/src/trainingVm/slotProgram.ts";
import { smallRoundJobSpec } from "../rounds/fixtures.ts";
import { mnistSources } from "../training/fixtures.ts";

describe("a distributed job's slot in the training VM", () => {
  // Two slots of 16 examples, batch 8 in 2 micro-batches (2 steps an epoch), 3 local steps a round, Adam: round 1 is
  // steps 3–5 of each part, across its epoch boundary, with t = 1, 2, 3 in Adam's bias correction.
  const modelBytes = createLeNet5Onnx({ seed: 3n });
  const spec = smallRoundJobSpec({ modelBytes, trainCount: 32, batchSize: 8, distributed: { slots: 2, rounds: 3, localSteps: 3 } });
  const job = prepareRoundJob({ spec, modelBytes, sources: mnistSources() });
  const L = job.config.localSteps;

  it("runs a round's local update from the global model to the engine's update, bit for bit", async () => {
    const start = Float32Array.from(job.model.params);
    const first = await localUpdate({ job, set: job.parts[0]!, round: 0, global: start, threads: 1 });
    const global = start.map((value, i) => Math.fround(value + first[i]!)); // G_1: one slot's update, outer step η = 1
    // Layout 2 (with the outer momentum after the parameters): `load` reads the parameters alone.
    const globalModel = encodeGlobalModel({ round: 1, params: global, momentum: global.map((value) => value / 3) });
    for (const slot of [0, 1]) {
      const engine = await localUpdate({ job, set: job.parts[slot]!, round: 1, global, threads: 1 });
      const trace = slotTrace({ job, slot, round: 1, globalModel });
      const end = decodeCheckpoint(trace.checkpointAt(2 * L)).state;
      assert.equal(end.step, 2 * L);
      const update = end.params.map((value, i) => Math.fround(value - global[i]!));
      const differs = update.findIndex((value, i) => !Object.is(value, engine[i]));
      assert.equal(differs, -1, `slot ${slot}: the VM's update is the engine's, bit for bit (first difference at ${differs})`);
      assert.ok(end.optimizerState.every((vector) => vector.some((value) => value !== 0)), "Adam's moments moved in the round");
    }
  });

  it("has one program per slot, the same in every round, its checkpoints the rounds' ends", () => {
    const programs = [0, 1].map((slot) => slotProgram(job, slot));
    assert.notEqual(programs[0]!.hash, programs[1]!.hash, "each slot trains on its own part (its data root)");
    const later = slotTrace({ job, slot: 1, round: 2, globalModel: encodeGlobalModel({ round: 2, params: Float32Array.from(job.model.params, (value) => value / 2) }) }).program;
    assert.equal(later.hash, programs[1]!.hash, "a round's start state is not part of the program");
    const start = (params: Float32Array) => slotTrace({ job, slot: 1, round: 2, globalModel: encodeGlobalModel({ round: 2, params }) }).stateAt(2 * L);
    assert.notEqual(start(Float32Array.from(job.model.params)), start(Float32Array.from(job.model.params, (value) => value / 2)), "the round's start commits to its global model (its digest)");
    assert.deepEqual([programs[1]!.job.checkpointInterval, programs[1]!.job.totalSteps, programs[1]!.job.rounds, programs[1]!.job.examples], [L, 3n * BigInt(L), true, 16]);
    assert.throws(() => slotProgram(job, 2), /slot 2 is not a slot of this job/);
  });
});
