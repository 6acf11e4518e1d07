/**
 * Warm Groth16 verification time: ours (mcl-wasm, prepared key) against snarkjs
 * `groth16.verify`, on the committed test vectors. Blocks of 25 runs over the vector file's
 * proofs alternate between the two (each block after 3 warm-up runs, which also lets snarkjs's
 * worker threads settle), so load changes on the shared machine hit both alike; each figure is
 * the median in ms over --runs runs. Also times decompressing the 128-byte form.
 *
 *   node bench/zkVerify.ts                                   200 runs on preimageProduct.json
 *   node bench/zkVerify.ts --runs 500 --vectors test/fixtures/zk/vectors/storageProof.json
 *   node bench/zkVerify.ts --one-thread                      ours without its pairing thread
 *
 * Wall-clock medians suffer when other jobs compete for the cores; the CPU-time medians (process
 * CPU, all threads: ours splits a verification over two threads unless --one-thread) much less so.
 *
 * The last line of stdout is one JSON object: {"verify_ms", "snarkjs_verify_ms", "decompress_ms",
 * "verify_cpu_ms", "snarkjs_verify_cpu_ms"} (wall-clock unless named cpu).
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import * as snarkjs from "snarkjs";
import { prepareVerifyingKey, stopVerifierThread, verifyGroth16Proof } from "../keepers/src/proofs/groth16Verifier.ts";
import { compressProof, decompressProof, proofFromSnarkjs } from "../keepers/src/proofs/proofEncoding.ts";
import type { ZkVectorFile } from "../test/keepers/proofs/zkVectors.ts";

const options = new Command("bench:zk-verify")
  .description("Benchmark warm Groth16 verification (ours vs snarkjs) and proof decompression.")
  .option("--runs <n>", "timed runs per implementation (at least 100)", "200")
  .option("--vectors <file>", "vector file as written by test/fixtures/zk/makeFixtures.ts", "test/fixtures/zk/vectors/preimageProduct.json")
  .option("--one-thread", "verify on the calling thread only (prepareVerifyingKey's thread: false)")
  .parse()
  .opts<{ runs: string; vectors: string; oneThread?: boolean }>();
const runs = Number(options.runs);
if (!Number.isInteger(runs) || runs < 100) throw new Error(`--runs must be an integer >= 100, got ${options.runs}`);

const { verificationKey, proofs } = JSON.parse(readFileSync(options.vectors, "utf8")) as Omit<ZkVectorFile, "file">;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const round = (ms: number) => Math.round(ms * 1000) / 1000;

type Sample = { wall: number; cpu: number };

/** Wall-clock and process CPU time (all threads; snarkjs uses workers) of one call, in ms. */
async function timed(call: () => unknown): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  if ((await call()) === false) throw new Error("a fixture proof was rejected");
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 };
}

const verifyingKey = await prepareVerifyingKey(verificationKey, { thread: options.oneThread !== true });
const compressed = await Promise.all(proofs.map(({ proof }) => compressProof(proofFromSnarkjs(proof))));
const times = { ours: [] as Sample[], snarkjs: [] as Sample[], decompress: [] as Sample[] };
/** Runs per block; blocks of each implementation alternate, the first runs of a block are warm-up. */
const BLOCK = 25;
const WARM_UP = 3;
async function measureBlock(samples: Sample[], call: (proof: number) => unknown): Promise<void> {
  for (let i = 0; i < WARM_UP + BLOCK && samples.length < runs; i++) {
    const sample = await timed(() => call((samples.length + i) % proofs.length));
    if (i >= WARM_UP) samples.push(sample);
  }
}
try {
  while (times.ours.length < runs || times.snarkjs.length < runs || times.decompress.length < runs) {
    await measureBlock(times.ours, (i) => verifyGroth16Proof({ verifyingKey, ...proofs[i]! }));
    await measureBlock(times.decompress, (i) => decompressProof(compressed[i]!));
    await measureBlock(times.snarkjs, (i) => snarkjs.groth16.verify(verificationKey, proofs[i]!.publicSignals, proofs[i]!.proof));
  }
} finally {
  await (await snarkjs.curves.getCurveFromName("bn128")).terminate();
  await stopVerifierThread();
}

const wall = (samples: Sample[]) => round(median(samples.map(({ wall }) => wall)));
const cpu = (samples: Sample[]) => round(median(samples.map(({ cpu }) => cpu)));
const figures = {
  verify_ms: wall(times.ours),
  snarkjs_verify_ms: wall(times.snarkjs),
  decompress_ms: wall(times.decompress),
  verify_cpu_ms: cpu(times.ours),
  snarkjs_verify_cpu_ms: cpu(times.snarkjs),
};
console.log(`warm Groth16 verify, median of ${runs} runs on ${options.vectors} (${verificationKey.nPublic} public inputs)`);
console.log(`ours on ${verifyingKey.thread === undefined ? "one thread" : "two threads"}`);
console.log("                      wall ms    CPU ms (all threads)");
console.log(`  ours (mcl-wasm)    ${figures.verify_ms.toFixed(3).padStart(7)}   ${figures.verify_cpu_ms.toFixed(3).padStart(7)}`);
console.log(`  snarkjs 0.7.6      ${figures.snarkjs_verify_ms.toFixed(3).padStart(7)}   ${figures.snarkjs_verify_cpu_ms.toFixed(3).padStart(7)}`);
console.log(`  decompress 128 B   ${figures.decompress_ms.toFixed(3).padStart(7)}   ${cpu(times.decompress).toFixed(3).padStart(7)}`);
console.log(JSON.stringify(figures));
