/**
 * A short, fixed training run whose checkpoint hashes are printed as JSON on stdout. The arm64
 * test runs this same file natively and under qemu-aarch64 and compares the output.
 *
 *   node test/keepers/training/shortRun.ts [threads]
 */
import { keccak256 } from "viem";
import { exp32 } from "../../../keepers/src/training/deterministicMath.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { smallJob } from "./fixtures.ts";

const threads = Number(process.argv[2] ?? 1);
// 128 examples, batch 32 = 4 micro-batches of 8, a checkpoint after every step.
const job = smallJob({ trainCount: 128, batchSize: 32, microBatches: 4, checkpointInterval: 1 });
const { hashes, tree } = await trainJob({ job, threads });
const sweep = new Float32Array(100001);
for (let i = 0; i < sweep.length; i++) sweep[i] = exp32(Math.fround(-104 + (193 * i) / (sweep.length - 1)));
console.log(JSON.stringify({ arch: process.arch, hashes, root: tree.root, exp32Sweep: keccak256(new Uint8Array(sweep.buffer)) }));
