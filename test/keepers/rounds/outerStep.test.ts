import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aggregateRound } from "../../../keepers/src/rounds/aggregateRound.ts";
import { localUpdate } from "../../../keepers/src/rounds/localUpdate.ts";
import { prepareRoundJob } from "../../../keepers/src/rounds/preparedRoundJob.ts";
import type { OuterOptimizer } from "../../../keepers/src/rounds/roundJobSpec.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { Trainer } from "../../../keepers/src/training/trainer.ts";
import { mnistSources } from "../training/fixtures.ts";
import { smallRoundJobSpec } from "./fixtures.ts";

const modelBytes = createLeNet5Onnx({ seed: 1n });
const jobWith = (outer: OuterOptimizer, localSteps = 3) =>
  prepareRoundJob({ spec: smallRoundJobSpec({ modelBytes, trainCount: 200, distributed: { slots: 2, localSteps, outer } }), modelBytes, sources: mnistSources() });
const filled = (size: number, value: number) => new Float32Array(size).fill(value);

describe("the outer step and the local update's optimizer", () => {
  it("applies Nesterov momentum to the aggregate: m′ = μ·m + a, G′ = G + η·(a + μ·m′), one binary32 rounding each", async () => {
    const job = jobWith({ learningRate: "0.5", momentum: "0.5" });
    const size = job.model.params.length;
    // FedAvg of two equal updates is that update: a = 0.5 everywhere.
    const updates = [0, 1].map((slot) => ({ slot, values: filled(size, 0.5) }));
    const next = await aggregateRound({ job, global: { round: 3, params: filled(size, 1), momentum: filled(size, 0.25) }, updates, threads: 1 });
    assert.equal(next.round, 4);
    assert.deepEqual(next.momentum, filled(size, 0.625)); // 0.5·0.25 + 0.5
    assert.deepEqual(next.params, filled(size, 1.40625)); // 1 + 0.5·(0.5 + 0.5·0.625)
    // Round 0 starts from a zero buffer: m′ = a.
    const first = await aggregateRound({ job, global: { round: 0, params: filled(size, 1) }, updates, threads: 1 });
    assert.deepEqual(first.momentum, filled(size, 0.5));
    assert.deepEqual(first.params, filled(size, 1.375));
  });

  it("with η = 1 and μ = 0 adds the aggregate and keeps no momentum; refuses a global model whose momentum contradicts the spec", async () => {
    const plain = jobWith({ learningRate: "1", momentum: "0" });
    const size = plain.model.params.length;
    const params = Float32Array.from(plain.model.params);
    const values = params.map((_, i) => (i % 7) * 1e-3 - 3e-3);
    const updates = [{ slot: 0, values }, { slot: 1, values }];
    const next = await aggregateRound({ job: plain, global: { round: 1, params }, updates, threads: 1 });
    assert.equal(next.momentum, undefined);
    assert.deepEqual(next.params, params.map((p, i) => Math.fround(p + values[i]!)));
    await assert.rejects(aggregateRound({ job: plain, global: { round: 1, params, momentum: filled(size, 0) }, updates, threads: 1 }), { code: "GLOBAL_MODEL_INVALID", message: /carries the outer momentum/ });
    const nesterov = jobWith({ learningRate: "0.7", momentum: "0.9" });
    await assert.rejects(aggregateRound({ job: nesterov, global: { round: 1, params }, updates, threads: 1 }), { code: "GLOBAL_MODEL_INVALID", message: /lacks the outer momentum/ });
  });

  it("bias-corrects Adam from the round's zeroed state: a one-step update moves each weight by at most the learning rate, in round 999 as in round 0", async () => {
    const job = jobWith({ learningRate: "1", momentum: "0" }, 1);
    const global = Float32Array.from(job.model.params);
    const lr = job.config.step.optimizer.learningRate;
    for (const round of [0, 999]) {
      const update = await localUpdate({ job, set: job.parts[0]!, round, global, threads: 1 });
      const largest = update.reduce((most, u) => Math.max(most, Math.abs(u)), 0);
      // Adam's first step is η·g/(|g| + ε): at most η, about η where |g| ≫ ε. Counting t from step 0 would give ≈ 2.5·η in round 999.
      assert.ok(largest <= lr * 1.001 && largest >= lr * 0.99, `round ${round}: largest move ${largest}, learning rate ${lr}`);
    }
    const state = { step: 4, params: global, optimizerState: [new Float32Array(global.length), new Float32Array(global.length)] };
    await assert.rejects(
      Trainer.create({ model: job.model.definition, config: job.config.step, sets: { ...job.sets, train: job.parts[0]! }, state, threads: 1, optimizerStart: 5 }),
      { code: "INVALID_ARGUMENT", message: /optimizerStart must be an integer in \[0, 4\], got 5/ },
    );
  });
});
