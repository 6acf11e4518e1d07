/**
 * Benchmark: trains LeNet-5 on MNIST (55,000 train / 5,000 validation / 10,000 test) with the
 * deterministic engine and prints one table row per epoch, then a JSON summary as the last line.
 * Beside it, in the same run, its peer: the same LeNet-5, split, batch and Adam recipe in PyTorch on
 * the same threads (bench/torchLenet5.py, default and with `torch.use_deterministic_algorithms`),
 * when Debian's python3-torch is installed; its keys are null otherwise.
 *
 *   npm run bench:train -- --epochs 7 --threads 2 --batch-size 32
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import cliProgress from "cli-progress";
import { contentId, RAW_CODEC } from "../keepers/src/training/contentId.ts";
import { ENGINE_VERSION, STANDARD_MNIST_SPLITS, type JobSpec } from "../keepers/src/training/jobSpec.ts";
import { createLeNet5Onnx } from "../keepers/src/training/lenet5.ts";
import { loadMnist, mnistDirectory } from "../keepers/src/training/mnist.ts";
import { prepareJob } from "../keepers/src/training/preparedJob.ts";
import { trainJob } from "../keepers/src/training/trainJob.ts";
import { torchPython } from "../test/harness/torchPython.ts";

const options = new Command()
  .option("--epochs <n>", "epochs to train", "7")
  .option("--threads <n>", "compute threads", "2")
  .option("--batch-size <n>", "examples per optimizer step", "32")
  .option("--micro-batches <n>", "micro-batches per batch (part of the job spec)", "4")
  .option("--learning-rate <decimal>", "Adam learning rate", "0.001")
  .option("--learning-rate-decay <decimal>", "per-epoch learning-rate factor", "0.6")
  .option("--seed <n>", "data-order and initialisation seed", "1")
  .parse()
  .opts<{
    epochs: string;
    threads: string;
    batchSize: string;
    microBatches: string;
    learningRate: string;
    learningRateDecay: string;
    seed: string;
  }>();

const epochs = Number(options.epochs);
const threads = Number(options.threads);
const modelBytes = createLeNet5Onnx({ seed: BigInt(options.seed) });
const spec: JobSpec = {
  engineVersion: ENGINE_VERSION,
  model: contentId({ bytes: modelBytes, codec: RAW_CODEC }),
  dataset: {
    id: "mnist",
    splits: STANDARD_MNIST_SPLITS,
  },
  optimizer: {
    type: "adam",
    learningRate: options.learningRate,
    learningRateDecay: options.learningRateDecay,
    beta1: "0.9",
    beta2: "0.999",
    epsilon: "1e-8",
    weightDecay: "0",
  },
  seed: Number(options.seed),
  epochs,
  batchSize: Number(options.batchSize),
  microBatches: Number(options.microBatches),
  checkpointInterval: 100,
  metric: "accuracy",
};
const job = prepareJob({ spec, modelBytes, sources: loadMnist() });

const progress = new cliProgress.SingleBar(
  {
    stream: process.stderr,
    format: "epoch {epoch} [{bar}] {value}/{total} steps | {rate} img/s",
    noTTYOutput: true,
    notTTYSchedule: 5000,
  },
  cliProgress.Presets.shades_classic,
);
const percent = (x: number) => (100 * x).toFixed(2);
const testAccuracy: number[] = [];
const epochSeconds: number[] = [];
let trainingSeconds = 0;
let epochStart = performance.now();
let stepsAtEpochStart = 0;

console.log(`job ${job.cid}, ${threads} thread(s), batch ${spec.batchSize} = ${spec.microBatches} micro-batches, ${job.stepsPerEpoch} steps/epoch`);
console.log("epoch | train loss | train acc | val loss | val acc | test acc | seconds | img/s");
progress.start(job.stepsPerEpoch, 0, { epoch: 1, rate: 0 });
const result = await trainJob({
  job,
  threads,
  onProgress: (step) => {
    const done = step - stepsAtEpochStart;
    const seconds = (performance.now() - epochStart) / 1000;
    progress.update(done, { rate: ((done * spec.batchSize) / seconds).toFixed(0) });
  },
  onEpochEnd: async (epoch, train, trainer) => {
    const seconds = (performance.now() - epochStart) / 1000;
    trainingSeconds += seconds;
    epochSeconds.push(seconds);
    progress.stop();
    const validation = await trainer.evaluate("validation");
    const test = await trainer.evaluate("test");
    testAccuracy.push(Number(percent(test.accuracy)));
    console.log(
      [
        String(epoch + 1).padStart(5),
        train.loss.toFixed(4).padStart(10),
        percent(train.accuracy).padStart(9),
        validation.loss.toFixed(4).padStart(8),
        percent(validation.accuracy).padStart(7),
        percent(test.accuracy).padStart(8),
        seconds.toFixed(1).padStart(7),
        ((job.stepsPerEpoch * spec.batchSize) / seconds).toFixed(0).padStart(5),
      ].join(" | "),
    );
    stepsAtEpochStart = (epoch + 1) * job.stepsPerEpoch;
    if (epoch + 1 < epochs) progress.start(job.stepsPerEpoch, 0, { epoch: epoch + 2, rate: 0 });
    epochStart = performance.now();
  },
});
const images = job.totalSteps * spec.batchSize;
console.log(`checkpoint root ${result.tree.root} (${result.hashes.length} checkpoints)`);

/** PyTorch's run of the same recipe, or null when no Python imports torch. */
function torchRun(deterministic: boolean): { images_per_s: number; test_acc: number } | null {
  if (torchPython === undefined) return null;
  const script = fileURLToPath(new URL("torchLenet5.py", import.meta.url));
  const args = [script, "--mnist", mnistDirectory(), "--epochs", String(epochs), "--threads", String(threads), "--batch-size", options.batchSize,
    "--learning-rate", options.learningRate, "--learning-rate-decay", options.learningRateDecay, "--train-images", String(STANDARD_MNIST_SPLITS.train.end)];
  const output = execFileSync(torchPython, deterministic ? [...args, "--deterministic"] : args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const run = JSON.parse(output.trim().split("\n").at(-1)!) as { images_per_s: number; test_acc: number; torch: string };
  console.log(`PyTorch ${run.torch}${deterministic ? " (deterministic algorithms)" : ""}: ${run.images_per_s} img/s, test acc ${run.test_acc}`);
  return run;
}
const torch = torchRun(false);
const torchDeterministic = torchRun(true);
const enginePerSecond = Math.round(images / trainingSeconds);
console.log(
  JSON.stringify({
    images_per_s: enginePerSecond,
    torch_images_per_s: torch?.images_per_s ?? null,
    torch_deterministic_images_per_s: torchDeterministic?.images_per_s ?? null,
    ratio_vs_torch: torch ? Number((enginePerSecond / torch.images_per_s).toFixed(3)) : null,
    torch_test_acc: torch?.test_acc ?? null,
    threads,
    epochs,
    batch_size: spec.batchSize,
    micro_batches: spec.microBatches,
    epoch_seconds: epochSeconds.map((s) => Number(s.toFixed(1))),
    test_acc: testAccuracy,
    checkpoint_root: result.tree.root,
  }),
);
