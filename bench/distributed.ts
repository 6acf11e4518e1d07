/**
 * Benchmark: distributed training rounds (docs/distributed-training.md) on MNIST with LeNet-5.
 *
 * 1. P = 1, 2, 4 slots with FedAvg and DiLoCo's outer step (Nesterov, η = 0.7, μ = 0.9), the same
 *    total examples (each slot runs L/P local steps per round): wall time per round as P machines would see it (the slowest slot, then the
 *    aggregation), bytes published per round (every slot's update blob plus the global model),
 *    with and without top-1% int8 compression at P = 4, and test accuracy. The baseline
 *    ("single") is single-provider training over the same examples: one slot, one round of all
 *    the steps, so Adam never restarts. `accuracy_gap_p4` is its accuracy minus P = 4's, in points.
 * 2. Poisoning: P = 10 slots, 3 of them Byzantine (slots 0–2), every rule against every attack
 *    (none, sign flip ×10, label flip, boosted label flip ×10, Gaussian noise σ = 0.1): test accuracy.
 *
 * 3. Gas: a 4-slot job's update commitment and aggregate on the in-process Hardhat network
 *    (bench/gas.ts's `measureRoundJobGas`, contracts compiled first).
 *
 * The last line is one JSON object: accuracy_gap_p4, update_commit_gas, aggregate_gas,
 * bytes_per_round, round_seconds, test_accuracy, attack_accuracy (rule → attack → accuracy in %).
 *
 *   npm run bench:distributed -- [--rounds 10] [--steps 344] [--attack-rounds 8] [--attack-steps 10] [--threads 2]
 */
import { Command } from "commander";
import { buildContracts, measureRoundJobGas } from "./gas.ts";
import { performance } from "node:perf_hooks";
import { testAccuracyBps } from "../keepers/src/compute/testAccuracy.ts";
import { aggregateRound } from "../keepers/src/rounds/aggregateRound.ts";
import type { AggregationRule } from "../keepers/src/rounds/aggregationRule.ts";
import { encodeGlobalModel, type GlobalModel } from "../keepers/src/rounds/globalModel.ts";
import { localUpdate } from "../keepers/src/rounds/localUpdate.ts";
import { prepareRoundJob, type PreparedRoundJob } from "../keepers/src/rounds/preparedRoundJob.ts";
import type { DistributedSpec, OuterOptimizer, RoundJobSpec } from "../keepers/src/rounds/roundJobSpec.ts";
import { slotContribution } from "../keepers/src/rounds/slotContribution.ts";
import type { Compression } from "../keepers/src/rounds/updateCompression.ts";
import { contentId, RAW_CODEC } from "../keepers/src/training/contentId.ts";
import { ENGINE_VERSION, STANDARD_MNIST_SPLITS } from "../keepers/src/training/jobSpec.ts";
import { createLeNet5Onnx } from "../keepers/src/training/lenet5.ts";
import { loadMnist, type ImageSet } from "../keepers/src/training/mnist.ts";
import { PRNG_DOMAIN, SplitMix64 } from "../keepers/src/training/prng.ts";

const options = new Command()
  .description("distributed rounds: accuracy, time and bytes at P = 1, 2, 4; every aggregation rule under poisoning at P = 10")
  .option("--rounds <n>", "rounds of the P = 1, 2, 4 comparison", "10")
  .option("--steps <n>", "local steps per round at P = 1 (P slots run steps/P each)", "344")
  .option("--attack-rounds <n>", "rounds of each poisoning run", "8")
  .option("--attack-steps <n>", "local steps per slot per round in the poisoning runs", "10")
  .option("--threads <n>", "compute threads", "2")
  .parse()
  .opts<{ rounds: string; steps: string; attackRounds: string; attackSteps: string; threads: string }>();

const threads = Number(options.threads);
const sources = loadMnist();
const modelBytes = createLeNet5Onnx({ seed: 1n });

function roundJob(distributed: DistributedSpec): PreparedRoundJob {
  const spec: RoundJobSpec = {
    engineVersion: ENGINE_VERSION,
    model: contentId({ bytes: modelBytes, codec: RAW_CODEC }),
    dataset: { id: "mnist", splits: STANDARD_MNIST_SPLITS },
    optimizer: { type: "adam", learningRate: "0.001", learningRateDecay: "1", beta1: "0.9", beta2: "0.999", epsilon: "1e-8", weightDecay: "0" },
    seed: 1,
    batchSize: 32,
    microBatches: 4,
    metric: "accuracy",
    distributed,
  };
  return prepareRoundJob({ spec, modelBytes, sources });
}

const percent = async (job: PreparedRoundJob, params: Float32Array) =>
  (await testAccuracyBps({ job: { model: job.model, sets: { ...job.sets, train: job.sets.train! }, config: job.config.step }, params, threads })) / 100;

/** Outer steps: PLAIN adds the aggregate (the single baseline, every poisoning run); DILOCO is DiLoCo's Nesterov step (P = 1, 2, 4). */
const PLAIN: OuterOptimizer = { learningRate: "1", momentum: "0" };
const DILOCO: OuterOptimizer = { learningRate: "0.7", momentum: "0.9" };

/**
 * Part 1: one run of `rounds` rounds over the comparison's total examples (rounds × steps at
 * P = 1), every slot timed; returns accuracy, the slowest-slot-plus-aggregation seconds per round
 * and bytes per round.
 */
async function scalingRun(slots: number, compression: Compression | "none", outer: OuterOptimizer, rounds = Number(options.rounds)) {
  const totalSteps = Number(options.rounds) * Number(options.steps);
  const job = roundJob({
    slots, rounds, localSteps: totalSteps / (rounds * slots), aggregation: { rule: "fedavg" }, outer, compression, onFault: "continue",
  });
  let global: GlobalModel = { round: 0, params: Float32Array.from(job.model.params) };
  const residuals: (Float32Array | undefined)[] = new Array(slots).fill(undefined);
  let seconds = 0;
  let bytes = 0;
  for (let round = 0; round < job.config.rounds; round++) {
    let slowest = 0;
    const updates = [];
    for (let slot = 0; slot < slots; slot++) {
      const start = performance.now();
      const contribution = await slotContribution({ job, slot, round, global: global.params, residual: residuals[slot], threads });
      slowest = Math.max(slowest, performance.now() - start);
      residuals[slot] = contribution.residual;
      bytes += contribution.updateBytes.length;
      updates.push({ slot, values: contribution.transmitted });
    }
    const start = performance.now();
    global = await aggregateRound({ job, global, updates, threads });
    bytes += encodeGlobalModel(global).length;
    seconds += (slowest + performance.now() - start) / 1000;
  }
  return { accuracy: await percent(job, global.params), roundSeconds: seconds / job.config.rounds, bytesPerRound: Math.round(bytes / job.config.rounds) };
}

type Attack = "none" | "signFlip" | "labelFlip" | "boostedLabelFlip" | "noise";
const ATTACKS: Attack[] = ["none", "signFlip", "labelFlip", "boostedLabelFlip", "noise"];
const BYZANTINE = 3;
const ROOT = { source: "train", start: 59900, end: 60000 } as const;
const RULES: Record<string, AggregationRule> = {
  fedavg: { rule: "fedavg" },
  median: { rule: "median" },
  trimmedMean: { rule: "trimmedMean", trim: BYZANTINE },
  multiKrum: { rule: "multiKrum", byzantine: BYZANTINE, select: 10 - BYZANTINE },
  fltrust: { rule: "fltrust", root: ROOT },
};

/** A copy of a set with every label y replaced by 9 − y, in shared memory for the training threads. */
function flipLabels(set: ImageSet): ImageSet {
  const labels = new Uint8Array(new SharedArrayBuffer(set.count));
  for (let i = 0; i < set.count; i++) labels[i] = 9 - set.labels[i]!;
  return { ...set, labels };
}

/** An attacker's noise: Irwin–Hall (sum of 12 uniforms − 6) ≈ N(0, 1), scaled by σ; no transcendental function. */
function noise(size: number, sigma: number, index: bigint): Float32Array {
  const rng = SplitMix64.keyed({ seed: 99n, domain: PRNG_DOMAIN.shuffle, index });
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let sum = -6;
    for (let j = 0; j < 12; j++) sum += rng.nextBelow(2 ** 24) / 2 ** 24;
    values[i] = sigma * sum;
  }
  return values;
}

const scale = (values: Float32Array, factor: number) => values.map((v) => v * factor);

/** Part 2: one poisoning run of `rule` against `attack`; slots 0…BYZANTINE−1 attack. */
async function attackRun(rule: AggregationRule, attack: Attack): Promise<number> {
  const job = roundJob({
    slots: 10, rounds: Number(options.attackRounds), localSteps: Number(options.attackSteps), aggregation: rule, outer: PLAIN, compression: "none", onFault: "continue",
  });
  let global: GlobalModel = { round: 0, params: Float32Array.from(job.model.params) };
  for (let round = 0; round < job.config.rounds; round++) {
    const updates = [];
    for (let slot = 0; slot < 10; slot++) {
      const byzantine = slot < BYZANTINE && attack !== "none";
      const flipped = byzantine && (attack === "labelFlip" || attack === "boostedLabelFlip");
      const set = flipped ? flipLabels(job.parts[slot]!) : job.parts[slot]!;
      let values = attack === "noise" && byzantine ? noise(global.params.length, 0.1, BigInt(round * 10 + slot)) : await localUpdate({ job, set, round, global: global.params, threads });
      if (byzantine && attack === "signFlip") values = scale(values, -10);
      if (byzantine && attack === "boostedLabelFlip") values = scale(values, 10);
      updates.push({ slot, values });
    }
    global = await aggregateRound({ job, global, updates, threads });
  }
  return percent(job, global.params);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const started = performance.now();
const scaling: Record<string, Awaited<ReturnType<typeof scalingRun>>> = {};
const runs = [["single", 1, "none", PLAIN, 1], ["1", 1, "none", DILOCO], ["2", 2, "none", DILOCO], ["4", 4, "none", DILOCO], ["4_top1pct_int8", 4, { topK: "0.01", quantize: "int8" }, DILOCO]] as const;
for (const [key, slots, compression, outer, rounds] of runs) {
  scaling[key] = await scalingRun(slots, compression, outer, rounds);
  log(`P=${key.padEnd(15)} accuracy ${scaling[key].accuracy.toFixed(2)}%  ${scaling[key].roundSeconds.toFixed(2)} s/round  ${scaling[key].bytesPerRound} B/round`);
}
const attackAccuracy: Record<string, Record<Attack, number>> = {};
for (const [name, rule] of Object.entries(RULES)) {
  attackAccuracy[name] = {} as Record<Attack, number>;
  for (const attack of ATTACKS) {
    attackAccuracy[name][attack] = await attackRun(rule, attack);
    log(`P=10 ${name.padEnd(12)} ${attack.padEnd(17)} accuracy ${attackAccuracy[name][attack].toFixed(2)}%`);
  }
}
buildContracts();
const gas = await measureRoundJobGas();
log(`gas: update commitment ${gas.update_commit_gas}, aggregate ${gas.aggregate_gas}`);
log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log(JSON.stringify({
  accuracy_gap_p4: Number((scaling.single!.accuracy - scaling["4"]!.accuracy).toFixed(2)),
  ...gas,
  test_accuracy: Object.fromEntries(Object.entries(scaling).map(([k, v]) => [k, v.accuracy])),
  round_seconds: Object.fromEntries(Object.entries(scaling).map(([k, v]) => [k, Number(v.roundSeconds.toFixed(3))])),
  bytes_per_round: Object.fromEntries(Object.entries(scaling).map(([k, v]) => [k, v.bytesPerRound])),
  attack_accuracy: attackAccuracy,
}));
