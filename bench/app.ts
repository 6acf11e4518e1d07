/**
 * The web app's numbers, on a devnet of its own: the production build's initial JS (gzipped: the
 * entry chunk and what index.html preloads; goal ≤ 300 KB), the time from navigation to the first
 * subgraph data on screen (median of 5 loads; goal ≤ 1 s), the time from a job's on-chain posting
 * (its receipt) to the app showing it (median of 5 jobs; goal ≤ 2 s), and the accessibility basics
 * of every page (test/harness/accessibilityBasics.ts). The devnet builds what it needs (contracts,
 * subgraph, app). The last line is one JSON object.
 *
 *   npm run bench:app [-- --port 8800]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Command } from "commander";
import { keccak256, parseEther, toHex, zeroHash } from "viem";
import { parseCount } from "../keepers/src/cli/commandContext.ts";
import { createDevnetConsole } from "../keepers/src/devnet/devnetConsole.ts";
import { ingestDataset } from "../keepers/src/devnet/devnetPhases.ts";
import { createFileLogger } from "../keepers/src/devnet/fileLogger.ts";
import { launchDevnet } from "../keepers/src/devnet/launchDevnet.ts";
import { postJob } from "../keepers/src/jobs/jobOnChain.ts";
import { accessibilityBasics } from "../test/harness/accessibilityBasics.ts";
import { openApp } from "../test/harness/appBrowser.ts";

const options = new Command("bench:app").option("--port <port>", "JSON-RPC port of the devnet's chain node", "8800").parse().opts<{ port: string }>();
const root = new URL("../", import.meta.url).pathname;
const directory = join(root, ".devnet-bench-app");
const progress = createDevnetConsole({ prefix: "bench:app" });
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const controller = new AbortController();
process.once("SIGINT", () => controller.abort());
// The devnet compiles the contracts and builds the app (app/dist) when they changed.
const run = await launchDevnet({ port: parseCount(options.port, "--port", 1), directory, log: createFileLogger("bench-app", join(directory, "..", ".devnet-bench-app.log")), progress, signal: controller.signal });
try {
  const dist = join(root, "app", "dist");
  const index = readFileSync(join(dist, "index.html"), "utf8");
  const initial = [...index.matchAll(/(?:src|href)="\.\/(assets\/[^"]+\.(?:js|css))"/g)].map(([, path]) => path!);
  const initialJsGzipKb = Math.round(initial.filter((path) => path.endsWith(".js")).reduce((sum, path) => sum + gzipSync(readFileSync(join(dist, path)), { level: 9 }).length, 0) / 102.4) / 10;
  const { datasetId } = await ingestDataset({ run, images: 200, shardSize: 65536, signal: controller.signal });
  const app = await openApp({ appUrl: run.appUrl, rpcUrl: run.devnet.rpcUrl, chainId: 31337 });
  try {
    const firstData: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = Date.now();
      await app.page.goto(`${run.appUrl}?load=${i}#/`);
      await app.page.getByTestId("latest-datasets").waitFor();
      firstData.push(Date.now() - start);
    }
    const eventToUi: number[] = [];
    for (let i = 0; i < 5; i++) {
      // A job whose spec nobody serves: no provider bids, but the app must show it all the same.
      const jobId = await postJob(run.deployer, { datasetId, specDigest: keccak256(toHex(`bench:app ${i} ${Date.now()}`)), reward: parseEther("1"), minStake: parseEther("1"), biddingPeriod: 3600, executionPeriod: 3600, challengeWindow: 600, program: zeroHash });
      const mined = Date.now();
      await app.page.getByTestId("latest-jobs").getByText(`Job ${jobId}`, { exact: true }).waitFor({ timeout: 30_000 });
      eventToUi.push(Date.now() - mined);
    }
    const accessibility: Record<string, string[]> = {};
    for (const page of ["/", "/datasets", `/datasets/${datasetId}`, "/jobs", "/jobs/new", "/jobs/1", "/stake", `/accounts/${run.addressOf(2).toLowerCase()}`]) {
      await app.page.goto(`${run.appUrl}#${page}`);
      // The page's chunk loaded and its queries answered: its heading shows and nothing is loading.
      await app.page.locator("main h1").first().waitFor();
      await app.page.waitForFunction("!document.querySelector('[aria-busy=\"true\"]')");
      accessibility[page] = await accessibilityBasics(app.page);
    }
    console.log(`initial JS: ${initialJsGzipKb} KB gzipped (${initial.join(", ")})`);
    console.log(`first data: ${firstData.join(", ")} ms; event to UI: ${eventToUi.join(", ")} ms`);
    for (const [page, findings] of Object.entries(accessibility)) console.log(`accessibility ${page}: ${findings.length === 0 ? "ok" : findings.join("; ")}`);
    console.log(
      JSON.stringify({
        initial_js_gzip_kb: initialJsGzipKb,
        first_data_ms: median(firstData),
        event_to_ui_ms: median(eventToUi),
        first_data_ms_all: firstData,
        event_to_ui_ms_all: eventToUi,
        accessibility_findings: Object.values(accessibility).reduce((n, f) => n + f.length, 0),
      }),
    );
  } finally {
    await app.close();
  }
} finally {
  await run.stop();
}
