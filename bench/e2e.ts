/**
 * End-to-end numbers of the default devnet run (`npm run devnet`'s defaults): wall time and
 * seconds per phase (startup — compile, deploy, subgraph, setup, keepers — ingest, first proof
 * round, training, window, payout; the proof round and training overlap), gas by
 * operation and in all (every receipt), and the bytes the storage keepers keep on disk (shards,
 * manifest) against the dataset's size (goal 1.375x for 8+3, plus < 1% for manifest and
 * commitments). The last line is one JSON object.
 *
 *   npm run bench:e2e [-- --port 8545]
 */
import { join } from "node:path";
import { Command } from "commander";
import { parseCount } from "../keepers/src/cli/commandContext.ts";
import { createDevnetConsole } from "../keepers/src/devnet/devnetConsole.ts";
import { createFileLogger } from "../keepers/src/devnet/fileLogger.ts";
import { formatGasTable } from "../keepers/src/devnet/gasTable.ts";
import { DEVNET_DEFAULTS, runDevnet } from "../keepers/src/devnet/runDevnet.ts";

const options = new Command("bench:e2e")
  .option("--port <port>", "JSON-RPC port of the devnet's chain node", String(DEVNET_DEFAULTS.port))
  .parse()
  .opts<{ port: string }>();

// A signal stops the run and everything it started (runDevnet stops the keepers and the chain).
const controller = new AbortController();
process.once("SIGINT", () => controller.abort());
process.once("SIGTERM", () => controller.abort());
const { run, report } = await runDevnet({
  ...DEVNET_DEFAULTS,
  port: parseCount(options.port, "--port", 1),
  log: createFileLogger("bench-e2e", join(DEVNET_DEFAULTS.directory, "logs", "devnet.log")),
  progress: createDevnetConsole({ prefix: "bench:e2e" }),
  signal: controller.signal,
});
await run.stop();

console.log("phase                 seconds");
for (const [phase, seconds] of Object.entries(report.phases)) console.log(`${phase.padEnd(22)}${String(seconds ?? "-").padStart(7)}`);
console.log(`${"wall".padEnd(22)}${String(report.wall_s).padStart(7)}`);
for (const [step, seconds] of Object.entries(report.startup_s)) console.log(`  startup: ${step.padEnd(13)}${String(seconds).padStart(7)}`);
console.log(`\n${formatGasTable(report.gas, report.gas_total).join("\n")}`);
console.log(`\nstored ${report.stored_bytes} B for a ${report.dataset.bytes} B dataset (${report.dataset.layout}): ${report.stored_bytes_ratio}x`);
console.log(
  JSON.stringify({
    wall_s: report.wall_s,
    phases: report.phases,
    startup: report.startup_s,
    keeper_restarts: report.keepers.restarts,
    gas_total: Number(report.gas_total),
    gas: Object.fromEntries(Object.entries(report.gas).map(([operation, { count, gas }]) => [operation, { count, gas: Number(gas) }])),
    stored_bytes_ratio: report.stored_bytes_ratio,
    stored_bytes: report.stored_bytes,
    dataset_bytes: report.dataset.bytes,
    proofs_accepted: report.proofs.accepted,
    accuracy: report.job.accuracy,
    job_status: report.job.status,
  }),
);
