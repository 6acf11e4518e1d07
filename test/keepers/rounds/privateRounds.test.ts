/**
 * Private rounds in one process: four data owners, each training LeNet-5 with DP-SGD on its own part of MNIST
 * (ε = 3), their updates summed by SecAgg+ over a round ledger, the survivors' mean moving the global model.
 * What a private-data job's aggregator does and what anyone can check of it, without a chain or keepers.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { noiseMultiplierForTarget } from "../../../keepers/src/privacy/noiseMultiplierForTarget.ts";
import { recomputeSum } from "../../../keepers/src/privacy/secAgg/aggregator.ts";
import { dequantiseMean, maxFractionBits, quantisation, quantise } from "../../../keepers/src/privacy/secAgg/quantisation.ts";
import { secAggConfig } from "../../../keepers/src/privacy/secAgg/secAggConfig.ts";
import { encodeGlobalModel, globalModelDigest, type GlobalModel } from "../../../keepers/src/rounds/globalModel.ts";
import { localUpdate } from "../../../keepers/src/rounds/localUpdate.ts";
import { outerStep } from "../../../keepers/src/rounds/outerStep.ts";
import { prepareRoundJob, type PreparedRoundJob } from "../../../keepers/src/rounds/preparedRoundJob.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { predictWithEngine } from "../../../keepers/src/training/predict.ts";
import { runRound, type Dropouts } from "../privacy/secAggHarness.ts";
import { mnistSources } from "../training/fixtures.ts";
import { smallRoundJobSpec } from "./fixtures.ts";

const OWNERS = 4;
const ROUNDS = 2;
const LOCAL_STEPS = 15;
const BATCH = 16;
const modelBytes = createLeNet5Onnx({ seed: 1n });
const sources = mnistSources();
const plain = prepareRoundJob({
  spec: smallRoundJobSpec({ modelBytes, trainCount: 4000, batchSize: BATCH, microBatches: BATCH, distributed: { slots: OWNERS, rounds: ROUNDS, localSteps: LOCAL_STEPS } }),
  modelBytes,
  sources,
});
/** Each owner's part holds 1,000 examples; DP-SGD at ε = 3, δ = 10⁻⁵ over its R·L steps, C = 1; Adam at 0.01. */
const { noiseMultiplier, epsilon, order } = noiseMultiplierForTarget({ sampleRate: BATCH / 1000, steps: ROUNDS * LOCAL_STEPS, targetEpsilon: 3, delta: 1e-5 });
const privacy = { clipNorm: "1", noiseMultiplier, epsilon, order, delta: 1e-5, sampleRate: BATCH / 1000 };
const job: PreparedRoundJob = {
  ...plain,
  config: { ...plain.config, step: { ...plain.config.step, optimizer: { ...plain.config.step.optimizer, learningRate: Math.fround(0.01) }, privacy } },
};
const noiseSeeds = [11n, 22n, 33n, 44n];
/** Updates are clipped to ±0.5 per coordinate before quantising, with the most fraction bits four owners allow. */
const q = quantisation({ clip: 0.5, fractionBits: maxFractionBits({ clip: 0.5, participants: OWNERS }), participants: OWNERS });
const validation = { ...sources.train, count: 1000 };
const accuracy = (params: Float32Array) =>
  predictWithEngine({ model: job.model.definition, params, set: validation }).classes.filter((c, e) => c === validation.labels[e]).length / validation.count;
const digest = (global: GlobalModel) => globalModelDigest(encodeGlobalModel(global));

/** One private round: the owners' DP updates, quantised, summed under SecAgg+; the aggregate is the survivors' mean. */
async function privateRound(global: GlobalModel, round: number, dropouts: Dropouts = {}) {
  const words: Uint32Array[] = [];
  for (let owner = 0; owner < OWNERS; owner++) {
    const update = await localUpdate({ job, set: job.parts[owner]!, round, global: global.params, threads: 1, noiseSeed: noiseSeeds[owner] });
    words.push(quantise(update, q));
  }
  const secure = await runRound(secAggConfig({ roundSeed: new Uint8Array(32).fill(round + 1), participants: OWNERS, vectorLength: global.params.length }), words, dropouts);
  const next = outerStep({ global, aggregate: dequantiseMean(secure.sum, secure.survivors.length, q), outer: job.config.outer });
  return { words, secure, next };
}

/** The mean the survivors' quantised updates stand for, from plain integers: the reference. */
function plainMean(words: readonly Uint32Array[], survivors: readonly number[]): Float32Array {
  return Float32Array.from(words[0]!, (_, i) => {
    const total = survivors.reduce((sum, u) => sum + (words[u]![i]! | 0), 0);
    return Math.fround((total / 2 ** q.fractionBits) / survivors.length);
  });
}

describe("private rounds: DP-SGD owners, SecAgg+ over a ledger, a checkable aggregate", () => {
  it(`moves the global model by the exact mean of the owners' updates, which anyone recomputes (ε = 3 spends ${epsilon.toFixed(2)})`, async () => {
    assert.ok(epsilon <= 3 && noiseMultiplier > 0);
    let global: GlobalModel = { round: 0, params: Float32Array.from(job.model.params) };
    const before = accuracy(global.params);
    for (let round = 0; round < ROUNDS; round++) {
      const { words, secure, next } = await privateRound(global, round, round === 1 ? { afterInput: [2] } : {});
      assert.deepEqual(secure.survivors, [0, 1, 2, 3], "an owner that goes silent after posting its input still counts");
      const aggregate = dequantiseMean(secure.sum, 4, q);
      assert.deepEqual(aggregate, plainMean(words, secure.survivors));
      // A verifier, from the public transcript only: the same sum, so the same next global model.
      const recomputed = recomputeSum(secure.transcript);
      const checked = outerStep({ global, aggregate: dequantiseMean(recomputed.sum, recomputed.survivors.length, q), outer: job.config.outer });
      assert.equal(digest(checked), digest(next));
      global = next;
    }
    const after = accuracy(global.params);
    assert.ok(after > before + 0.2, `validation accuracy ${before} → ${after}`);
  });

  it("catches an aggregator that leaves out an owner or shifts the aggregate: its global model is not the transcript's", async () => {
    const global: GlobalModel = { round: 0, params: Float32Array.from(job.model.params) };
    const { words, secure, next } = await privateRound(global, 0, { beforeInput: [3] });
    assert.deepEqual(secure.survivors, [0, 1, 2]);
    assert.deepEqual(secure.dropped, [3]);
    const honest = outerStep({ global, aggregate: dequantiseMean(recomputeSum(secure.transcript).sum, 3, q), outer: job.config.outer });
    assert.equal(digest(honest), digest(next));
    const withoutOne = outerStep({ global, aggregate: plainMean(words, [0, 1]), outer: job.config.outer });
    const shifted = outerStep({ global, aggregate: plainMean(words, [0, 1, 2]).map((value) => value + 2 ** -20), outer: job.config.outer });
    for (const claimed of [withoutOne, shifted]) assert.notEqual(digest(claimed), digest(honest));
  });
});
