/**
 * `npm run bench:privacy` (issue 20): MNIST test accuracy of DP-SGD (docs/training.md §6a) at
 * ε ∈ {1, 3, 8} (δ = 1e-5), beside the published Opacus MNIST example (94.63 % at ε 1.16, 96.78 % at
 * 2.91, 97.09 % at 6.86, examples/mnist_README.md; its ε from the older RDP conversion), and
 * secure aggregation's cost against plain aggregation and Paillier (bench/secAgg.ts, run as a child).
 *
 *   npm run bench:privacy                     15 epochs per ε (Opacus's 1.16 run: 15 epochs)
 *   npm run bench:privacy -- --epochs 1       a quick look
 *
 * Each run: LeNet-5 with Tanh (createLeNet5Onnx, seed 1) on the standard splits, Poisson batches of
 * expected size 256, SGD, clipping norm 1, σ derived by the accountant for the target. Progress on
 * stderr; the last stdout line is one JSON object with accuracy_at_epsilon, epsilon_spent,
 * secagg_bytes_ratio, masking_ms and paillier_ms (Paillier's encryption of one update, extrapolated
 * from sampled ciphertexts: bench/secAgg.ts says how).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { contentId, RAW_CODEC } from "../keepers/src/training/contentId.ts";
import { ENGINE_VERSION, STANDARD_MNIST_SPLITS, type JobSpec } from "../keepers/src/training/jobSpec.ts";
import { createLeNet5Onnx } from "../keepers/src/training/lenet5.ts";
import { loadMnist } from "../keepers/src/training/mnist.ts";
import { prepareJob } from "../keepers/src/training/preparedJob.ts";
import { trainJob } from "../keepers/src/training/trainJob.ts";

const options = new Command()
  .option("--epochs <n>", "epochs per target ε", "15")
  .option("--epsilons <list>", "target ε values, comma-separated", "1,3,8")
  .option("--batch-size <n>", "expected Poisson batch size", "256")
  .option("--learning-rate <decimal>", "SGD learning rate", "0.5")
  .option("--momentum <decimal>", "SGD momentum", "0.5")
  .option("--clip-norm <decimal>", "per-example L2 bound C", "1")
  .option("--threads <n>", "compute threads", "2")
  .option("--skip-secagg", "leave secure aggregation out")
  .parse()
  .opts<{ epochs: string; epsilons: string; batchSize: string; learningRate: string; momentum: string; clipNorm: string; threads: string; skipSecagg?: boolean }>();

const progress = (line: string) => process.stderr.write(`${line}\n`);
const sources = loadMnist();
const modelBytes = createLeNet5Onnx({ seed: 1n, activation: "tanh" });
const batchSize = Number(options.batchSize);

/** Test accuracy and spent ε of a private run for `targetEpsilon`. */
async function privateRun(targetEpsilon: string): Promise<{ accuracy: number; epsilon: number; noiseMultiplier: number }> {
  const spec: JobSpec = {
    engineVersion: ENGINE_VERSION,
    model: contentId({ bytes: modelBytes, codec: RAW_CODEC }),
    dataset: { id: "mnist", splits: STANDARD_MNIST_SPLITS },
    optimizer: { type: "sgd", learningRate: options.learningRate, learningRateDecay: "1", momentum: options.momentum, weightDecay: "0" },
    seed: 1,
    epochs: Number(options.epochs),
    batchSize,
    microBatches: batchSize,
    checkpointInterval: 1000,
    metric: "accuracy",
    privacy: { targetEpsilon, delta: "1e-5", clipNorm: options.clipNorm },
  };
  const job = prepareJob({ spec, modelBytes, sources });
  const privacy = job.config.privacy!;
  progress(`ε ${targetEpsilon}: σ ${privacy.noiseMultiplier.toFixed(4)}, ε spent ${privacy.epsilon.toFixed(3)}, ${job.totalSteps} steps`);
  const started = performance.now();
  let accuracy = 0;
  await trainJob({
    job,
    threads: Number(options.threads),
    noiseSeed: 0x5eedn,
    onEpochEnd: async (epoch, train, trainer) => {
      accuracy = (await trainer.evaluate("test")).accuracy;
      progress(`  epoch ${epoch + 1}: train loss ${train.loss.toFixed(3)}, test accuracy ${(100 * accuracy).toFixed(2)} %, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    },
  });
  return { accuracy, epsilon: privacy.epsilon, noiseMultiplier: privacy.noiseMultiplier };
}

const runs: Record<string, Awaited<ReturnType<typeof privateRun>>> = {};
for (const epsilon of options.epsilons.split(",")) runs[epsilon] = await privateRun(epsilon);

let secAgg: Record<string, unknown> | null = null;
if (options.skipSecagg !== true) {
  progress("secure aggregation (bench/secAgg.ts)…");
  const output = execFileSync(process.execPath, [fileURLToPath(new URL("secAgg.ts", import.meta.url))], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  secAgg = JSON.parse(output.trim().split("\n").at(-1)!) as Record<string, unknown>;
}

const round4 = (value: number) => Math.round(value * 10000) / 10000;
console.log(JSON.stringify({
  accuracy_at_epsilon: Object.fromEntries(Object.entries(runs).map(([epsilon, run]) => [epsilon, round4(run.accuracy)])),
  epsilon_spent: Object.fromEntries(Object.entries(runs).map(([epsilon, run]) => [epsilon, round4(run.epsilon)])),
  noise_multiplier: Object.fromEntries(Object.entries(runs).map(([epsilon, run]) => [epsilon, round4(run.noiseMultiplier)])),
  opacus_published: { "1.16": 0.9463, "2.91": 0.9678, "6.86": 0.9709 },
  epochs: Number(options.epochs),
  secagg_bytes_ratio: secAgg?.secagg_bytes_ratio ?? null,
  masking_ms: secAgg?.masking_ms ?? null,
  paillier_ms: secAgg?.paillier_ms_extrapolated ?? null,
}));
