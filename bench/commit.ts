/**
 * Column-commitment throughput: MB/s (10^6 bytes of column data per second) of columnRoot at
 * 1 and 2 worker threads, against circomlibjs (single thread, the reference implementation)
 * committing a smaller slice of the same seeded column with the same leaves and tree. Every
 * figure is the median of --repeat runs: the machine may be shared, so expect noise. The runs
 * alternate in rounds (ours on 1 thread, circomlibjs, ours on 2 threads) and each ratio is the
 * median of the per-round ratios, so a drift in the machine's speed during the run hits both
 * sides of a ratio alike. Besides wall-clock MB/s it reports MB per CPU-second of the process
 * (all threads), which is much less sensitive to other jobs competing for the cores.
 *
 *   npm run bench:commit                      16 MiB column, 0.5 MiB circomlibjs slice, 5 repeats
 *   npm run bench:commit -- --mib 64 --repeat 5
 *
 * Prints a table, then as the last stdout line one JSON object; progress goes to stderr.
 */
import { Command } from "commander";
import { columnRoot } from "../keepers/src/commitments/columnRoot.ts";
import { DEFAULT_COLUMN_DEPTH } from "../keepers/src/commitments/treeDepth.ts";
import { referenceColumnRoot } from "../test/keepers/commitments/referenceCommitment.ts";
import { SeededRandom } from "../test/keepers/commitments/seededRandom.ts";

const options = new Command("bench:commit")
  .description("Benchmark column commitments (wasm Poseidon, 1 and 2 threads) against circomlibjs.")
  .option("--mib <mib>", "column size committed by our implementation, in MiB", "16")
  .option("--peer-mib <mib>", "slice committed by circomlibjs, in MiB (it runs at about 1 MB/s)", "0.5")
  .option("--repeat <n>", "runs per configuration; the median is reported", "5")
  .option("--depth <depth>", "Merkle tree depth (4-ary levels)", String(DEFAULT_COLUMN_DEPTH))
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

type Run = { mbps: number; mbpsPerCpuSecond: number; root: bigint };

/** One timed commitment, in MB per wall-clock second and per CPU-second of the process. */
async function timedRun(label: string, run: number, bytes: number, commit: () => Promise<bigint>): Promise<Run> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const root = await commit();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  process.stderr.write(`${label}: run ${run}/${repeat} ${(bytes / 1e6 / seconds).toFixed(3)} MB/s\n`);
  return { mbps: bytes / 1e6 / seconds, mbpsPerCpuSecond: bytes / 1e6 / ((cpu.user + cpu.system) / 1e6), root };
}

process.stderr.write(`generating ${options.mib} MiB of seeded column bytes…\n`);
const column = new SeededRandom(2026n).bytes(columnBytes);
const slice = column.subarray(0, peerBytes);

const runs = { oneThread: [] as Run[], twoThreads: [] as Run[], peer: [] as Run[] };
for (let run = 1; run <= repeat; run++) {
  runs.oneThread.push(await timedRun("wasm, 1 thread", run, columnBytes, async () => (await columnRoot({ column, depth })).root));
  runs.peer.push(await timedRun("circomlibjs, 1 thread", run, peerBytes, async () => referenceColumnRoot({ column: slice, depth }).root));
  runs.twoThreads.push(await timedRun("wasm, 2 threads", run, columnBytes, async () => (await columnRoot({ column, depth, threads: 2 })).root));
}
const columnRoots = new Set([...runs.oneThread, ...runs.twoThreads].map(({ root }) => root));
if (columnRoots.size !== 1) throw new Error("the column root changed between runs or thread counts");
if (new Set(runs.peer.map(({ root }) => root)).size !== 1) throw new Error("circomlibjs: root changed between runs");
const sliceRoot = (await columnRoot({ column: slice, depth })).root;
if (sliceRoot !== runs.peer[0]?.root) throw new Error("circomlibjs and wasm disagree on the slice root");

type Summary = { mbps: number; mbpsPerCpuSecond: number; ratio: number; ratioPerCpuSecond: number };
/** Medians over the runs, and the median ratio of each run to the circomlibjs run of its round. */
const summary = (ours: Run[]): Summary => ({
  mbps: median(ours.map(({ mbps }) => mbps)),
  mbpsPerCpuSecond: median(ours.map(({ mbpsPerCpuSecond }) => mbpsPerCpuSecond)),
  ratio: median(ours.map(({ mbps }, i) => mbps / (runs.peer[i]?.mbps ?? Number.NaN))),
  ratioPerCpuSecond: median(ours.map(({ mbpsPerCpuSecond }, i) => mbpsPerCpuSecond / (runs.peer[i]?.mbpsPerCpuSecond ?? Number.NaN))),
});
const oneThread = summary(runs.oneThread);
const twoThreads = summary(runs.twoThreads);
const peer = summary(runs.peer);

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
    result.ratio.toFixed(2),
    result.mbpsPerCpuSecond.toFixed(3),
    result.ratioPerCpuSecond.toFixed(2),
  ]),
];
const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")}\n`);
process.stdout.write(`(depth ${depth}, ${repeat} alternating rounds, ratios are medians of per-round ratios; roots checked equal across runs, thread counts and implementations)\n`);
process.stdout.write(
  `${JSON.stringify({
    commit_MBps_per_core: Number(oneThread.mbps.toFixed(3)),
    threads: 2,
    commit_MBps_total: Number(twoThreads.mbps.toFixed(3)),
    peer_MBps: Number(peer.mbps.toFixed(3)),
    ratio_per_core: Number(oneThread.ratio.toFixed(2)),
    ratio_total: Number(twoThreads.ratio.toFixed(2)),
    commit_MBps_per_cpu_second: Number(oneThread.mbpsPerCpuSecond.toFixed(3)),
    peer_MBps_per_cpu_second: Number(peer.mbpsPerCpuSecond.toFixed(3)),
    ratio_per_cpu_second: Number(oneThread.ratioPerCpuSecond.toFixed(2)),
    column_MiB: Number(options.mib),
    peer_MiB: Number(options.peerMib),
    depth,
    repeat,
  })}\n`,
);
