import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { makeCheckpoint } from "../../../keepers/src/training/checkpoint.ts";
import { initialState } from "../../../keepers/src/training/preparedJob.ts";
import { TraceWorker } from "../../../keepers/src/games/traceWorker.ts";
import { stepTrace, stepTraceParameters } from "../../../keepers/src/trainingVm/jobProgram.ts";
import type { VmPosition } from "../../../keepers/src/trainingVm/trainingVm.ts";
import { VmTrace } from "../../../keepers/src/trainingVm/vmTrace.ts";
import { smallJob } from "../training/fixtures.ts";

// A game's trace in a worker thread (TraceWorker) against the same trace on the test's thread, over a LeNet-5 job
// (SGD, 24 examples, batch 8, 2 epochs: 6 steps of 0.4–1 s in the VM) from checkpoint 0.

const job = smallJob({ trainCount: 24, batchSize: 8, microBatches: 2, checkpointInterval: 2, epochs: 2, optimizer: "sgd" });
const checkpoint = makeCheckpoint(job, 0, initialState(job)).bytes;
const parameters = stepTraceParameters({ job, step: 0, checkpoint });
const code = (expected: string, message: RegExp) => (error: Error & { code?: string }) => error.code === expected && message.test(error.message);

describe("TraceWorker: a dispute game's trace computed in a worker thread", { timeout: 300_000 }, () => {
  let worker: TraceWorker;

  before(async () => {
    worker = await TraceWorker.start(parameters);
  });

  after(async () => {
    await worker?.close();
  });

  it("answers the states and witnesses of every level bit for bit as the trace on the calling thread", async () => {
    const here = stepTrace(job, 0, checkpoint);
    const counts = here.counts(1);
    const last = counts.length - 1;
    const operator = counts.findIndex((count, o) => o >= last / 2 && count > 1_000);
    const count = counts[operator]!;
    // In the order a game visits them: steps (level 0), operators of step 1 (level 1), instructions of one (level 2).
    const states: [number, VmPosition?][] = [
      [0], [1], [2], [3],
      ...[0, 1, operator, last].map((o): [number, VmPosition] => [1, { operator: o, instruction: 0 }]),
      ...[0, 1, Math.floor(count / 2), count - 1].map((i): [number, VmPosition] => [1, { operator, instruction: i }]),
    ];
    const steps = [0, 1, Math.floor(count / 3), count - 1].map((i): VmPosition => ({ operator, instruction: i }));
    const units: [1 | 2, number?][] = [[1], [2, 0], [2, operator], [2, last]];
    // Asked of the worker first, so that both threads compute at once.
    const asked = {
      states: Promise.all(states.map(([step, position]) => worker.stateAt(step, position))),
      steps: Promise.all(steps.map((position) => worker.stepWitness(1, position))),
      units: Promise.all(units.map(([level, index]) => worker.unitWitness(level, index))),
    };
    const expected = {
      states: states.map(([step, position]) => here.stateAt(step, position)),
      steps: steps.map((position) => here.stepWitness(1, position)),
      units: units.map(([level, index]) => here.program.unitWitness(level, index)),
    };
    assert.deepEqual(await asked.states, expected.states);
    assert.deepEqual(await asked.steps, expected.steps);
    assert.deepEqual(await asked.units, expected.units);
  });

  it("rejects a call the trace refuses with its message, and goes on answering", async () => {
    await assert.rejects(worker.stateAt(-1), code("TRACE_FAILED", /^step -1 is before the trace's first step 0$/));
    assert.equal(await worker.stateAt(0), stepTrace(job, 0, checkpoint).stateAt(0));
  });

  it("rejects a trace it cannot build with the construction's error and code", async () => {
    const v1 = { ...parameters, config: { ...parameters.config, engineVersion: "veritrain-train/1" as const } };
    const thrown = (() => {
      try {
        new VmTrace(v1);
      } catch (error) {
        return error as Error;
      }
    })();
    assert.ok(thrown !== undefined);
    await assert.rejects(TraceWorker.start(v1), (error: Error & { code?: string; details?: Record<string, unknown> }) => {
      assert.equal(error.message, thrown.message);
      assert.equal(error.code, "VM_UNSUPPORTED");
      assert.deepEqual(error.details, { what: "engineVersion", engineVersion: "veritrain-train/1" });
      return true;
    });
  });

  it("leaves the calling thread's event loop free while it computes", async (t) => {
    const fresh = await TraceWorker.start(parameters);
    try {
      let lastTick = performance.now();
      let longestGap = 0;
      const ticking = setInterval(() => {
        const now = performance.now();
        longestGap = Math.max(longestGap, now - lastTick);
        lastTick = now;
      }, 20);
      const started = performance.now();
      // Five whole steps of the VM (nothing is computed yet in this worker).
      const state = await fresh.stateAt(5).finally(() => clearInterval(ticking));
      const computeMs = performance.now() - started;
      t.diagnostic(JSON.stringify({ computeMs: Math.round(computeMs), longestGapMs: Math.round(longestGap) }));
      assert.ok(computeMs > 500, `stateAt(5) took ${Math.round(computeMs)} ms: too short to show anything`);
      assert.ok(longestGap < 200, `the event loop stalled for ${Math.round(longestGap)} ms`);
      assert.equal(state, await worker.stateAt(5));
    } finally {
      await fresh.close();
    }
  });

  it("rejects the calls pending when it is closed, even mid-computation, and every later one", async () => {
    const closing = await TraceWorker.start(parameters);
    const pending = assert.rejects(closing.stateAt(5), code("TRACE_WORKER_CLOSED", /the trace worker is closed/));
    await sleep(100);
    const closed = performance.now();
    await closing.close();
    await pending;
    assert.ok(performance.now() - closed < 500, "the computation is stopped, not waited for");
    await assert.rejects(closing.stepWitness(0, { operator: 0, instruction: 0 }), code("TRACE_WORKER_CLOSED", /the trace worker is closed/));
    await assert.rejects(closing.unitWitness(1), code("TRACE_WORKER_CLOSED", /the trace worker is closed/));
    await closing.close();
  });
});
