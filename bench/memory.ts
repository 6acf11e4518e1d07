/**
 * Benchmark: peak memory of training a ~10M-parameter model (docs/training.md §11, "Memory"). An MLP
 * 784 → h1 → h2 → 10 with ReLU (9,523,722 parameters at the default 4096, 1536) trains `--steps` Adam steps on
 * MNIST, a checkpoint hashed and written to disk after every step, as the compute keeper does. Beside it, in the
 * same run, its peer: the same MLP, batch and Adam steps in PyTorch on the same threads, `torch.save` of the model
 * and optimizer after every step (bench/torchMlp.py), when Debian's python3-torch is installed (null otherwise).
 * Prints one JSON line last: `params`, `checkpoint_bytes`, `engine_peak_rss_mb`, `engine_seconds`,
 * `torch_peak_rss_mb`, `torch_seconds` (peak resident set sizes of each process, MiB).
 *
 *   npm run bench:memory -- --steps 4 --batch-size 64
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { writeCheckpointFile } from "../keepers/src/training/checkpointFile.ts";
import { contentId, RAW_CODEC } from "../keepers/src/training/contentId.ts";
import { ENGINE_VERSION, STANDARD_MNIST_SPLITS, type JobSpec } from "../keepers/src/training/jobSpec.ts";
import { loadMnist } from "../keepers/src/training/mnist.ts";
import { encodeModel, heUniform, int } from "../keepers/src/training/onnxBuilder.ts";
import { prepareJob } from "../keepers/src/training/preparedJob.ts";
import { trainJob } from "../keepers/src/training/trainJob.ts";

const options = new Command()
  .option("--hidden <h1,h2>", "the two hidden layers' widths", "4096,1536")
  .option("--steps <n>", "optimizer steps (a checkpoint after each)", "4")
  .option("--batch-size <n>", "examples per step", "64")
  .option("--micro-batches <n>", "micro-batches per step (one gradient vector each)", "2")
  .option("--threads <n>", "compute threads", "2")
  .option("--no-torch", "skip the PyTorch peer")
  .parse()
  .opts<{ hidden: string; steps: string; batchSize: string; microBatches: string; threads: string; torch: boolean }>();

const [h1, h2] = options.hidden.split(",").map(Number) as [number, number];
const steps = Number(options.steps);
const batchSize = Number(options.batchSize);
const threads = Number(options.threads);
const tensors: Array<[name: string, dims: number[], fanIn: number]> = [
  ["fc1.weight", [h1, 784], 784], ["fc1.bias", [h1], 784],
  ["fc2.weight", [h2, h1], h1], ["fc2.bias", [h2], h1],
  ["fc3.weight", [10, h2], h2], ["fc3.bias", [10], h2],
];
const gemm = (name: string, input: string, output: string) =>
  ({ name, opType: "Gemm", input: [input, `${name}.weight`, `${name}.bias`], output: [output], attribute: [int("transB", 1)] });
const modelBytes = encodeModel({
  name: "mlp",
  nodes: [
    { name: "flatten", opType: "Flatten", input: ["input"], output: ["flat"], attribute: [int("axis", 1)] },
    gemm("fc1", "flat", "fc1_out"),
    { name: "relu1", opType: "Relu", input: ["fc1_out"], output: ["relu1_out"] },
    gemm("fc2", "relu1_out", "fc2_out"),
    { name: "relu2", opType: "Relu", input: ["fc2_out"], output: ["relu2_out"] },
    gemm("fc3", "relu2_out", "logits"),
  ],
  initializers: tensors.map(([name, dims, fanIn], index) => heUniform(1n, index, name, dims, fanIn, name.endsWith(".bias"))),
  inputShape: [1, 28, 28],
  classes: 10,
});
const spec: JobSpec = {
  engineVersion: ENGINE_VERSION,
  model: contentId({ bytes: modelBytes, codec: RAW_CODEC }),
  dataset: { id: "mnist", splits: { ...STANDARD_MNIST_SPLITS, train: { source: "train", start: 0, end: steps * batchSize } } },
  optimizer: { type: "adam", learningRate: "0.001", learningRateDecay: "1", beta1: "0.9", beta2: "0.999", epsilon: "1e-8", weightDecay: "0" },
  seed: 1,
  epochs: 1,
  batchSize,
  microBatches: Number(options.microBatches),
  checkpointInterval: 1,
  metric: "accuracy",
};
const job = prepareJob({ spec, modelBytes, sources: loadMnist() });
const params = job.model.definition.parameterCount;
const directory = mkdtempSync(join(tmpdir(), "veritrain-bench-memory-"));
const started = performance.now();
let checkpointBytes = 0;
try {
  await trainJob({
    job,
    threads,
    onCheckpoint: (checkpoint) => {
      checkpointBytes = checkpoint.bytes.length;
      writeCheckpointFile({ directory, checkpoint });
      console.error(`checkpoint ${checkpoint.index} ${checkpoint.hash} at ${((performance.now() - started) / 1000).toFixed(1)} s`);
    },
  });
} finally {
  rmSync(directory, { recursive: true, force: true });
}
const engineSeconds = (performance.now() - started) / 1000;
const engineRss = process.resourceUsage().maxRSS / 1024;
console.log(`engine: ${params} parameters, ${steps} steps of ${batchSize}, peak RSS ${engineRss.toFixed(0)} MiB, ${engineSeconds.toFixed(1)} s`);

/** PyTorch's run of the same model and steps, or null when no Python imports torch (or --no-torch). */
async function torchRun(): Promise<{ peak_rss_mb: number; seconds: number; params: number; torch: string } | null> {
  if (!options.torch) return null;
  const { torchPython } = await import("../test/harness/torchPython.ts"); // probes for torch: only when asked
  if (torchPython === undefined) return null;
  const script = fileURLToPath(new URL("torchMlp.py", import.meta.url));
  const args = [script, "--hidden", options.hidden, "--steps", String(steps), "--batch-size", String(batchSize), "--threads", String(threads)];
  const output = execFileSync(torchPython, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(output.trim().split("\n").at(-1)!);
}
const torch = await torchRun();
if (torch) console.log(`PyTorch ${torch.torch}: ${torch.params} parameters, peak RSS ${torch.peak_rss_mb} MiB, ${torch.seconds} s`);
console.log(JSON.stringify({
  params,
  steps,
  batch_size: batchSize,
  threads,
  checkpoint_bytes: checkpointBytes,
  engine_peak_rss_mb: Math.round(engineRss),
  engine_seconds: Number(engineSeconds.toFixed(1)),
  torch_peak_rss_mb: torch?.peak_rss_mb ?? null,
  torch_seconds: torch?.seconds ?? null,
}));
