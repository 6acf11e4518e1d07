import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createPublicClient, http, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { connectProtocol } from "../keepers/src/chain/protocolContracts.ts";
import { readLogLines } from "../keepers/src/devnet/keeperProcess.ts";
import { DEVNET_OWNER_EXAMPLES, devnetOwnerData } from "../keepers/src/devnet/roundJobPhase.ts";
import { ownedDataRoot } from "../keepers/src/roundJobs/ownerCommitments.ts";
import { ownedExamples } from "../keepers/src/roundJobs/privateRound.ts";
import { appJourney, roundJobJourney } from "./app/appJourney.ts";
import { holdDevnetSlot } from "./harness/devnetSlot.ts";

// Never beside another devnet-class file (test/harness/devnetSlot.ts).
await holdDevnetSlot();

// The keepers take PORT+1…PORT+30, their health endpoints PORT+1000…PORT+1030.
const PORT = Number(process.env.VERITRAIN_DEVNET_TEST_PORT ?? 8601);
const root = new URL("..", import.meta.url);

describe("npm run devnet (scripts/devnet.ts, the README's main command)", () => {
  it("refuses a bad flag with one error line, before starting anything", () => {
    const { status, stderr } = spawnSync(process.execPath, ["scripts/devnet.ts", "--port", "http"], { cwd: root, encoding: "utf8" });
    assert.equal(status, 1);
    assert.match(stderr, /^devnet: error \[CLI_ARGUMENT_INVALID\]: --port must be an integer/m);
    const published = spawnSync(process.execPath, ["scripts/devnet.ts", "--providers", "3", "--private", "--images", "all"], { cwd: root, encoding: "utf8" });
    assert.equal(published.status, 1);
    assert.equal(published.stderr, "devnet: error [CONFIG_INVALID]: --private needs --images at most 50000: the data owners' images, from 50000 on, must not be in the published dataset\n");
    const tooFew = spawnSync(process.execPath, ["scripts/devnet.ts", "--providers", "2", "--private"], { cwd: root, encoding: "utf8" });
    assert.equal(tooFew.status, 1);
    assert.match(tooFew.stderr, /^devnet: error \[CLI_ARGUMENT_INVALID\]: --providers must be an integer .*3/m);
  });

  it("starts the chain and every keeper as processes, ingests MNIST with plain progress lines on a pipe, serves a new user's own job (the README's commands) and the web app's whole journey in Chromium, shows its private-data job as the chain has it (a wrong aggregate caught), and stops all of them on SIGTERM", { timeout: 1_800_000 }, async () => {
    const directory = mkdtempSync(join(tmpdir(), "veritrain-devnet-"));
    // The devnet's own job is a private-data one (4 data owners × 2 rounds, DP-SGD, SecAgg+ over the chain) whose first
    // aggregate is posted wrong; the web app's journey posts a single-provider job beside it.
    const devnet = spawn(process.execPath, [
      "scripts/devnet.ts", "--port", String(PORT), "--dir", directory, "--images", "500", "--train-images", "200", "--test-images", "100",
      "--providers", "4", "--rounds", "2", "--local-steps", "5", "--private", "--dishonest-aggregator", "--keep-running",
    ], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
    try {
      const console: string[] = [];
      // One reader for the whole run, so that no line is lost between two waits.
      const lines = createInterface({ input: devnet.stderr! })[Symbol.asyncIterator]();
      const lineMatching = async (pattern: RegExp) => {
        for (let next = await lines.next(); !next.done; next = await lines.next()) {
          console.push(next.value);
          const match = pattern.exec(next.value);
          if (match !== null) return match;
        }
        return undefined;
      };
      const ingested = await lineMatching(/^devnet: dataset 1 \(\S+\) stored and accepted by its 11 holders/);
      assert.ok(ingested, "the devnet reported the dataset stored and accepted");
      // Posted after the first audit round, once the extra compute keeper is funded and staked by the
      // deployer's account, which `devnet fund` below also sends from: waiting keeps their nonces apart.
      const roundJob = await lineMatching(/^devnet: distributed job (\d+) posted: LeNet-5 on 4 data owners' own 1000 images each \(never published\), DP-SGD at ε = 3, SecAgg\+, .*; the compute keeper posts the first aggregate wrong$/);
      assert.ok(roundJob, "the devnet posted its private-data job");
      // Not a TTY: every line is a plain "devnet: …" line (no JSON log line, no compiler warning, no animation).
      assert.deepEqual(console.filter((line) => !line.startsWith("devnet: ") || line.includes("\r")), []);
      assert.ok(console.some((line) => line === `devnet: subgraph: http://127.0.0.1:${PORT + 1}/subgraphs/name/veritrain`), "the subgraph's URL is printed once the indexer is up");
      assert.ok(console.some((line) => /^devnet: 27 keepers running .*\(\d+ (s|min \d+ s)\)$/.test(line)), "the keepers' start-up with its time");
      const gatewayUrl = `http://127.0.0.1:${PORT + 1001}`;
      assert.ok(console.some((line) => line === `devnet: app: ${gatewayUrl}/`), "the app's URL is printed once the gateway is up");
      const appConfig = (await (await fetch(`${gatewayUrl}/config.json`)).json()) as { chainId: number; subgraphUrl: string; devWallet: boolean; addresses: Record<string, string> };
      assert.deepEqual([appConfig.chainId, appConfig.subgraphUrl, appConfig.devWallet], [31337, `http://127.0.0.1:${PORT + 1}/subgraphs/name/veritrain`, true]);
      const deployed = Object.entries(JSON.parse(readFileSync(join(directory, "deployed_addresses.json"), "utf8")) as Record<string, string>);
      assert.equal(appConfig.addresses.JobRegistry, deployed.find(([key]) => key.endsWith("#JobRegistry"))?.[1], "config.json's addresses are the deployment's");
      const client = createPublicClient({ transport: http(`http://127.0.0.1:${PORT}`) });
      assert.equal(await client.getChainId(), 31337);
      // The README's "your own job on the running devnet", as a new account.
      const user = { ...process.env, VERITRAIN_PRIVATE_KEY: generatePrivateKey(), VERITRAIN_DEPLOYMENT: join(directory, "deployed_addresses.json"), VERITRAIN_RPC_URL: `http://127.0.0.1:${PORT}`, VERITRAIN_DATA_DIR: join(directory, "user") };
      const veritrain = (...args: string[]) => {
        const run = spawnSync(process.execPath, ["keepers/src/cli.ts", ...args], { cwd: root, encoding: "utf8", env: user, timeout: 120_000 });
        assert.equal(run.status, 0, `veritrain ${args.join(" ")}: ${run.stderr}`);
        return run.stdout;
      };
      const address = privateKeyToAccount(user.VERITRAIN_PRIVATE_KEY).address;
      assert.match(veritrain("account"), /tokens +0 VTT/);
      assert.match(veritrain("devnet", "fund", address), /received 1000 VTT/);
      assert.match(veritrain("dataset", "list"), /dataset +1 +Active/);
      // The web app, as another new user with an injected wallet (test/app/appJourney.ts). Before the
      // CLI user's job: that one's spec is served by nobody once `job post --no-wait` exits, and the
      // compute keeper keeps trying to fetch it until its bidding closes, bidding on nothing else meanwhile.
      const browserUser = generatePrivateKey();
      assert.match(veritrain("devnet", "fund", privateKeyToAccount(browserUser).address), /received 1000 VTT/);
      await appJourney({ appUrl: `${gatewayUrl}/`, rpcUrl: `http://127.0.0.1:${PORT}`, privateKey: browserUser });
      await roundJobJourney({ appUrl: `${gatewayUrl}/`, rpcUrl: `http://127.0.0.1:${PORT}`, jobId: BigInt(roundJob[1]!) });
      // The private-data job finished: its owners went through every stage of both rounds on the chain, and the dishonest
      // aggregate was recomputed from the ledger, challenged, voided and its poster slashed.
      const chain = await connectProtocol({ rpcUrl: `http://127.0.0.1:${PORT}`, addresses: Object.fromEntries(deployed.map(([key, value]) => [key.replace(/^[^#]+#/, ""), value as Address])) });
      const jobId = BigInt(roundJob[1]!);
      const posts = await chain.contracts.SecureAggregationLedger.getEvents.SecAggPosted({ jobId }, { fromBlock: 0n });
      assert.deepEqual([0, 1, 2, 3].map((stage) => posts.filter((post) => post.args.stage === stage).length), [8, 8, 8, 8], "keys, shares, complaints and unmask shares of 4 owners × 2 rounds");
      // Each owner committed to its own examples (never published) and to each round's noise seed, before its update.
      const owners = await chain.contracts.SecureAggregationLedger.getEvents.OwnerCommitted({ jobId }, { fromBlock: 0n });
      const expected = await Promise.all([0, 1, 2, 3].map((owner) => ownedDataRoot(ownedExamples(devnetOwnerData(DEVNET_OWNER_EXAMPLES, owner)))));
      assert.deepEqual(owners.map((event) => event.args.round).sort(), [0n, 0n, 0n, 0n, 1n, 1n, 1n, 1n]);
      assert.deepEqual([...new Set(owners.map((event) => event.args.dataRoot))].sort(), expected.sort(), "the four owners' Poseidon roots, the same in both rounds");
      assert.equal(new Set(owners.map((event) => event.args.noiseSeedCommitment)).size, 8, "a fresh noise seed each round");
      const voided = await chain.contracts.RoundJobRegistry.getEvents.AggregateVoided({ jobId }, { fromBlock: 0n });
      // Its poster races the owners, who aggregate too: it posts at once, in round 0 unless an owner was quicker.
      assert.deepEqual(voided.map((event) => event.args.slashed! > 0n), [true], "the wrong aggregate voided, its poster slashed");

      const peers = readFileSync(join(directory, "job-peers"), "utf8").trim().split(" ");
      assert.equal(peers.length, 11, "compute, challenger and 9 validators");
      const posted = JSON.parse(veritrain("--json", "job", "post", "--dataset", "1", "--train-images", "100", "--test-images", "50", "--no-wait", "--peer", ...peers)) as { jobId: string };
      assert.match(veritrain("job", "list"), new RegExp(`job +${posted.jobId} +(Bidding|Assigned|Submitted) +dataset 1 +${address}`));

      const pids = readLogLines(join(directory, "logs", "automation.log")).map((line) => line.pid as number);
      assert.ok(pids.length > 0, "the automation keeper logs to its own file");

      devnet.kill("SIGTERM");
      const [code] = await once(devnet, "exit");
      assert.equal(code, 130);
      await assert.rejects(createPublicClient({ transport: http(`http://127.0.0.1:${PORT}`, { retryCount: 0, timeout: 2000 }) }).getChainId(), "the chain node stopped");
      for (const pid of new Set(pids)) assert.throws(() => process.kill(pid, 0), "the automation keeper's process is gone");
      const keepers = spawnSync("pgrep", ["-f", "--", `--data-dir ${directory}/`], { encoding: "utf8" }).stdout.trim();
      assert.equal(keepers, "", "no keeper process outlives the devnet");
    } catch (error) {
      // The logs go with the directory: what the job keepers said of each job comes with the failure.
      for (const name of ["compute", "compute-2", "compute-3", "compute-4", "automation"]) {
        const file = join(directory, "logs", `${name}.log`);
        if (existsSync(file)) for (const line of readLogLines(file).filter((line) => line.jobId !== undefined).slice(-40)) process.stderr.write(`${name}: job ${line.jobId}${line.round === undefined ? "" : ` round ${line.round}`}: ${line.msg}\n`);
      }
      throw error;
    } finally {
      // A failed assertion leaves the devnet up: stop it as its user would (SIGTERM stops every keeper), SIGKILL only if that hangs.
      if (devnet.exitCode === null && devnet.signalCode === null) {
        devnet.kill("SIGTERM");
        const stopped = await Promise.race([once(devnet, "exit").then(() => true), sleep(60_000).then(() => false)]);
        if (!stopped) {
          devnet.kill("SIGKILL");
          spawnSync("pkill", ["-KILL", "-f", "--", `--data-dir ${directory}/`]);
        }
      }
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
