/**
 * Storage proofs end to end: proving time (ours: keepers/src/proofs/groth16Prover through
 * StorageProver, warm, the proof's check included, with the fixed-base tables the storage keeper
 * uses and, for comparison, without) against snarkjs.groth16.fullProve from files as its CLI does,
 * in the same run; warm off-chain verification (ours, mcl-wasm,
 * against snarkjs: bench/zkVerify.ts on the committed storage-circuit vectors); and the whole
 * transaction gas of a real proof submission to StorageProofs on the in-process Hardhat network.
 *
 *   npm run bench:zk                        8 MiB column, 3 timed proofs
 *   npm run bench:zk -- --mib 64 --proofs 5
 *
 * Prints a table, then as the last stdout line one JSON object; progress goes to stderr.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Command } from "commander";
import * as snarkjs from "snarkjs";
import { getAddress, parseEventLogs } from "viem";
import { columnRoot } from "../keepers/src/commitments/columnRoot.ts";
import { STORAGE_CIRCUIT } from "../keepers/src/proofs/circuitParameters.ts";
import { compressProof } from "../keepers/src/proofs/proofEncoding.ts";
import { STORAGE_CIRCUIT_FILES, StorageProver } from "../keepers/src/proofs/storageProver.ts";
import { storageWitness } from "../keepers/src/proofs/storageWitness.ts";
import { networkHelpers } from "../test/contracts/fixture.ts";
import { proveRealColumn, submitRealProof, withRealOpenRound } from "../test/contracts/storageProofRound.ts";
import { SeededRandom } from "../test/keepers/commitments/seededRandom.ts";

const options = new Command("bench:zk")
  .description("Benchmark storage proofs: proving (ours vs snarkjs from files), verification (ours vs snarkjs), submission gas.")
  .option("--mib <mib>", "size of the proven column, in MiB", "8")
  .option("--proofs <n>", "timed proofs (after one warm-up)", "3")
  .parse()
  .opts<{ mib: string; proofs: string }>();
const proofCount = Number(options.proofs);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const seconds = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const start = performance.now();
  const result = await work();
  return [result, (performance.now() - start) / 1000];
};

/** Any address: the proven statement names a prover, whose value does not change the work. */
const BENCH_PROVER = "0x00000000000000000000000000000000000b3c47";
const column = new SeededRandom(7n).bytes(Math.round(Number(options.mib) * 2 ** 20));
const { root, leafCount } = await columnRoot({ column, threads: 2 });
process.stderr.write("building the prover's fixed-base tables\n");
const [prover, tablesSeconds] = await seconds(() => StorageProver.load({ fixedBaseTables: true }));
const plainProver = await StorageProver.load();
const witnessTimes: number[] = [];
const proveTimes: number[] = [];
const plainTimes: number[] = [];
const peerTimes: number[] = [];
let coldProveSeconds = 0;
let compressedBytes = 0;
try {
  for (let run = 0; run <= proofCount; run++) {
    const [input, witnessSeconds] = await seconds(() => storageWitness({ column, columnRoot: root, prover: BENCH_PROVER, seed: BigInt(1000 + run), leafCount }));
    const [{ proof }, proveSeconds] = await seconds(() => prover.prove(input));
    compressedBytes = (await compressProof(proof)).length;
    if (run === 0) coldProveSeconds = proveSeconds;
    else {
      witnessTimes.push(witnessSeconds);
      proveTimes.push(proveSeconds);
      plainTimes.push((await seconds(() => plainProver.prove(input)))[1]);
      // The peer: snarkjs as its CLI and most apps use it, witness generator and proving key read from files.
      const wasm = fileURLToPath(STORAGE_CIRCUIT_FILES.wasm);
      const zkey = fileURLToPath(STORAGE_CIRCUIT_FILES.zkey);
      peerTimes.push((await seconds(() => snarkjs.groth16.fullProve(input, wasm, zkey)))[1]);
    }
    process.stderr.write(`proof ${run}/${proofCount}: witness ${witnessSeconds.toFixed(2)} s, prove ${proveSeconds.toFixed(2)} s\n`);
  }

  process.stderr.write("verification: bench/zkVerify.ts on the storage-circuit vectors\n");
  const { stdout } = await promisify(execFile)(process.execPath, ["bench/zkVerify.ts", "--vectors", "test/fixtures/zk/vectors/storageProof.json"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
  });
  const verify = JSON.parse(stdout.trim().split("\n").at(-1)!) as { verify_ms: number; snarkjs_verify_ms: number; decompress_ms: number };

  process.stderr.write("gas: a real proof submitted to StorageProofs (in-process Hardhat network)\n");
  const p = await networkHelpers.loadFixture(withRealOpenRound);
  const gas: bigint[] = [];
  for (const column of [0, 1] as const) {
    const wallet = p.holder[column]!;
    const calldata = await proveRealColumn(p, prover, column, getAddress(wallet.account.address));
    const receipt = await submitRealProof(p, wallet, BigInt(column), calldata);
    if (parseEventLogs({ abi: p.storageProofs.abi, logs: receipt.logs, eventName: "ProofAccepted" }).length !== 1) throw new Error("the real proof was not accepted");
    gas.push(receipt.gasUsed);
  }

  const prove = median(proveTimes);
  const figures = {
    prove_s: round(prove, 3),
    prove_s_per_sample: round(prove / STORAGE_CIRCUIT.samples, 3),
    samples_per_proof: STORAGE_CIRCUIT.samples,
    depth: STORAGE_CIRCUIT.depth,
    cold_prove_s: round(coldProveSeconds, 3),
    no_tables_prove_s: round(median(plainTimes), 3),
    tables_build_s: round(tablesSeconds, 1),
    peer_prove_s: round(median(peerTimes), 3),
    witness_s: round(median(witnessTimes), 3),
    column_mib: Number(options.mib),
    verify_ms: verify.verify_ms,
    snarkjs_verify_ms: verify.snarkjs_verify_ms,
    decompress_ms: verify.decompress_ms,
    proof_bytes_compressed: compressedBytes,
    submit_gas: Number(gas[0]),
    submit_gas_second: Number(gas[1]),
    detection_10pct_per_round: round(1 - 0.9 ** STORAGE_CIRCUIT.samples, 3),
  };
  console.log(`storage proof, depth ${figures.depth}, ${figures.samples_per_proof} samples, ${figures.column_mib} MiB column`);
  console.log(`  prove (ours, warm)        ${figures.prove_s} s  = ${figures.prove_s_per_sample} s/sample   (cold first proof ${figures.cold_prove_s} s)`);
  console.log(`  without the tables        ${figures.no_tables_prove_s} s   (tables built in ${figures.tables_build_s} s)`);
  console.log(`  snarkjs from files (peer) ${figures.peer_prove_s} s`);
  console.log(`  witness (stream column)   ${figures.witness_s} s`);
  console.log(`  verify warm: ours ${figures.verify_ms} ms, snarkjs ${figures.snarkjs_verify_ms} ms; decompress ${figures.decompress_ms} ms`);
  console.log(`  submitProof gas: ${figures.submit_gas} (first of a round), ${figures.submit_gas_second}`);
  console.log(JSON.stringify(figures));
} finally {
  await prover.close();
}

function round(value: number, digits: number) {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}
