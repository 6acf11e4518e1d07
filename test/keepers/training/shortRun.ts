/**
 * Short, fixed training runs whose checkpoint hashes are printed as JSON on stdout: LeNet-5 (Adam; and AdamW
 * with a cosine schedule and clipping), LeCun's with Tanh and AveragePool, LeNet-5 with BatchNorm, a small
 * residual CNN, a transformer with a Gather positional embedding, and a qLoRA fine-tuning of it (NF4 base),
 * Dropout's, the row tokens' (Sub, Unsqueeze/Squeeze, Concat), Concat's and Mul's test models, and a DP-SGD run (per-example clipping, discrete Gaussian noise);
 * with hashes of the engine's exp32, sigmoid, tanh, erf (Gelu) and cosine (schedules) sweeps. The arm64 test
 * runs this same file natively and under qemu-aarch64 and compares the output.
 *
 *   node test/keepers/training/shortRun.ts [threads]
 */
import { keccak256 } from "viem";
import { cosF64, erfF64, exp32, sigmoidF64, tanhF64 } from "../../../keepers/src/training/deterministicMath.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { prepareJob } from "../../../keepers/src/training/preparedJob.ts";
import { createResidualCnnOnnx } from "../../../keepers/src/training/residualCnn.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { createTransformerOnnx } from "../../../keepers/src/training/transformer.ts";
import { mnistSources, smallJob, smallJobSpec } from "./fixtures.ts";
import { channelModel, dropoutModel, mulModel, tokenModel } from "./operatorModels.ts";

const threads = Number(process.argv[2] ?? 1);
// 128 examples, batch 32 = 4 micro-batches of 8, a checkpoint after every step.
const job = smallJob({ trainCount: 128, batchSize: 32, microBatches: 4, checkpointInterval: 1 });
const { hashes, tree } = await trainJob({ job, threads });
const variant = (options: Parameters<typeof createLeNet5Onnx>[0]) => trainJob({ job: smallJob({ modelBytes: createLeNet5Onnx(options), trainCount: 128, batchSize: 32, microBatches: 4, checkpointInterval: 1 }), threads });
const classic = await variant({ seed: 1n, activation: "tanh", pooling: "average" });
const batchNorm = await variant({ seed: 1n, batchNorm: true });
/** A run of `modelBytes` on the same 128 examples, its spec changed by `edit`. */
const spec = (modelBytes: Uint8Array, edit: Record<string, unknown> = {}, noiseSeed?: bigint) => {
  const job = prepareJob({ spec: { ...smallJobSpec({ modelBytes, trainCount: 128, batchSize: 32, microBatches: 4, checkpointInterval: 1 }), ...edit }, modelBytes, sources: mnistSources() });
  return trainJob({ job, threads, noiseSeed });
};
const adamw = await spec(createLeNet5Onnx({ seed: 1n }), {
  optimizer: {
    type: "adamw", learningRate: "0.001", learningRateDecay: "1", beta1: "0.9", beta2: "0.999", epsilon: "1e-8", weightDecay: "0.01",
    schedule: { type: "cosine", warmupSteps: 1, totalSteps: 4, minLearningRate: "0.0001" }, clipNorm: "1",
  },
});
const residual = await spec(createResidualCnnOnnx({ seed: 1n, channels: [4, 8] }));
const transformer = createTransformerOnnx({ seed: 2n, width: 8, heads: 2, gelu: "none", positional: "gather" });
const gather = await spec(transformer);
const qlora = await spec(transformer, { finetune: { method: "qlora", rank: 2, alpha: "4", targets: ["layer0.fc1.weight", "layer0.fc2.weight", "head.weight"] } });
const dropout = await spec(dropoutModel(0.25));
const concat = await spec(channelModel());
const tokens = await spec(tokenModel());
const mul = await spec(mulModel());
// One example per micro-batch (per-example clipping), 8 Poisson-sampled per step on average, noise from seed 5.
const dpSgd = await spec(createLeNet5Onnx({ seed: 1n, activation: "tanh" }), {
  batchSize: 8, microBatches: 8, epochs: 1, privacy: { targetEpsilon: "3", delta: "1e-5", clipNorm: "1" },
  optimizer: { type: "sgd", learningRate: "0.5", learningRateDecay: "1", momentum: "0", weightDecay: "0" },
  dataset: { id: "mnist", splits: { train: { source: "train", start: 0, end: 32 }, validation: { source: "train", start: 55000, end: 55100 }, test: { source: "test", start: 0, end: 100 } } },
}, 5n);
/** keccak256 of f's binary32 values on 100,001 points of [from, to]. */
const sweep = (f: (x: number) => number, from: number, to: number) => {
  const values = new Float32Array(100001);
  for (let i = 0; i < values.length; i++) values[i] = f(Math.fround(from + ((to - from) * i) / (values.length - 1)));
  return keccak256(new Uint8Array(values.buffer));
};
console.log(JSON.stringify({
  arch: process.arch,
  hashes,
  root: tree.root,
  classicHashes: classic.hashes,
  batchNormHashes: batchNorm.hashes,
  adamwHashes: adamw.hashes,
  residualHashes: residual.hashes,
  gatherTransformerHashes: gather.hashes,
  qloraHashes: qlora.hashes,
  dropoutHashes: dropout.hashes,
  concatHashes: concat.hashes,
  tokensHashes: tokens.hashes,
  mulHashes: mul.hashes,
  dpSgdHashes: dpSgd.hashes,
  exp32Sweep: sweep(exp32, -104, 89),
  sigmoidSweep: sweep(sigmoidF64, -100, 100),
  tanhSweep: sweep(tanhF64, -20, 20),
  erfSweep: sweep(erfF64, -6, 6),
  cosSweep: sweep(cosF64, -10, 10),
}));
