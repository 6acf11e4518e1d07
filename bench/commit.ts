/**
 * Column-commitment throughput: MB/s (10^6 bytes of column data per second) of columnRoot at
 * 1 and 2 worker threads, against circomlibjs (single thread, the reference implementation)
 * committing a smaller slice of the same seeded column with the same leaves and tree. Every
 * figure is the median of --repeat runs: the machine may be shared, so expect noise. Besides
 * wall-clock MB/s it reports MB per CPU-second of the process (all threads), which is much
 * less sensitive to other jobs competing for the cores.
 *
 *   npm run bench:commit                      16 MiB column, 0.5 MiB circomlibjs slice, 3 repeats
 *   npm run bench:commit -- --mib 64 --repeat 5
 *
 * Prints a table, then as the last stdout line one JSON object; progress goes to stderr.
 */
import { Command } from "commander";
import { columnRoot } from "../keepers/src/commitments/columnRoot.ts";
import { referenceColumnRoot } from "../test/keepers/commitments/referenceCommitment.ts";
import { SeededRandom } from "../test/keepers/commitments/seededRandom.ts";

const options = new Command("bench:commit")
  .description("Benchmark column commitments (wasm Poseidon, 1 and 2 threads) against circomlibjs.")
  .option("--mib <mib>", "column size committed by our implementation, in MiB", "16")
  .option("--peer-mib <mib>", "slice committed by circomlibjs, in MiB (it runs at about 1 MB/s)", "0.5")
  .option("--repeat <n>", "runs per configuration; the median is reported", "3")
  .option("--depth <depth>", "Merkle tree depth", "25")
  .parse()
  .opts<{ mib: string; peerMib: string; repeat: string; depth: string }>();

const MIB = 1024 * 1024;
const columnBytes = Math.round(Number(options.mib) * MIB);
const peerBytes = Math.round(Number(options.peerMib) * MIB);
const repeat = Number(options.repeat);
const depth = Number(options.depth);

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

type Measurement = { mbps: number; mbpsPerCpuSecond: number; root: bigint };

/**
 * Runs `commit` `repeat` times and returns the median throughput, in MB per wall-clock second
 * and per CPU-second, checking every run gives the same root.
 */
async function measure(label: string, bytes: number, commit: () => Promise<bigint>): Promise<Measurement> {
  const wallRates: number[] = [];
  const cpuRates: number[] = [];
  let root: bigint | undefined;
  for (let run = 1; run <= repeat; run++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const runRoot = await commit();
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    if (root !== undefined && runRoot !== root) throw new Error(`${label}: root changed between runs`);
    root = runRoot;
    wallRates.push(bytes / 1e6 / seconds);
    cpuRates.push(bytes / 1e6 / ((cpu.user + cpu.system) / 1e6));
    process.stderr.write(`${label}: run ${run}/${repeat} ${(bytes / 1e6 / seconds).toFixed(3)} MB/s\n`);
  }
  return { mbps: median(wallRates), mbpsPerCpuSecond: median(cpuRates), root: root ?? 0n };
}

process.stderr.write(`generating ${options.mib} MiB of seeded column bytes…\n`);
const column = new SeededRandom(2026n).bytes(columnBytes);
const slice = column.subarray(0, peerBytes);

const oneThread = await measure("wasm, 1 thread", columnBytes, async () => (await columnRoot({ column, depth })).root);
const twoThreads = await measure("wasm, 2 threads", columnBytes, async () => (await columnRoot({ column, depth, threads: 2 })).root);
if (oneThread.root !== twoThreads.root) throw new Error("1-thread and 2-thread roots differ");
const peer = await measure("circomlibjs, 1 thread", peerBytes, async () => referenceColumnRoot({ column: slice, depth }).root);
const sliceRoot = (await columnRoot({ column: slice, depth })).root;
if (sliceRoot !== peer.root) throw new Error("circomlibjs and wasm disagree on the slice root");

const rows = [
  ["implementation", "threads", "column MiB", "MB/s (median)", "× circomlibjs", "MB/CPU-s", "× circomlibjs"],
  ...[
    { threads: "1", result: oneThread, mib: options.mib, name: "wasm Poseidon (this module)" },
    { threads: "2", result: twoThreads, mib: options.mib, name: "wasm Poseidon (this module)" },
    { threads: "1", result: peer, mib: options.peerMib, name: "circomlibjs 0.1.7" },
  ].map(({ threads, result, mib, name }) => [
    name,
    threads,
    mib,
    result.mbps.toFixed(3),
    (result.mbps / peer.mbps).toFixed(2),
    result.mbpsPerCpuSecond.toFixed(3),
    (result.mbpsPerCpuSecond / peer.mbpsPerCpuSecond).toFixed(2),
  ]),
];
const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")}\n`);
process.stdout.write(`(depth ${depth}, ${repeat} runs each, roots checked equal across runs, thread counts and implementations)\n`);
process.stdout.write(
  `${JSON.stringify({
    commit_MBps_per_core: Number(oneThread.mbps.toFixed(3)),
    threads: 2,
    commit_MBps_total: Number(twoThreads.mbps.toFixed(3)),
    peer_MBps: Number(peer.mbps.toFixed(3)),
    ratio_per_core: Number((oneThread.mbps / peer.mbps).toFixed(2)),
    ratio_total: Number((twoThreads.mbps / peer.mbps).toFixed(2)),
    commit_MBps_per_cpu_second: Number(oneThread.mbpsPerCpuSecond.toFixed(3)),
    peer_MBps_per_cpu_second: Number(peer.mbpsPerCpuSecond.toFixed(3)),
    ratio_per_cpu_second: Number((oneThread.mbpsPerCpuSecond / peer.mbpsPerCpuSecond).toFixed(2)),
    column_MiB: Number(options.mib),
    peer_MiB: Number(options.peerMib),
    depth,
    repeat,
  })}\n`,
);
