/**
 * Benchmark: trains LeNet-5 on MNIST (55,000 train / 5,000 validation / 10,000 test) with the
 * deterministic engine and prints one table row per epoch, then a JSON summary as the last line.
 * Beside it, in the same run, its peer: the same LeNet-5, split, batch and Adam recipe in PyTorch on
 * the same threads (bench/torchLenet5.py, default and with `torch.use_deterministic_algorithms`),
 * when Debian's python3-torch is installed; its keys are null otherwise. Then the `transformer`
 * template (d 64, 2 layers, 4 heads) for `--transformer-steps` steps of the same batch and Adam, and
 * its PyTorch peer (bench/torchTransformer.py, nn.TransformerEncoderLayer) for as many steps.
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
import { initialState, prepareJob } from "../keepers/src/training/preparedJob.ts";
import { Trainer } from "../keepers/src/training/trainer.ts";
import { trainJob } from "../keepers/src/training/trainJob.ts";
import { createTransformerOnnx } from "../keepers/src/training/transformer.ts";
import { torchPython } from "../test/harness/torchPython.ts";

const options = new Command()
  .option("--epochs <n>", "epochs to train", "7")
  .option("--threads <n>", "compute threads", "2")
  .option("--batch-size <n>", "examples per optimizer step", "32")
  .option("--micro-batches <n>", "micro-batches per batch (part of the job spec)", "4")
  .option("--learning-rate <decimal>", "Adam learning rate", "0.001")
  .option("--learning-rate-decay <decimal>", "per-epoch learning-rate factor", "0.6")
  .option("--seed <n>", "data-order and initialisation seed", "1")
  .option("--transformer-steps <n>", "optimizer steps of the transformer, in the engine and in PyTorch", "200")
  .parse()
  .opts<{
    epochs: string;
    threads: string;
    batchSize: string;
    microBatches: string;
    learningRate: string;
    learningRateDecay: string;
    seed: string;
    transformerSteps: string;
  }>();

const epochs = Number(options.epochs);
const threads = Number(options.threads);
const transformerSteps = Number(options.transformerSteps);
const modelBytes = createLeNet5Onnx({ seed: BigInt(options.seed) });
/** The job spec of `bytes` with this run's recipe. */
const specOf = (bytes: Uint8Array): JobSpec => ({
  engineVersion: ENGINE_VERSION,
  model: contentId({ bytes, codec: RAW_CODEC }),
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
});
const spec = specOf(modelBytes);
const sources = loadMnist();
const job = prepareJob({ spec, modelBytes, sources });

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
  // The clock starts once the trainer is up (its threads started, the data sets shared): checkpoint 0 is made then.
  // PyTorch's peer times its training steps alone too, its model built before.
  onCheckpoint: ({ index }) => {
    if (index === 0) epochStart = performance.now();
  },
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

/** The last line of a PyTorch peer's run (bench/`script` with `args`), or null when no Python imports torch. */
function torchRun<T extends { images_per_s: number; torch: string }>(script: string, args: string[], deterministic: boolean, label: string): T | null {
  if (torchPython === undefined) return null;
  const path = fileURLToPath(new URL(script, import.meta.url));
  const all = [path, "--mnist", mnistDirectory(), "--threads", String(threads), "--batch-size", options.batchSize, "--learning-rate", options.learningRate, ...args];
  const output = execFileSync(torchPython, deterministic ? [...all, "--deterministic"] : all, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const run = JSON.parse(output.trim().split("\n").at(-1)!) as T;
  console.log(`PyTorch ${run.torch} ${label}${deterministic ? " (deterministic algorithms)" : ""}: ${run.images_per_s} img/s`);
  return run;
}
type LenetRun = { images_per_s: number; test_acc: number; torch: string };
const lenetArgs = ["--epochs", String(epochs), "--learning-rate-decay", options.learningRateDecay, "--train-images", String(STANDARD_MNIST_SPLITS.train.end)];
const torch = torchRun<LenetRun>("torchLenet5.py", lenetArgs, false, "LeNet-5");
const torchDeterministic = torchRun<LenetRun>("torchLenet5.py", lenetArgs, true, "LeNet-5");

// The transformer: training steps only, the same recipe, one epoch's data order.
const transformerBytes = createTransformerOnnx({ seed: BigInt(options.seed), width: 64, layers: 2, heads: 4 });
const transformerJob = prepareJob({ spec: { ...specOf(transformerBytes), epochs: 1 }, modelBytes: transformerBytes, sources });
const transformerTrainer = await Trainer.create({ model: transformerJob.model.definition, config: transformerJob.config, sets: transformerJob.sets, state: initialState(transformerJob), threads });
const transformerStarted = performance.now();
await transformerTrainer.runSteps(transformerSteps);
const transformerPerSecond = Math.round((transformerSteps * spec.batchSize) / ((performance.now() - transformerStarted) / 1000));
await transformerTrainer.close();
console.log(`transformer (${transformerJob.model.definition.parameterCount} parameters): ${transformerPerSecond} img/s over ${transformerSteps} steps`);
const transformerArgs = ["--steps", String(transformerSteps), "--width", "64", "--layers", "2", "--heads", "4"];
const torchTransformer = torchRun("torchTransformer.py", transformerArgs, false, "transformer");
const torchTransformerDeterministic = torchRun("torchTransformer.py", transformerArgs, true, "transformer");

const enginePerSecond = Math.round(images / trainingSeconds);
console.log(
  JSON.stringify({
    images_per_s: enginePerSecond,
    torch_images_per_s: torch?.images_per_s ?? null,
    torch_deterministic_images_per_s: torchDeterministic?.images_per_s ?? null,
    ratio_vs_torch: torch ? Number((enginePerSecond / torch.images_per_s).toFixed(3)) : null,
    transformer_images_per_s: transformerPerSecond,
    transformer_torch_images_per_s: torchTransformer?.images_per_s ?? null,
    transformer_torch_deterministic_images_per_s: torchTransformerDeterministic?.images_per_s ?? null,
    transformer_ratio_vs_torch: torchTransformer ? Number((transformerPerSecond / torchTransformer.images_per_s).toFixed(3)) : null,
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
