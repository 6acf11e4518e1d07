import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Hex } from "viem";
import { dishonestyFlag, firstWrongCheckpoint, parseDishonesty, segmentFault, type Dishonesty } from "../../../keepers/src/compute/dishonesty.ts";
import { runTraining } from "../../../keepers/src/compute/runTraining.ts";
import { checkpointHash } from "../../../keepers/src/training/checkpoint.ts";
import { ENGINE_VERSION } from "../../../keepers/src/training/jobSpec.ts";
import type { PreparedJob } from "../../../keepers/src/training/preparedJob.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { jobTrace } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { smallJob } from "../training/fixtures.ts";

describe("the devnet's dishonest provider, wrong at each level of a dispute game", () => {
  let work: string;
  let job: PreparedJob;
  let reference: Hex[];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "veritrain-dishonesty-"));
    // 120 examples, batch 20: 6 steps, checkpoints at steps 0, 2, 4, 6.
    job = smallJob({ trainCount: 120, batchSize: 20, microBatches: 2, checkpointInterval: 2 });
    reference = (await trainJob({ job, threads: 1 })).hashes;
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it("parses --dishonest's forms and says which it takes", () => {
    assert.deepEqual(parseDishonesty(true), { level: "checkpoint", at: 1 });
    assert.deepEqual(parseDishonesty("3"), { level: "checkpoint", at: 3 });
    for (const level of ["checkpoint", "step", "instruction"] as const) {
      assert.deepEqual(parseDishonesty(`${level}:12`), { level, at: 12 });
      assert.equal(dishonestyFlag({ level, at: 12 }), `${level}:12`);
    }
    for (const bad of ["", "operator:2", "step:", "step:-1", "step:1.5", "x"]) {
      assert.throws(() => parseDishonesty(bad), { code: "INVALID_ARGUMENT", message: /--dishonest must be <n>, checkpoint:<n>, step:<n> or instruction:<n>/ });
    }
  });

  it("names the first wrong checkpoint, refusing a level outside the job", () => {
    assert.equal(firstWrongCheckpoint(job, { level: "checkpoint", at: 2 }), 2);
    assert.deepEqual([0, 1, 2, 3, 5].map((at) => firstWrongCheckpoint(job, { level: "step", at })), [1, 1, 2, 2, 3]);
    for (const bad of [{ level: "checkpoint", at: 0 }, { level: "checkpoint", at: 4 }, { level: "instruction", at: 6 }] as const) {
      assert.throws(() => firstWrongCheckpoint(job, bad), { code: "INVALID_ARGUMENT" });
    }
  });

  for (const dishonesty of [{ level: "step", at: 3 }, { level: "instruction", at: 2 }] as Dishonesty[]) {
    it(`runs wrong from ${dishonestyFlag(dishonesty)} on, and its game trace asserts exactly its checkpoints`, async () => {
      const run = await runTraining({ job, directory: join(work, dishonestyFlag(dishonesty).replace(":", "-")), threads: 1, dishonesty });
      const hashes = Array.from({ length: run.count }, (_, i) => checkpointHash({ bytes: run.readCheckpoint(i), engineVersion: ENGINE_VERSION }));
      const wrong = firstWrongCheckpoint(job, dishonesty);
      assert.deepEqual(hashes.slice(0, wrong), reference.slice(0, wrong), "right before the fault");
      for (let index = wrong; index < run.count; index++) assert.notEqual(hashes[index], reference[index], `checkpoint ${index} follows from the wrong one`);

      // The provider plays its game from checkpoint wrong − 1 with the fault: its claims end at its posted checkpoint.
      const fault = segmentFault(job, dishonesty, wrong);
      assert.equal(fault?.step, dishonesty.at);
      const end = job.checkpointSteps[wrong]!;
      const played = jobTrace(job, wrong - 1, run.readCheckpoint(wrong - 1), fault);
      assert.equal(played.checkpointRoot(end), hashes[wrong]);
      // Its states agree with the true run's up to the faulty instruction, and the step it is in ends wrong.
      const truth = jobTrace(job, wrong - 1, run.readCheckpoint(wrong - 1));
      assert.equal(truth.checkpointRoot(end), reference[wrong]);
      const { step, position } = fault!;
      assert.equal(played.stateAt(step, position), truth.stateAt(step, position));
      assert.notEqual(played.stateAt(step + 1), truth.stateAt(step + 1));
      // No fault in any other segment.
      for (let index = 1; index < run.count; index++) if (index !== wrong) assert.equal(segmentFault(job, dishonesty, index), undefined);
    });
  }

  it("puts no training-VM fault in a game for a wrong checkpoint hash (every step is right)", () => {
    assert.equal(segmentFault(job, { level: "checkpoint", at: 2 }, 2), undefined);
    assert.equal(segmentFault(job, undefined, 2), undefined);
  });
});
