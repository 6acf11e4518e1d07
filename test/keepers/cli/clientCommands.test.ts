import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import type { Command } from "commander";
import { parseEther, toHex, zeroHash } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createProgram } from "../../../keepers/src/cli/program.ts";
import { runTraining } from "../../../keepers/src/compute/runTraining.ts";
import { postJob } from "../../../keepers/src/jobs/jobOnChain.ts";
import { publishResult } from "../../../keepers/src/jobs/resultManifest.ts";
import { loadMnist } from "../../../keepers/src/training/mnist.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import { mnistTestAccuracy } from "../../../keepers/src/training/onnxRuntimeEvaluation.ts";
import { prepareJob } from "../../../keepers/src/training/preparedJob.ts";
import { registerMnistDataset, startProtocolFixture, storeMnistJob, type ProtocolFixture } from "../../harness/protocolFixture.ts";

const cli = new URL("../../../keepers/src/cli.ts", import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };

type Run = { code: number; stdout: string; stderr: string; ms: number };

/** Runs `veritrain …` to its end; never throws on a non-zero exit. */
async function veritrain(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const started = performance.now();
  const result = await promisify(execFile)(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, LOG_LEVEL: undefined, ...env }, timeout: 120_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
  return { ...result, ms: performance.now() - started };
}

/** Runs `veritrain …`, which must succeed (its stderr and the time it took in the message otherwise); its stdout. */
async function stdoutOf(args: string[], env: Record<string, string | undefined> = {}): Promise<string> {
  const run = await veritrain(args, env);
  assert.equal(run.code, 0, `veritrain ${args.join(" ")} exited ${run.code} after ${Math.round(run.ms)} ms; stderr: ${run.stderr}`);
  return run.stdout;
}

/** An expected failure: exit 1 and exactly one line on stderr, `error [code]: …`, no stack. */
function assertOneLine(run: Run, code: string, message: RegExp): void {
  assert.equal(run.code, 1, `exit code; stderr: ${run.stderr}`);
  const lines = run.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line on stderr, got:\n${run.stderr}`);
  assert.match(lines[0]!, new RegExp(`^error \\[${code}\\]: `));
  assert.match(lines[0]!, message);
  assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
}

describe("client commands: help, one-line failures, lists, amounts, results", { timeout: 600_000 }, () => {
  let fixture: ProtocolFixture;
  let deployment: string;
  let chainFlags: string[];
  before(async () => {
    fixture = await startProtocolFixture();
    deployment = fixture.chain.writeDeployment(join(fixture.work, "deployed_addresses.json"));
    chainFlags = ["--rpc-url", fixture.chain.rpcUrl, "--deployment", deployment];
  });
  after(async () => {
    await fixture?.close();
  });

  it("--version prints package.json's version", async () => {
    const run = await veritrain(["--version"]);
    assert.equal(run.stdout.trim(), version);
  });

  it("every command's --help lists the global options, says whether it needs a key, and marks required options", () => {
    const helps = new Map<string, string>();
    const walk = (command: Command, path: string[]) => {
      const children = command.commands.filter((child) => child.name() !== "help");
      if (children.length === 0) {
        let text = "";
        command.configureOutput({ writeOut: (chunk) => void (text += chunk) });
        command.outputHelp();
        helps.set(path.join(" "), text.replace(/[ \n]+/g, " "));
      }
      for (const child of children) walk(child, [...path, child.name()]);
    };
    walk(createProgram(), []);
    assert.ok(helps.size >= 20, `${helps.size} commands`);
    for (const [name, text] of helps) {
      assert.match(text, /Global Options:[\s\S]*--rpc-url <url>[\s\S]*--json[\s\S]*--verbose/, `${name}: global options`);
      assert.match(text, / Key: (signs transactions|none needed)/, `${name}: key use`);
    }
    assert.match(helps.get("job post")!, /Key: signs transactions/);
    assert.match(helps.get("job status")!, /Key: none needed/);
    assert.match(helps.get("job result")!, /--out <file> where to write the ONNX model \(required\)/);
    assert.match(helps.get("job post")!, /--dataset <id> DatasetRegistry id of an active MNIST dataset \(required\)/);
    assert.doesNotMatch(helps.get("job status")!, /\(required\)/);
  });

  it("refuses bad arguments, keys, deployments and inputs in one line, leaving nothing on disk", async () => {
    assertOneLine(await veritrain([...chainFlags, "dataset", "status", "abc"]), "CLI_ARGUMENT_INVALID", /datasetId must be an integer ≥ 1, got "abc"/);
    assertOneLine(await veritrain([...chainFlags, "job", "status", "99"]), "JOB_UNKNOWN", /job 99 does not exist/);
    assertOneLine(await veritrain([...chainFlags, "dataset", "status", "7"]), "DATASET_UNKNOWN", /dataset 7 is not registered/);
    assertOneLine(await veritrain([...chainFlags, "job", "list"], { VERITRAIN_PRIVATE_KEY: toHex(0n, { size: 32 }) }), "CONFIG_INVALID", /VERITRAIN_PRIVATE_KEY is not a secp256k1 private key/);
    assertOneLine(await veritrain([...chainFlags, "stake", "1"], { VERITRAIN_PRIVATE_KEY: undefined }), "KEY_MISSING", /stake signs transactions: set VERITRAIN_PRIVATE_KEY/);
    const notJson = join(fixture.work, "not.json");
    writeFileSync(notJson, "# deployed\n");
    assertOneLine(await veritrain(["--rpc-url", fixture.chain.rpcUrl, "--deployment", notJson, "job", "list"]), "CONFIG_INVALID", /not\.json is not JSON/);
    const partial = join(fixture.work, "partial.json");
    writeFileSync(partial, JSON.stringify({ "Veritrain#VeritrainToken": fixture.chain.addresses.VeritrainToken }));
    assertOneLine(await veritrain(["--rpc-url", fixture.chain.rpcUrl, "--deployment", partial, "job", "list"]), "CONFIG_INVALID", /lacks StakeManager, JobRegistry/);
    assertOneLine(await veritrain(["--rpc-url", fixture.chain.rpcUrl, "--deployment", join(fixture.work, "absent.json"), "job", "list"]), "CONFIG_INVALID", /absent\.json cannot be read/);
    assertOneLine(await veritrain([...chainFlags, "--deployment-block", "12a", "job", "list"]), "CONFIG_INVALID", /config deploymentBlock must be a block number/);
    assertOneLine(await veritrain([...chainFlags, "--deployment-block", "99999999", "job", "list"]), "CONFIG_INVALID", /the deployment block 99999999 is past the chain's head \d+: pass the block/);

    const dataDir = join(fixture.work, "untouched");
    const key = fixture.keyOf(1);
    assertOneLine(await veritrain([...chainFlags, "--data-dir", dataDir, "dataset", "add", join(fixture.work, "missing.bin")], { VERITRAIN_PRIVATE_KEY: key }), "INPUT_MISSING", /missing\.bin: no such file to add/);
    const empty = join(fixture.work, "empty.bin");
    writeFileSync(empty, "");
    assertOneLine(await veritrain([...chainFlags, "--data-dir", dataDir, "dataset", "add", empty, "--record-size", "4"], { VERITRAIN_PRIVATE_KEY: key }), "INPUT_EMPTY", /holds 0 bytes/);
    assert.equal(existsSync(dataDir), false, "a failed command creates no data directory");
  });

  it("says in one line, within seconds, that nobody listens on the RPC URL", async () => {
    // A port that just refused: bound, then closed (port 9 and other fetch-blocked ports fail before any connection).
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    // Measured against the CLI's own start-up run at the same moment, so that both see the same load (a CI run beside
    // devnet-class files slowed a refusal to 12.6 s while a --version run just before it took 1.5 s): beyond it, the
    // refusal may take 5 s, or two more start-ups' time where that is longer. A command that retried with the roles'
    // backoff (1 s, 2 s, 4 s, … up to 30 s) would never answer; one retrying a few times would miss the 5 s on an
    // idle machine, where start-up takes one to two seconds.
    const [startup, run] = await Promise.all([veritrain(["--version"]), veritrain(["--rpc-url", `http://127.0.0.1:${port}`, "--deployment", deployment, "job", "list"])]);
    assertOneLine(run, "RPC_UNREACHABLE", new RegExp(`no chain answers at http://127\\.0\\.0\\.1:${port}`));
    assert.ok(run.ms - startup.ms < Math.max(5_000, 2 * startup.ms), `answered ${Math.round(run.ms - startup.ms)} ms after start-up (${Math.round(startup.ms)} ms)`);
  });

  it("dataset add with ether but no tokens sends nothing and leaves no data directory", async () => {
    const key = generatePrivateKey();
    const { address } = privateKeyToAccount(key);
    const deployer = await fixture.connect(0);
    await deployer.publicClient.request({ method: "hardhat_setBalance" as never, params: [address, toHex(parseEther("10"))] as never });
    const records = join(fixture.work, "records.bin");
    writeFileSync(records, new Uint8Array(4096).fill(7));
    const dataDir = join(fixture.work, "poor");
    const run = await veritrain([...chainFlags, "--data-dir", dataDir, "dataset", "add", records, "--record-size", "64", "--allow-development-keys"], { VERITRAIN_PRIVATE_KEY: key });
    assertOneLine(run, "INSUFFICIENT_TOKENS", new RegExp(`account ${address} holds 0 VTT; registering needs 100 VTT \\(storage payment\\): get tokens first, e.g. .npm run veritrain -- devnet fund ${address}.`));
    assert.equal(await deployer.publicClient.getTransactionCount({ address }), 0, "no transaction sent");
    assert.equal(existsSync(dataDir), false);
  });

  it("devnet fund gives an account ether and tokens, in VTT, and in wei with --json; account shows them", async () => {
    const key = generatePrivateKey();
    const { address } = privateKeyToAccount(key);
    // Sent by the devnet's deployer whatever the key: a new user exports theirs first (README).
    assert.match(await stdoutOf([...chainFlags, "devnet", "fund", address, "--tokens", "12.5", "--ether", "3"], { VERITRAIN_PRIVATE_KEY: key }), new RegExp(`${address} received 12.5 VTT \\(balance 12.5 VTT\\) and holds 3 ETH`));
    assert.deepEqual(JSON.parse(await stdoutOf([...chainFlags, "--json", "devnet", "fund", address, "--tokens", "1"], { VERITRAIN_PRIVATE_KEY: undefined })), { account: address, sent: parseEther("1").toString(), balance: parseEther("13.5").toString(), ether: parseEther("100").toString() });
    assert.deepEqual(JSON.parse(await stdoutOf([...chainFlags, "--json", "account"], { VERITRAIN_PRIVATE_KEY: key })), { address, ether: parseEther("100").toString(), balance: parseEther("13.5").toString(), stake: { available: "0", locked: "0", unbonding: "0", unbondingReadyAt: "0" } });
    assert.match(await stdoutOf([...chainFlags, "account"], { VERITRAIN_PRIVATE_KEY: key }), /tokens +13\.5 VTT/);
    const client = (await fixture.connect(0)).publicClient;
    assert.equal(await client.getBalance({ address }), parseEther("100"));
    assertOneLine(await veritrain([...chainFlags, "devnet", "fund", "0x1234"]), "CLI_ARGUMENT_INVALID", /address must be a 0x-prefixed 20-byte address/);
  });

  it("lists datasets and jobs, shows a job in VTT with its status by name, and rebuilds and evaluates its trained model", async () => {
    assert.match(await stdoutOf([...chainFlags, "job", "list"]), /no job posted yet/);
    const [ownerStore, providerA, providerB, consumerStore] = await Promise.all(["owner", "a", "b", "consumer"].map((name) => fixture.newStore(name)));
    const { datasetId } = await registerMnistDataset({ fixture, owner: 2, ownerStore: ownerStore!, providers: [{ index: 3, store: providerA! }, { index: 4, store: providerB! }], images: 100, pinHolders: false });
    const { spec, specDigest, modelBytes } = await storeMnistJob({ store: consumerStore!, images: 100, trainImages: 50, testImages: 20, epochs: 1 });
    const consumer = await fixture.connect(5);
    // Block time follows the wall clock: the bidding period outlasts the five CLI runs before the bid on a loaded
    // machine (a CI run's 60 s did not).
    const order = { datasetId, specDigest, reward: parseEther("10"), minStake: parseEther("5"), biddingPeriod: 600, executionPeriod: 600, challengeWindow: 600, program: zeroHash };
    const jobId = await postJob(consumer, order);

    const datasets = await stdoutOf([...chainFlags, "dataset", "list"]);
    assert.match(datasets, new RegExp(`dataset +${datasetId} +Active .* 30 VTT`));
    const status = await stdoutOf([...chainFlags, "job", "status", String(jobId)]);
    assert.match(status, new RegExp(`job +${jobId} \\(Bidding\\)`));
    assert.match(status, /reward +10 VTT/);
    assert.match(status, /min stake +5 VTT/);
    const statusJson = JSON.parse(await stdoutOf([...chainFlags, "--json", "job", "status", String(jobId)])) as Record<string, unknown>;
    assert.equal(statusJson.status, "Bidding");
    assert.equal(statusJson.reward, parseEther("10").toString());
    assertOneLine(await veritrain([...chainFlags, "job", "result", String(jobId), "--out", join(fixture.work, "none.onnx")]), "JOB_NO_RESULT", /is Bidding: no result was submitted yet/);

    // A provider wins, trains the job and submits its result, served from its node with the spec and model.
    const provider = await fixture.connect(6);
    await fixture.stake(6, parseEther("5"));
    await provider.send(() => provider.contracts.JobRegistry.write.bid([jobId, parseEther("8")]));
    await fixture.advance(601);
    await provider.send(() => provider.contracts.JobRegistry.write.settleAuction([jobId]));
    const providerStore = await fixture.newStore("provider");
    await storeMnistJob({ store: providerStore, images: 100, trainImages: 50, testImages: 20, epochs: 1 });
    const prepared = prepareJob({ spec, modelBytes, sources: loadMnist() });
    const run = await runTraining({ job: prepared, directory: join(fixture.work, "provider-run"), threads: 1 });
    const published = await publishResult({ store: providerStore, job: prepared, specDigest, checkpointCount: run.count, readCheckpoint: run.readCheckpoint });
    await provider.send(() => provider.contracts.JobRegistry.write.submitResult([jobId, published.resultDigest, published.traceRoot, 1234]));

    const jobs = await stdoutOf([...chainFlags, "job", "list"]);
    assert.match(jobs, new RegExp(`job +${jobId} +Submitted +dataset ${datasetId} .* 10 VTT +12\\.34 %`));
    const out = join(fixture.work, "model.onnx");
    const result = await veritrain([...chainFlags, "--data-dir", join(fixture.work, "reader"), "job", "result", String(jobId), "--out", out, "--evaluate", "--peer", providerStore.multiaddrs()[0]!.toString()]);
    assert.equal(result.code, 0, result.stderr);
    // The trained weights are the last checkpoint's parameters: the written file is the job's model carrying them.
    assert.deepEqual(importOnnxModel(readFileSync(out)).params, run.finalState.params);
    assert.match(result.stdout, new RegExp(`the job's model with checkpoint ${run.count - 1}'s parameters \\(the last of the trace root on-chain\\)`));
    assert.match(result.stdout, /claimed accuracy 12\.34 % on the job's test images/);
    const measured = /measured accuracy ([0-9.]+) % on MNIST's 10,000 test images/.exec(result.stdout);
    assert.ok(measured, result.stdout);
    assert.equal(Number(measured[1]), Number(((await mnistTestAccuracy(readFileSync(out))).accuracy * 100).toFixed(2)));
  });
});
