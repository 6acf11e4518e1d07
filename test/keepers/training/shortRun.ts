/**
 * Three short, fixed training runs (LeNet-5, LeCun's with Tanh and AveragePool, LeNet-5 with BatchNorm) whose checkpoint
 * hashes are printed as JSON on stdout, with hashes of exp32, sigmoid and tanh sweeps. The arm64
 * test runs this same file natively and under qemu-aarch64 and compares the output.
 *
 *   node test/keepers/training/shortRun.ts [threads]
 */
import { keccak256 } from "viem";
import { exp32, sigmoidF64, tanhF64 } from "../../../keepers/src/training/deterministicMath.ts";
import { createLeNet5Onnx } from "../../../keepers/src/training/lenet5.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { smallJob } from "./fixtures.ts";

const threads = Number(process.argv[2] ?? 1);
// 128 examples, batch 32 = 4 micro-batches of 8, a checkpoint after every step.
const job = smallJob({ trainCount: 128, batchSize: 32, microBatches: 4, checkpointInterval: 1 });
const { hashes, tree } = await trainJob({ job, threads });
const variant = (options: Parameters<typeof createLeNet5Onnx>[0]) => trainJob({ job: smallJob({ modelBytes: createLeNet5Onnx(options), trainCount: 128, batchSize: 32, microBatches: 4, checkpointInterval: 1 }), threads });
const classic = await variant({ seed: 1n, activation: "tanh", pooling: "average" });
const batchNorm = await variant({ seed: 1n, batchNorm: true });
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
  exp32Sweep: sweep(exp32, -104, 89),
  sigmoidSweep: sweep(sigmoidF64, -100, 100),
  tanhSweep: sweep(tanhF64, -20, 20),
}));
