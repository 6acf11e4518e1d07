import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { after, before, describe, it, type TestContext } from "node:test";
import { pino } from "pino";
import { createWalletClient, http, keccak256, maxUint256, parseAbi, parseEther, toHex, zeroHash, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { runChallengerRole } from "../../../keepers/src/challenger/challengerRole.ts";
import { connectProtocol, type ProtocolConnection } from "../../../keepers/src/chain/protocolContracts.ts";
import { runComputeRole, type ComputeRoleParameters } from "../../../keepers/src/compute/computeRole.ts";
import type { CostModel } from "../../../keepers/src/compute/costModel.ts";
import { testAccuracyBps } from "../../../keepers/src/compute/testAccuracy.ts";
import { createHeliaContentStore, type HeliaContentStore } from "../../../keepers/src/content/heliaContentStore.ts";
import { readDatasetOnChain, registerDataset } from "../../../keepers/src/datasets/datasetOnChain.ts";
import { manifestBlockCid } from "../../../keepers/src/datasets/manifest.ts";
import { mnistRecords } from "../../../keepers/src/datasets/mnistRecords.ts";
import { packageDataset } from "../../../keepers/src/datasets/packageDataset.ts";
import { fundDevAccounts } from "../../../keepers/src/devnet/devAccounts.ts";
import { startDevnet, type Devnet } from "../../../keepers/src/devnet/startDevnet.ts";
import { defaultJobSpec, defaultRoundJobSpec } from "../../../keepers/src/jobs/defaultJobSpec.ts";
import { fetchFinalModel } from "../../../keepers/src/roundJobs/finalModel.ts";
import { postRoundJob } from "../../../keepers/src/roundJobs/roundJobOnChain.ts";
import { UNSERVED_CLAIM } from "../../../keepers/src/roundJobs/roundJudgement.ts";
import { roundValidationScores, type RoundScore } from "../../../keepers/src/roundJobs/roundScores.ts";
import { aggregationProgramHash, specAggregation } from "../../../keepers/src/rounds/aggregationProgram.ts";
import { validateRoundJobSpec } from "../../../keepers/src/rounds/roundJobSpec.ts";
import { decodeGlobalModel } from "../../../keepers/src/rounds/globalModel.ts";
import { getBlob } from "../../../keepers/src/content/chunkedBlob.ts";
import { importOnnxModel } from "../../../keepers/src/training/onnxImport.ts";
import { RoundJobStatus } from "../../../keepers/src/roundJobs/roundJobStatus.ts";
import { DisputeStatus, JobStatus, postJob, RESULT_DISPUTE, type JobOrder } from "../../../keepers/src/jobs/jobOnChain.ts";
import { fetchJobSpec, storeJobSpec } from "../../../keepers/src/jobs/jobSpecBlock.ts";
import { loadJob } from "../../../keepers/src/jobs/loadJob.ts";
import { fetchResult } from "../../../keepers/src/jobs/resultManifest.ts";
import { checkpointHash, decodeCheckpoint } from "../../../keepers/src/training/checkpoint.ts";
import { checkpointFilePath, readCheckpointFile } from "../../../keepers/src/training/checkpointFile.ts";
import { ENGINE_VERSION } from "../../../keepers/src/training/jobSpec.ts";
import { loadMnist } from "../../../keepers/src/training/mnist.ts";
import { prepareJob } from "../../../keepers/src/training/preparedJob.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { jobProgram } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { runValidatorRole } from "../../../keepers/src/validator/validatorRole.ts";
import { startVerdictRelay, type VerdictRelay } from "../../../keepers/src/validator/verdictRelay.ts";
import { verdictTypedData } from "../../../keepers/src/validator/verdictTypedData.ts";
import { holdDevnetSlot } from "../../harness/devnetSlot.ts";
import { recordingLogger } from "../../harness/recordingLogger.ts";

// Half the devnet slot: beside the other in-process devnet file at most (test/harness/devnetSlot.ts).
await holdDevnetSlot({ units: 1 });

const PORT = 8599;
const MNEMONIC = "test test test test test test test test test test test junk";
const keyOf = (index: number): Hex => toHex(mnemonicToAccount(MNEMONIC, { addressIndex: index }).getHdKey().privateKey!);
const ACCOUNT = { deployer: 0, consumer: 1, storage: [2, 3, 4], honest: 5, dishonest: 6, challenger: 7, validators: [8, 9, 10, 11, 12, 13, 14, 15, 16], relay: 17, cliConsumer: 19 };
const root = new URL("../../../", import.meta.url).pathname;
const cli = join(root, "keepers/src/cli.ts");
const COST: CostModel = { imagesPerSecond: 1000, pricePerCpuSecond: parseEther("0.001"), marginBps: 2000, baseFee: parseEther("0.1") };
// The devnet job: LeNet-5 (seed 3) on 400 images, 2 epochs of 20 batches of 20, a checkpoint every 5 steps (9 in all).
const JOB_FLAGS = { trainImages: 400, testImages: 200, epochs: 2, seed: 3 };
/** The dishonest keeper's run: every step right, checkpoint 3 posted wrong (400 images in batches of 20, a checkpoint every 5 steps: step 15). */
const DISHONESTY = { level: "checkpoint", at: 3 } as const;
/** A round's block not served within this counts as withheld (the roles' default is 30 s; loopback peers answer in ~1 s, more beside a devnet). */
const ROUND_FETCH_TIMEOUT_MS = 20_000;

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, { timeoutMs = 120_000, pollMs = 200 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await sleep(pollMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

type Role = { controller: AbortController; done: Promise<void> };

/**
 * Waits (up to 5 min) for keeper `name` of `lines` to log `msg` with `fields`; a timeout shows the keeper's last lines,
 * so a failure says what it did instead.
 */
const loggedBy = (lines: ReadonlyMap<string, Record<string, unknown>[]>) => (name: string, msg: string, fields: Record<string, unknown> = {}) =>
  until(`${name}: ${msg}`, () => lines.get(name)!.find((l) => l.msg === msg && Object.entries(fields).every(([k, v]) => l[k] === v)), { timeoutMs: 300_000 }).catch((error: Error) => {
    throw new Error(`${error.message}; its last lines:\n${lines.get(name)!.slice(-12).map((line) => JSON.stringify(line)).join("\n")}`);
  });

describe("job keepers on a devnet: post, bid, train, result, challenge, verdict, finalize", { timeout: 900_000 }, () => {
  let devnet: Devnet;
  let work: string;
  const chains: Record<number, ProtocolConnection> = {};
  const stores: HeliaContentStore[] = [];
  const roles: Role[] = [];
  const children: ChildProcess[] = [];
  let consumerStore: HeliaContentStore;
  let computeStores: { honest: HeliaContentStore; dishonest: HeliaContentStore };
  let checkerStores: HeliaContentStore[];
  let relay: VerdictRelay;
  let datasetId: bigint;
  let order: Omit<JobOrder, "specDigest">;
  let specDigest: Hex;
  let referenceHashes: Hex[];
  let referenceMetric: number;
  /** The training-VM program of the job `order` posts (its spec's). */
  let program: Hex;
  /** The step checkpoint 3 is at: the end of the dishonest keeper's first wrong segment. */
  let segmentEnd: number;
  let dishonestRole: Role;
  let honestRole: Role;
  let challengerRole: Role;
  let startChallenger: () => Role;
  /** Answers a VRF request, as the automation keeper does on the full devnet. */
  let fulfil: (requestId: bigint, consumer: Hex) => Promise<unknown>;
  const challenger = recordingLogger();
  const computeLog = recordingLogger();
  /** What the nine validators said, each line with its `validator` index: shown when a committee's verdict does not come. */
  const validators = recordingLogger();
  const silent = pino({ level: "silent" });
  const deploymentFile = () => devnet.deploymentFile;
  const cliArgs = (dataDir: string) => ["--rpc-url", devnet.rpcUrl, "--deployment", deploymentFile(), "--data-dir", dataDir, "--json"];
  const runCli = (key: number, args: string[]) =>
    promisify(execFile)(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, VERITRAIN_PRIVATE_KEY: keyOf(key), LOG_LEVEL: "warn" } }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );
  /** Spawns the CLI as a long-running keeper of account `key`, collecting its log lines (stderr). */
  const spawnCli = (key: number, args: string[]) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, VERITRAIN_PRIVATE_KEY: keyOf(key) }, stdio: ["ignore", "ignore", "pipe"] });
    const lines: Record<string, unknown>[] = [];
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      const complete = (stderr += chunk.toString()).split("\n").slice(lines.length, -1);
      for (const line of complete) lines.push(line.startsWith("{") ? JSON.parse(line) : { msg: line });
    });
    children.push(child);
    /** Waits for the keeper to log `msg`; a timeout shows what it logged. */
    const logged = (msg: string) => until(msg, () => lines.find((l) => l.msg === msg)).catch((error: Error) => {
      throw new Error(`${error.message}; the keeper wrote:\n${stderr.slice(-4000)}`);
    });
    return { child, lines, logged, exited: new Promise((resolve) => child.once("exit", resolve)) };
  };
  const start = (run: (signal: AbortSignal) => Promise<void>): Role => {
    const controller = new AbortController();
    const role = { controller, done: run(controller.signal) };
    roles.push(role);
    return role;
  };
  const newStore = async (name: string) => {
    const store = await createHeliaContentStore({ directory: join(work, name, "ipfs"), listen: true });
    stores.push(store);
    return store;
  };
  /** A distributed job's provider of account `index`: funded and staked with 500 tokens, its store `name` dialled to `peers`. */
  const roundProvider = async (index: number, name: string, peers: readonly HeliaContentStore[]) => {
    const deployer = chains[ACCOUNT.deployer]!;
    const chain = await connectProtocol({ rpcUrl: devnet.rpcUrl, privateKey: keyOf(index), addresses: devnet.addresses });
    await fundDevAccounts({ deployer, accounts: [chain.account.address], tokens: parseEther("500") });
    await chain.send(() => chain.contracts.VeritrainToken.write.approve([deployer.contracts.StakeManager.address, parseEther("500")]));
    await chain.send(() => chain.contracts.StakeManager.write.stake([parseEther("500")]));
    const store = await newStore(name);
    for (const peer of peers) await store.dial(peer.multiaddrs()[0]!);
    return { chain, store };
  };
  const stop = async (role: Role) => {
    role.controller.abort();
    await role.done;
  };
  const advance = async (seconds: number) => {
    await chains[ACCOUNT.deployer]!.publicClient.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
    await chains[ACCOUNT.deployer]!.publicClient.request({ method: "evm_mine" as never });
  };
  /**
   * Waits for availability dispute `disputeId` of slot `slot`'s round-0 update of job `jobId` (no claimed hash, no committee
   * requested) and for keeper `name`'s word that it holds nothing to publish; then passes its deadline and expires it.
   */
  const expireUnanswered = async ({ disputeId, name, jobId, slot, logged }: { disputeId: bigint; name: string; jobId: bigint; slot: number; logged: (name: string, msg: string, fields: Record<string, unknown>) => Promise<unknown> }) => {
    const { Disputes, ValidatorCommittee } = chains[ACCOUNT.deployer]!.contracts;
    await until(`dispute ${disputeId}`, async () => (await Disputes.read.disputeCount()) >= disputeId, { timeoutMs: 300_000 });
    assert.equal((await Disputes.read.getDispute([disputeId])).claimedHash, zeroHash, "disputed as unavailable");
    assert.deepEqual(await ValidatorCommittee.getEvents.CommitteeRequested({ disputeId }, { fromBlock: 0n }), [], "no committee is requested");
    await logged(name, "dispute unanswered: this keeper does not hold the update it committed", { disputeId: disputeId.toString(), jobId: jobId.toString(), slot });
    await advance(Number(await Disputes.read.verdictPeriod()));
    await chains[ACCOUNT.deployer]!.send(() => Disputes.write.expire([disputeId]));
    const dispute = await Disputes.read.getDispute([disputeId]);
    assert.equal(dispute.status, DisputeStatus.ProviderWrong);
    return dispute;
  };
  const balance = (account: number) => chains[ACCOUNT.deployer]!.contracts.VeritrainToken.read.balanceOf([chains[account]!.account.address]);
  const job = (jobId: bigint) => chains[ACCOUNT.deployer]!.contracts.JobRegistry.read.getJob([jobId]);
  const post = (consumer = ACCOUNT.consumer) => postJob(chains[consumer]!, { ...order, specDigest });
  const postVerdict = (body: unknown) =>
    fetch(`${relay.url}/verdicts`, { method: "POST", body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  /** Waits for the verdict on `disputeId` and checks its outcome: provider wrong, job failed, consumer refunded, the dishonest account's job stake slashed. */
  const assertDishonestSlashed = async ({ disputeId, jobId, consumerBefore, stakeBefore, timeoutMs }: { disputeId: bigint; jobId: bigint; consumerBefore: bigint; stakeBefore: { locked: bigint; available: bigint }; timeoutMs?: number }) => {
    const { Disputes, StakeManager } = chains[ACCOUNT.deployer]!.contracts;
    const decided = (status: number) => status !== DisputeStatus.Open && status !== DisputeStatus.InGame;
    await until("the verdict", async () => decided((await Disputes.read.getDispute([disputeId])).status), { timeoutMs });
    assert.equal((await Disputes.read.getDispute([disputeId])).status, DisputeStatus.ProviderWrong);
    assert.equal((await job(jobId)).status, JobStatus.Failed);
    assert.equal(await balance(ACCOUNT.consumer), consumerBefore, "the whole reward is back");
    const stakeAfter = await StakeManager.read.stakeOf([chains[ACCOUNT.dishonest]!.account.address]);
    assert.equal(stakeBefore.locked + stakeBefore.available - (stakeAfter.locked + stakeAfter.available), order.minStake, "the job's stake is slashed");
  };
  const settleWhenBid = async (jobId: bigint, bidder: number) => {
    await until(`a bid on job ${jobId}`, async () => (await job(jobId)).provider === chains[bidder]!.account.address);
    await advance(Number(order.biddingPeriod) + 1);
    await chains[ACCOUNT.deployer]!.send(() => chains[ACCOUNT.deployer]!.contracts.JobRegistry.write.settleAuction([jobId]));
  };

  /** Settles distributed job `jobId`'s auction and answers its seed request, as the automation keeper does: round 0 starts. */
  const settleRoundJob = async (jobId: bigint) => {
    const deployer = chains[ACCOUNT.deployer]!;
    const registry = deployer.contracts.RoundJobRegistry;
    await deployer.send(() => registry.write.settleAuction([jobId]));
    const [requested] = await registry.getEvents.SeedRequested({ jobId }, { fromBlock: 0n });
    await fulfil(requested!.args.requestId!, registry.address);
  };

  before(async () => {
    devnet = await startDevnet({ port: PORT, log: silent });
    work = mkdtempSync(join(tmpdir(), "veritrain-jobs-"));
    for (let index = 0; index <= 19; index++) {
      chains[index] = await connectProtocol({ rpcUrl: devnet.rpcUrl, privateKey: keyOf(index), addresses: devnet.addresses });
    }
    const deployer = chains[ACCOUNT.deployer]!;
    const { VeritrainToken, DatasetRegistry, ValidatorCommittee, StakeManager } = deployer.contracts;
    for (let index = 1; index <= 19; index++) {
      await deployer.send(() => VeritrainToken.write.transfer([chains[index]!.account.address, parseEther("2000")]));
    }
    const stake = async (index: number, amount: bigint) => {
      const chain = chains[index]!;
      await chain.send(() => chain.contracts.VeritrainToken.write.approve([StakeManager.address, amount]));
      await chain.send(() => chain.contracts.StakeManager.write.stake([amount]));
    };

    // A dataset: MNIST's first 500 training and 500 test images, k = 2 of n = 3, placed by VRF.
    consumerStore = await newStore("consumer");
    const input = mnistRecords(loadMnist(), { limit: 500 });
    const packaged = await packageDataset({ name: "mnist-500", ...input, k: 2, n: 3, shardSize: 64 << 10, columnTreeDepth: 10, store: consumerStore });
    const holders: { chain: ProtocolConnection; store: HeliaContentStore }[] = [];
    for (const index of ACCOUNT.storage) {
      const store = await createHeliaContentStore({ directory: join(work, `storage-${index}`, "ipfs"), listen: true, peers: consumerStore.multiaddrs() });
      stores.push(store);
      await stake(index, await DatasetRegistry.read.providerStake());
      await chains[index]!.send(() => chains[index]!.contracts.DatasetRegistry.write.join([store.multiaddrs()[0]!.toString()]));
      holders.push({ chain: chains[index]!, store });
    }
    datasetId = await registerDataset({ chain: chains[ACCOUNT.consumer]!, packaged, payment: parseEther("30"), term: 30 * 86_400, verifierVersion: 1n });
    const vrf = createWalletClient({ account: mnemonicToAccount(MNEMONIC), transport: http(devnet.rpcUrl) });
    fulfil = async (requestId: bigint, consumer: Hex) =>
      deployer.publicClient.waitForTransactionReceipt({
        hash: await vrf.writeContract({
          chain: null,
          address: devnet.addresses.VRFCoordinatorV2_5Mock,
          abi: parseAbi(["function fulfillRandomWords(uint256 requestId, address consumer)"]),
          functionName: "fulfillRandomWords",
          args: [requestId, consumer],
        }),
      });
    const [placement] = await DatasetRegistry.getEvents.PlacementRequested({}, { fromBlock: 0n });
    await fulfil(placement!.args.requestId!, DatasetRegistry.address);
    await chains[ACCOUNT.consumer]!.send(() => chains[ACCOUNT.consumer]!.contracts.DatasetRegistry.write.applyPlacement([datasetId, 3n]));
    // Each holder pins its column and keeps the manifest (what the storage role does before accepting it).
    const onChain = await readDatasetOnChain(deployer, datasetId);
    for (const [column, holder] of onChain.holders.entries()) {
      const held = holders.find((h) => h.chain.account.address === holder)!;
      await held.store.pin(manifestBlockCid(packaged.manifestCid), { signal: AbortSignal.timeout(30_000) });
      for (const stripe of packaged.manifest.shards) await held.store.pin(stripe[column]!, { signal: AbortSignal.timeout(30_000) });
    }

    // The job spec and model, served by the consumer.
    const { spec, modelBytes } = defaultJobSpec({ sizes: { train: 500, test: 500 }, ...JOB_FLAGS });
    await consumerStore.put(modelBytes);
    specDigest = (await storeJobSpec({ store: consumerStore, spec })).specDigest;
    order = { datasetId, reward: parseEther("10"), minStake: parseEther("100"), biddingPeriod: 30, executionPeriod: 3600, challengeWindow: 60, program: zeroHash };
    const local = prepareJob({ spec, modelBytes, sources: loadMnist() });
    const reference = await trainJob({ job: local, threads: 1 });
    referenceHashes = reference.hashes;
    referenceMetric = await testAccuracyBps({ job: local, params: reference.finalState.params, threads: 1 });
    program = jobProgram(local).hash;
    segmentEnd = local.checkpointSteps[3]!;

    // Keepers: compute providers, a challenger (full re-execution), nine validators and the relay.
    computeStores = { honest: await newStore("honest"), dishonest: await newStore("dishonest") };
    for (const index of [ACCOUNT.honest, ACCOUNT.dishonest]) await stake(index, parseEther("500"));
    const challengerStore = await newStore("challenger");
    const validatorStore = await newStore("validators");
    checkerStores = [challengerStore, validatorStore];
    for (const store of [computeStores.honest, computeStores.dishonest, challengerStore, validatorStore]) {
      for (const peer of [consumerStore, ...Object.values(computeStores)]) if (peer !== store) await store.dial(peer.multiaddrs()[0]!);
    }
    const { validatorStake } = await ValidatorCommittee.read.config();
    for (const index of ACCOUNT.validators) {
      await stake(index, validatorStake);
      await chains[index]!.send(() => chains[index]!.contracts.ValidatorCommittee.write.join());
    }
    relay = await startVerdictRelay({ chain: chains[ACCOUNT.relay]!, port: 0, log: silent });
    const threads = 1;
    startChallenger = () =>
      start((signal) => runChallengerRole({ chain: chains[ACCOUNT.challenger]!, store: challengerStore, dataDir: join(work, "challenger"), segments: "all", threads, log: challenger.log, signal, pollMs: 200, fetchTimeoutMs: ROUND_FETCH_TIMEOUT_MS }));
    challengerRole = startChallenger();
    for (const index of ACCOUNT.validators) {
      start((signal) => runValidatorRole({ chain: chains[index]!, store: validatorStore, dataDir: join(work, `validator-${index}`), relayUrl: relay.url, threads, log: validators.log.child({ validator: index }), signal, pollMs: 200, fetchTimeoutMs: ROUND_FETCH_TIMEOUT_MS }));
    }
    honestRole = start((signal) => runComputeRole({ chain: chains[ACCOUNT.honest]!, store: computeStores.honest, dataDir: join(work, "honest"), costModel: COST, threads, log: computeLog.log, signal, pollMs: 200, fetchTimeoutMs: ROUND_FETCH_TIMEOUT_MS }));
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    for (const role of roles) role.controller.abort();
    await Promise.allSettled(roles.map((role) => role.done));
    await relay?.close();
    await Promise.allSettled(stores.map((store) => store.close()));
    await devnet?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("carries an honest job that commits its training-VM program from post through bid, training and result to finalize; the challenger finds nothing wrong", async () => {
    const consumerBefore = await balance(ACCOUNT.consumer);
    const providerBefore = await balance(ACCOUNT.honest);
    const jobId = await postJob(chains[ACCOUNT.consumer]!, { ...order, specDigest, program });
    // The compute keeper bid after computing the same program from the spec, the model and the fetched training split.
    await settleWhenBid(jobId, ACCOUNT.honest);
    assert.equal((await job(jobId)).program, program);
    const submitted = await until("the result", async () => ((await job(jobId)).status === JobStatus.Submitted ? job(jobId) : undefined));
    // Trained on the dataset fetched from its holders, the trace is the engine's on MNIST itself.
    const result = await fetchResult({ store: consumerStore, jobId, onChain: submitted, job: (await loadJob({ chain: chains[ACCOUNT.consumer]!, store: consumerStore, jobId, log: silent })).prepared, bounded: () => AbortSignal.timeout(30_000) });
    assert.deepEqual(result.hashes, referenceHashes);
    assert.equal(checkpointHash({ bytes: await result.checkpoint(8), engineVersion: ENGINE_VERSION }), referenceHashes[8]);
    assert.equal(submitted.metric, referenceMetric);
    await until("the challenger's check", () => challenger.lines.some((l) => l.jobId === jobId.toString() && l.msg === "result verified: no wrong checkpoint found"));
    assert.equal(await chains[ACCOUNT.deployer]!.contracts.Disputes.read.disputeCount(), 0n);

    await advance(order.challengeWindow + 1);
    await chains[ACCOUNT.deployer]!.send(() => chains[ACCOUNT.deployer]!.contracts.JobRegistry.write.finalize([jobId]));
    const finalized = await job(jobId);
    assert.equal(finalized.status, JobStatus.Finalized);
    assert.equal(await balance(ACCOUNT.honest), providerBefore + finalized.price);
    assert.equal(await balance(ACCOUNT.consumer), consumerBefore - finalized.price);
    const bid = computeLog.lines.find((l) => l.msg === "bid placed" && l.jobId === jobId.toString())!;
    assert.equal(BigInt(bid.price as string), finalized.price);
  });

  it("does not bid on a job whose reward is below its cost, and says why", async () => {
    // 800 training + 200 test images = 1 CPU-second: 0.0012 tokens with the margin, plus the 0.1 base fee.
    const jobId = await postJob(chains[ACCOUNT.consumer]!, { ...order, specDigest, reward: parseEther("0.1") });
    const skipped = await until("the compute keeper's decision", () => computeLog.lines.find((l) => l.jobId === jobId.toString() && typeof l.msg === "string" && l.msg.startsWith("bid ")));
    assert.deepEqual([skipped.msg, skipped.price, skipped.reward], ["bid skipped: reward below cost", parseEther("0.1012").toString(), parseEther("0.1").toString()]);
    assert.equal((await job(jobId)).price, 0n);
  });

  it("does not bid on a job that commits a training-VM program other than its spec's, and says why", async () => {
    const other = keccak256(toHex("a program of another spec"));
    const jobId = await postJob(chains[ACCOUNT.consumer]!, { ...order, specDigest, program: other });
    const skipped = await until("the compute keeper's decision", () => computeLog.lines.find((l) => l.jobId === jobId.toString() && typeof l.msg === "string" && l.msg.startsWith("bid ")));
    assert.deepEqual([skipped.msg, skipped.program, skipped.computed], ["bid skipped: the job commits a training-VM program, and it is not the program of its spec", other, program]);
    assert.equal((await job(jobId)).price, 0n);
  });

  it("slashes a compute keeper that posts checkpoint 3 wrong: challenged on it, found wrong by a committee whose validators all left after the challenge, consumer refunded", async () => {
    await stop(honestRole);
    const dishonestLog = recordingLogger();
    dishonestRole = start((signal) => runComputeRole({ chain: chains[ACCOUNT.dishonest]!, store: computeStores.dishonest, dataDir: join(work, "dishonest"), costModel: COST, threads: 1, dishonesty: DISHONESTY, log: dishonestLog.log, signal, pollMs: 200 }));
    const { Disputes, ValidatorCommittee, StakeManager } = chains[ACCOUNT.deployer]!.contracts;
    const consumerBefore = await balance(ACCOUNT.consumer);
    const challengerBefore = await balance(ACCOUNT.challenger);
    const stakeBefore = await StakeManager.read.stakeOf([chains[ACCOUNT.dishonest]!.account.address]);
    const jobId = await post();
    await settleWhenBid(jobId, ACCOUNT.dishonest);

    const disputeId = await until("a challenge", async () => ((await Disputes.read.disputeCount()) === 1n ? 1n : undefined));
    const dispute = await Disputes.read.getDispute([disputeId]);
    assert.equal(dispute.jobId, jobId);
    assert.equal(dispute.checkpointIndex, 3n);
    assert.equal(dispute.claimedHash, referenceHashes[3]);
    const outsider = chains[ACCOUNT.consumer]!;
    const signature = await outsider.account.signTypedData(verdictTypedData({ chainId: devnet.chainId, disputes: Disputes.address, disputeId, providerWrong: true }));
    const postOutsider = () => postVerdict({ disputeId: disputeId.toString(), providerWrong: true, signature });
    assert.deepEqual(await postOutsider(), { status: 409, body: { error: "dispute 1's committee is not drawn yet", code: "COMMITTEE_NOT_DRAWN" } });
    // Every validator leaves between the challenge and the draw (one through the CLI): the committee is
    // still drawn from the set at the challenge, and the validator keepers still serve it.
    const [cliValidator, ...others] = ACCOUNT.validators;
    const dataDir = join(work, "cli-validator");
    const exited = await runCli(cliValidator!, [...cliArgs(dataDir), "validator", "exit"]);
    assert.equal(exited.code, 0, exited.stderr);
    const { releasableAt } = JSON.parse(exited.stdout) as { releasableAt: number };
    const exitDelay = await ValidatorCommittee.read.exitDelay();
    assert.equal(releasableAt, (await ValidatorCommittee.read.validatorOf([chains[cliValidator!]!.account.address])).leftAt + exitDelay);
    for (const index of others) await chains[index]!.send(() => chains[index]!.contracts.ValidatorCommittee.write.exit());
    const [requested] = await ValidatorCommittee.getEvents.CommitteeRequested({ disputeId }, { fromBlock: 0n });
    await fulfil(requested!.args.requestId!, ValidatorCommittee.address);
    // Members need seconds to fetch and re-execute; a non-member's signature is refused at once.
    const refused = await postOutsider();
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, "NOT_COMMITTEE_MEMBER");

    await assertDishonestSlashed({ disputeId, jobId, consumerBefore, stakeBefore });
    // The challenger paid the bond and got it back with half the slashed stake (slashBeneficiaryShareBps 5000).
    assert.equal(await balance(ACCOUNT.challenger), challengerBefore + order.minStake / 2n);
    const early = await runCli(cliValidator!, [...cliArgs(dataDir), "validator", "release"]);
    assert.equal(early.code, 1);
    assert.match(early.stderr, /^error \[VALIDATOR_EXIT_DELAY_NOT_OVER\]: .* is releasable at \d+/);
    await advance(exitDelay);
    const released = await runCli(ACCOUNT.cliConsumer, [...cliArgs(dataDir), "validator", "release", chains[cliValidator!]!.account.address]);
    assert.equal(released.code, 0, released.stderr);
    const { validatorStake } = await ValidatorCommittee.read.config();
    assert.equal(JSON.parse(released.stdout).stake.locked, "0", "anyone may release: the stake unlocks for the validator");
    assert.equal(JSON.parse(released.stdout).stake.available, validatorStake.toString());
    // The others are released and everyone rejoins, for the scenarios after this one.
    for (const index of others) await chains[index]!.send(() => chains[index]!.contracts.ValidatorCommittee.write.release([chains[index]!.account.address]));
    for (const index of ACCOUNT.validators) await chains[index]!.send(() => chains[index]!.contracts.ValidatorCommittee.write.join());
    assert.equal((await ValidatorCommittee.read.validators()).length, 9);
  });

  it("disputes a keeper's wrong checkpoint by a game when the job commits its program: both keepers play it to the segment's last instruction, which the chain executes; no committee drawn; slashed, refunded", async () => {
    const { Disputes, ValidatorCommittee, StakeManager, BisectionGame, VeritrainToken } = chains[ACCOUNT.deployer]!.contracts;
    // Each side's bonds grow with the game's depth: a LeNet-5 game takes thousands of tokens from each (the winner gets them all back).
    for (const side of [ACCOUNT.dishonest, ACCOUNT.challenger]) await chains[ACCOUNT.deployer]!.send(() => VeritrainToken.write.transfer([chains[side]!.account.address, parseEther("30000")]));
    const consumerBefore = await balance(ACCOUNT.consumer);
    const stakeBefore = await StakeManager.read.stakeOf([chains[ACCOUNT.dishonest]!.account.address]);
    const disputesBefore = await Disputes.read.disputeCount();
    const jobId = await postJob(chains[ACCOUNT.consumer]!, { ...order, specDigest, program });
    await settleWhenBid(jobId, ACCOUNT.dishonest);

    const disputeId = await until("a challenge", async () => ((await Disputes.read.disputeCount()) > disputesBefore ? disputesBefore + 1n : undefined));
    const [started] = await Disputes.getEvents.DisputeGameStarted({ disputeId }, { fromBlock: 0n });
    assert.deepEqual([started!.args.checkpoint, started!.args.forced], [3n, false], "the challenger opened a game on the first wrong checkpoint");
    assert.equal(challenger.lines.find((l) => l.jobId === jobId.toString() && l.msg?.toString().startsWith("result challenged"))?.msg, "result challenged by a game");
    await assertDishonestSlashed({ disputeId, jobId, consumerBefore, stakeBefore, timeoutMs: 600_000 });
    const [decided] = await Disputes.getEvents.DisputeDecidedByGame({ disputeId }, { fromBlock: 0n });
    assert.equal(decided!.args.providerWrong, true);
    const game = await BisectionGame.read.getGame([started!.args.gameId!]);
    assert.ok(game.moves > 10, `the keepers played it move by move (${game.moves} moves)`);
    assert.equal(game.step, BigInt(segmentEnd - 1), "every step is right: the keepers agreed on every state but the segment's end, so the game ends at its last step");
    assert.deepEqual(await ValidatorCommittee.getEvents.CommitteeRequested({ disputeId }, { fromBlock: 0n }), [], "no committee was drawn");
    assert.ok(challenger.lines.some((l) => l.msg === "game won" && l.disputeId === disputeId.toString()), "the challenger's keeper says it won");
  });

  it("answers a dispute of a result no peer serves on-chain, no committee drawn: its provider (wrong at checkpoint 3), back with its checkpoints on disk, publishes the trace and the last checkpoint, the bond is its, and `job result` rebuilds the model from the chain alone; the challenger then re-runs the job against the published trace and wins the game at checkpoint 3", async () => {
    await stop(dishonestRole);
    // The challenger is stopped so nobody fetches the result before its provider goes offline.
    await stop(challengerRole);
    const withholdingStore = await newStore("withholding");
    for (const store of [...checkerStores, consumerStore]) await store.dial(withholdingStore.multiaddrs()[0]!);
    const withholdingDir = join(work, "withholding");
    const withholdingLog = recordingLogger();
    const startWithholding = (store: HeliaContentStore) => start((signal) => runComputeRole({ chain: chains[ACCOUNT.dishonest]!, store, dataDir: withholdingDir, costModel: COST, threads: 1, dishonesty: DISHONESTY, log: withholdingLog.log, signal, pollMs: 200 }));
    let withholding = startWithholding(withholdingStore);
    const { Disputes, ValidatorCommittee, StakeManager } = chains[ACCOUNT.deployer]!.contracts;
    const disputesBefore = await Disputes.read.disputeCount();
    const consumerBefore = await balance(ACCOUNT.consumer);
    const stakeBefore = await StakeManager.read.stakeOf([chains[ACCOUNT.dishonest]!.account.address]);
    // Another seed: results are content-addressed, so the same spec's result (trained by the
    // honest keeper, fetched by the checkers) would still be served by others.
    const { spec, modelBytes } = defaultJobSpec({ sizes: { train: 500, test: 500 }, ...JOB_FLAGS, seed: 4 });
    await consumerStore.put(modelBytes);
    const { specDigest: otherSpec } = await storeJobSpec({ store: consumerStore, spec });
    // A window that leaves the challenger time to re-run the job after the publication.
    const jobId = await postJob(chains[ACCOUNT.consumer]!, { ...order, challengeWindow: 600, specDigest: otherSpec, program: jobProgram(prepareJob({ spec, modelBytes, sources: loadMnist() })).hash });
    await settleWhenBid(jobId, ACCOUNT.dishonest);
    await until("the result", async () => (await job(jobId)).status === JobStatus.Submitted);
    await stop(withholding);
    await withholdingStore.close();

    challengerRole = startChallenger();
    const disputeId = await until("a challenge", async () => ((await Disputes.read.disputeCount()) > disputesBefore ? disputesBefore + 1n : undefined));
    assert.ok(challenger.lines.some((l) => l.jobId === jobId.toString() && l.msg === "result unavailable"));
    const dispute = await Disputes.read.getDispute([disputeId]);
    assert.deepEqual([dispute.jobId, dispute.checkpointIndex, dispute.claimedHash], [jobId, RESULT_DISPUTE, zeroHash], "the result as published, no checkpoint named");
    assert.ok(challenger.lines.some((l) => l.jobId === jobId.toString() && l.msg === "result challenged as published"));
    assert.deepEqual(await ValidatorCommittee.getEvents.CommitteeRequested({ disputeId }, { fromBlock: 0n }), [], "no committee is requested");

    // The provider comes back on a new node that serves nothing: it answers from its checkpoints on disk.
    const returnedStore = await newStore("withholding-returned");
    await returnedStore.dial(consumerStore.multiaddrs()[0]!);
    withholding = startWithholding(returnedStore);
    await until("the publication", async () => (await Disputes.read.getDispute([disputeId])).status === DisputeStatus.ChallengerWrong, { timeoutMs: 300_000 });
    const [publishedEvent] = await Disputes.getEvents.ResultPublished({ disputeId }, { fromBlock: 0n });
    assert.deepEqual([publishedEvent!.args.jobId, publishedEvent!.args.bondRecipient], [jobId, chains[ACCOUNT.dishonest]!.account.address], "the provider gets its share of the lost bond");
    assert.ok(withholdingLog.lines.some((l) => l.msg === "result published on-chain" && l.disputeId === disputeId.toString()));

    const lastCheckpoint = readCheckpointFile(checkpointFilePath(join(withholdingDir, "compute", `job-${jobId}`), Number((await Disputes.read.getPublication([disputeId])).checkpoints) - 1));
    const out = join(work, `published-${jobId}.onnx`);
    const rebuilt = await runCli(ACCOUNT.cliConsumer, [...cliArgs(join(work, "cli-result")), "job", "result", String(jobId), "--out", out, "--peer", consumerStore.multiaddrs()[0]!.toString()]);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.deepEqual([JSON.parse(rebuilt.stdout).publishedIn, JSON.parse(rebuilt.stdout).manifest], [disputeId.toString(), null]);
    assert.deepEqual(importOnnxModel(readFileSync(out)).params, decodeCheckpoint(lastCheckpoint).state.params, "the last checkpoint's parameters, read from the chain");
    assert.equal(await Disputes.read.publishedIn([jobId]), disputeId, "published for good: never disputed as published again");

    // The window resumed; the challenger re-runs the job from checkpoint 0 and compares with the published trace.
    const gameDispute = disputeId + 1n;
    await assertDishonestSlashed({ disputeId: gameDispute, jobId, consumerBefore, stakeBefore, timeoutMs: 600_000 });
    const [started] = await Disputes.getEvents.DisputeGameStarted({ disputeId: gameDispute }, { fromBlock: 0n });
    assert.deepEqual([started!.args.checkpoint, started!.args.forced], [3n, false], "a game on the first wrong checkpoint of the published trace");
    assert.ok(challenger.lines.some((l) => l.jobId === jobId.toString() && l.msg === "wrong checkpoint found" && l.index === 3));
    await stop(withholding);
  });

  it("runs a CLI validator that joins with --join, leaves with `validator exit` and keeps running while leaving", async () => {
    const index = 20;
    const deployer = chains[ACCOUNT.deployer]!;
    const { ValidatorCommittee, VeritrainToken } = deployer.contracts;
    const account = mnemonicToAccount(MNEMONIC, { addressIndex: index }).address;
    await deployer.publicClient.request({ method: "hardhat_setBalance" as never, params: [account, toHex(10n ** 18n)] as never });
    await deployer.send(() => VeritrainToken.write.transfer([account, parseEther("1000")]));
    const dataDir = join(work, "cli-validator-join");
    const validator = () => spawnCli(index, [...cliArgs(dataDir), "validator", "--join", "--port", "0", "--relay", relay.url]);

    const joining = validator();
    await joining.logged("joined the validator committee");
    await joining.logged("validator role running");
    joining.child.kill("SIGTERM");
    await joining.exited;
    const entry = await ValidatorCommittee.read.validatorOf([account]);
    assert.deepEqual([entry.account, entry.leftAt], [account, 0]);

    const exited = await runCli(index, [...cliArgs(dataDir), "validator", "exit"]);
    assert.equal(exited.code, 0, exited.stderr);
    const again = await runCli(index, [...cliArgs(dataDir), "validator", "exit"]);
    assert.match(again.stderr, /^error \[VALIDATOR_LEAVING\]/);
    const leaving = validator();
    const warned = await leaving.logged("leaving: serving the committees drawn before the exit; no new ones (veritrain validator release once releasable)");
    assert.equal(warned.releasableAt, JSON.parse(exited.stdout).releasableAt);
    await leaving.logged("validator role running");
    leaving.child.kill("SIGTERM");
    await leaving.exited;
    assert.ok(!leaving.lines.some((l) => l.msg === "joined the validator committee"), "a leaving validator does not rejoin");
  });

  it("carries a 4-slot distributed job to payout through its faults: a provider killed mid-round resumes on restart; one killed for good misses the deadline and is dropped; a withheld update is disputed as unavailable before any aggregate (no committee), a poisoned one after it; each slashed and dropped, the round re-aggregated, the survivor paid", async (t) => {
    const deployer = chains[ACCOUNT.deployer]!;
    const { RoundJobRegistry, Disputes, ValidatorCommittee, StakeManager } = deployer.contracts;
    // Four more providers, cheaper than the others, bidding in slot order.
    const providers: { name: string; baseFee: string; fault?: Pick<ComputeRoleParameters, "poisonSlot" | "withholdSlot"> }[] = [
      { name: "poisoner", baseFee: "0.01", fault: { poisonSlot: 0 } },
      { name: "withholder", baseFee: "0.02", fault: { withholdSlot: 1 } },
      { name: "crasher", baseFee: "0.03" },
      { name: "restarter", baseFee: "0.04" },
    ];
    const minStake = parseEther("100");
    /** Kills (aborts) a provider's role the moment its slot's task of round 0 starts, once. */
    const killAtSlotTask = new Map<string, () => void>();
    const lines = new Map<string, Record<string, unknown>[]>();
    const accounts: ProtocolConnection[] = [];
    const roundStores: HeliaContentStore[] = [];
    const runProvider = (i: number) => {
      const { name, baseFee, fault } = providers[i]!;
      const log = pino({ level: "info" }, {
        write: (line: string) => {
          const entry = JSON.parse(line) as Record<string, unknown>;
          lines.get(name)!.push(entry);
          if (entry.msg === "task started" && String(entry.task).startsWith("slot-")) killAtSlotTask.get(name)?.();
        },
      });
      return start((signal) => runComputeRole({
        chain: accounts[i]!, store: roundStores[i]!, dataDir: join(work, name), costModel: { ...COST, baseFee: parseEther(baseFee) }, threads: 1, ...fault, log, signal, pollMs: 200, fetchTimeoutMs: ROUND_FETCH_TIMEOUT_MS,
      }));
    };
    for (const [i, { name }] of providers.entries()) {
      // Every job keeper reaches every other (the devnet's --peer flags): aggregators fetch each slot's update.
      const { chain, store } = await roundProvider(21 + i, name, [consumerStore, ...checkerStores, ...Object.values(computeStores), ...roundStores]);
      roundStores.push(store);
      accounts.push(chain);
      lines.set(name, []);
    }
    const keepers = providers.map((_, i) => runProvider(i));
    // Stopped when the test ends, pass or fail: left running, they would bid on the next tests' jobs.
    t.after(() => Promise.all(keepers.map(stop)));
    const killed = (name: string, index: number) => new Promise<void>((resolve) => killAtSlotTask.set(name, () => {
      killAtSlotTask.delete(name);
      keepers[index]!.controller.abort();
      resolve();
    }));
    const crasherKilled = killed("crasher", 2);
    const restarterKilled = killed("restarter", 3);
    const logged = loggedBy(lines);

    const { spec, modelBytes } = defaultRoundJobSpec({ sizes: { train: 500, test: 500 }, trainImages: 400, testImages: 200, seed: 3, distributed: { slots: 4, rounds: 2, localSteps: 5, outer: { learningRate: "0.7", momentum: "0.9" } } });
    const roundSpecDigest = (await storeJobSpec({ store: consumerStore, spec })).specDigest;
    const consumerBefore = await balance(ACCOUNT.consumer);
    const challengerBefore = await balance(ACCOUNT.challenger);
    const stakes = await Promise.all(accounts.map((a) => StakeManager.read.stakeOf([a.account.address])));
    const jobId = await postRoundJob(chains[ACCOUNT.consumer]!, {
      datasetId, specDigest: roundSpecDigest, priceLimit: parseEther("1"), minStake, slots: 4, rounds: 2,
      biddingPeriod: 30, roundPeriod: 600, aggregationPeriod: 1800, challengeWindow: 60, continueOnFault: true,
      aggregation: specAggregation(spec, modelBytes).aggregation,
    });
    assert.notEqual(await RoundJobRegistry.read.aggregationOf([jobId]), zeroHash, "FedAvg of dense updates: the referee decides its aggregates");
    const job = () => RoundJobRegistry.read.getRoundJob([jobId]);
    const context = { jobId: jobId.toString() };
    await assert.rejects(fetchFinalModel({ chain: chains[ACCOUNT.consumer]!, store: consumerStore, jobId, bounded: () => AbortSignal.timeout(10_000) }), {
      code: "JOB_NOT_FINALIZED",
      message: new RegExp(`^distributed job ${jobId} is Bidding: its model is final once`),
    });
    for (const { name } of providers) await logged(name, "round bid placed", context);
    await advance(31);
    await settleRoundJob(jobId);
    assert.deepEqual((await RoundJobRegistry.read.slotsOf([jobId])).map((s) => s.provider), accounts.map((a) => a.account.address));

    // Round 0. Both are killed as their slot's task starts; the restarter comes back at once and resumes it.
    await Promise.all([crasherKilled, restarterKilled]);
    await Promise.all([keepers[2]!.done, keepers[3]!.done]);
    keepers[3] = runProvider(3);
    await logged("restarter", "resuming unfinished tasks");
    const resumed = await logged("restarter", "update committed", { ...context, round: 0 });
    assert.equal(resumed.digest, await RoundJobRegistry.read.commitmentOf([jobId, 0, 3]), "the resumed slot committed its update");
    await until("three of four updates", async () => (await job()).committedMask === 0b1011);
    // The crasher stays down past the deadline: closing the round drops it, slashed to the consumer.
    await advance(601);
    await deployer.send(() => RoundJobRegistry.write.closeRound([jobId]));
    const [missed] = await RoundJobRegistry.getEvents.SlotDropped({ jobId }, { fromBlock: 0n });
    assert.deepEqual([missed!.args.slot, missed!.args.reason, missed!.args.slashed], [2n, 0, minStake]);
    keepers[2] = runProvider(2);
    await logged("crasher", "round skipped: this provider holds no slot of the job", { ...context, round: 0 });

    /** Waits for availability dispute `disputeId` of slot `slot`'s round-0 update, which `name` does not answer; expires it at its deadline. */
    const unanswered = (dispute: { disputeId: bigint; name: string; jobId: bigint; slot: number }) => expireUnanswered({ ...dispute, logged });
    /** Waits for dispute number `disputeId`, draws its committee and waits for the verdict; returns the dispute. */
    const judged = async (disputeId: bigint) => {
      await until(`dispute ${disputeId}`, async () => (await Disputes.read.disputeCount()) >= disputeId, { timeoutMs: 300_000 });
      const [requested] = await ValidatorCommittee.getEvents.CommitteeRequested({ disputeId }, { fromBlock: 0n });
      await fulfil(requested!.args.requestId!, ValidatorCommittee.address);
      await until(`dispute ${disputeId}'s verdict`, async () => (await Disputes.read.getDispute([disputeId])).status !== DisputeStatus.Open, { timeoutMs: 300_000 });
      return Disputes.read.getDispute([disputeId]);
    };
    // Nobody can aggregate without the withheld update: the challenger disputes it as unavailable before any aggregate,
    // no committee drawn; its provider holds nothing to publish, and loses at the deadline.
    const disputesBefore = await Disputes.read.disputeCount();
    const withheld = await unanswered({ disputeId: disputesBefore + 1n, name: "withholder", jobId, slot: 1 });
    assert.deepEqual([withheld.jobId, withheld.checkpointIndex, withheld.provider, withheld.status], [jobId, 1n, accounts[1]!.account.address, DisputeStatus.ProviderWrong]);
    assert.equal((await RoundJobRegistry.getEvents.AggregationReopened({ jobId }, { fromBlock: 0n })).length, 1, "aggregation reopened without the withheld slot");
    // The aggregate of slots 0 and 3 is posted; the challenger's re-execution catches the poisoned slot 0.
    const poisoned = await judged(disputesBefore + 2n);
    assert.deepEqual([poisoned.checkpointIndex, poisoned.provider, poisoned.status], [0n, accounts[0]!.account.address, DisputeStatus.ProviderWrong]);
    assert.deepEqual((await RoundJobRegistry.read.slotsOf([jobId])).map((s) => s.active), [false, false, false, true]);

    // Each round: aggregated from the restarter's update alone, verified by the challenger, its window run out, advanced.
    for (let round = 0; round < 2; round++) {
      await until(`round ${round}'s aggregate verified`, async () => {
        const onChain = await job();
        return onChain.status === RoundJobStatus.Aggregated && onChain.round === round
          && challenger.lines.some((l) => l.jobId === jobId.toString() && l.round === round && l.msg === "round verified: updates and aggregate recomputed");
      }, { timeoutMs: 300_000 });
      await advance(61);
      await deployer.send(() => RoundJobRegistry.write.advance([jobId]));
    }
    const finalized = await job();
    assert.equal(finalized.status, RoundJobStatus.Finalized);
    const slots = await RoundJobRegistry.read.slotsOf([jobId]);
    assert.deepEqual(slots.map((s) => s.roundsEarned), [0, 0, 0, 2]);
    const [paid] = await RoundJobRegistry.getEvents.SlotPaid({ jobId }, { fromBlock: 0n });
    assert.deepEqual([paid!.args.slot, paid!.args.amount], [3n, 2n * slots[3]!.price]);
    // Each drop slashed the slot's stake; the beneficiary share (slashBeneficiaryShareBps 5000) went to whoever
    // proved the fault: the challenger twice (its bonds back), the consumer for the missed deadline.
    for (const [i, before] of stakes.slice(0, 3).entries()) {
      const after = await StakeManager.read.stakeOf([accounts[i]!.account.address]);
      assert.equal(before.available + before.locked - after.available - after.locked, minStake, `${providers[i]!.name} slashed its slot's stake`);
    }
    assert.equal(await balance(ACCOUNT.challenger), challengerBefore + minStake);
    assert.equal(await balance(ACCOUNT.consumer), consumerBefore - 2n * slots[3]!.price + minStake / 2n, "the consumer paid the survivor's two rounds");

    // What the consumer's CLI shows of it.
    const cli = (...args: string[]) => runCli(ACCOUNT.consumer, [...cliArgs(join(work, "cli-status")), "job", ...args]);
    const status = await cli("status", "--distributed", jobId.toString());
    assert.equal(status.code, 0, status.stderr);
    const shown = JSON.parse(status.stdout);
    assert.deepEqual([shown.status, shown.round, shown.rounds], ["Finalized", 2, 2]);
    assert.deepEqual(shown.slots.map((s: { active: boolean; roundsEarned: number }) => [s.active, s.roundsEarned]), [[false, 0], [false, 0], [false, 0], [true, 2]]);
    assert.deepEqual(shown.aggregates, [await RoundJobRegistry.read.aggregateOf([jobId, 0]), await RoundJobRegistry.read.aggregateOf([jobId, 1])]);
    const list = await cli("list", "--distributed", "--limit", "1");
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout).jobs.map((j: { jobId: string; status: string }) => [j.jobId, j.status]), [[jobId.toString(), "Finalized"]]);
    // The trained model: the last global model (layout 2: the outer momentum travels with it) in the job's ONNX file.
    const out = join(work, "distributed.onnx");
    // Every peer of the job, as a user passes the devnet's job-peers: the last aggregate is held by whichever keeper
    // computed it (the survivor, or one dropped after it posted first) and by those that checked it.
    const peers = [...roundStores, ...checkerStores].flatMap((store) => store.multiaddrs().slice(0, 1).map(String));
    const result = await cli("result", "--distributed", jobId.toString(), "--out", out, "--validation", "--peer", ...peers);
    assert.equal(result.code, 0, result.stderr);
    const last = await RoundJobRegistry.read.aggregateOf([jobId, 1]);
    assert.equal(JSON.parse(result.stdout).globalModelDigest, last);
    // Each round's global model scored on the job's validation split, as anyone recomputes it from the chain and the dataset.
    const scores = JSON.parse(result.stdout).validation as RoundScore[];
    assert.deepEqual(scores.map((score) => [score.round, score.globalModelDigest]), [[0, await RoundJobRegistry.read.aggregateOf([jobId, 0])], [1, last]]);
    assert.deepEqual(scores, await roundValidationScores({ chain: chains[ACCOUNT.deployer]!, store: consumerStore, jobId, bounded: () => AbortSignal.timeout(60_000), log: silent }));
    assert.ok(scores.every((score) => score.images > 0 && score.accuracy >= 0 && score.accuracy <= 1));
    const global = decodeGlobalModel(await getBlob(consumerStore, last));
    assert.ok(global.momentum !== undefined && global.round === 2);
    assert.deepEqual(importOnnxModel(readFileSync(out)).params, global.params);
  });

  it("refutes a wrong aggregate on-chain, no committee: providers refuse an order whose aggregation program is not its spec's; on the right one a lying aggregator posts first and disputes it itself to hold the round, the challenger proves one coordinate wrong to the referee inside that dispute, the aggregator is slashed and the round re-aggregated honestly", async (t) => {
    const deployer = chains[ACCOUNT.deployer]!;
    const { RoundJobRegistry, Disputes, ValidatorCommittee, StakeManager } = deployer.contracts;
    const providers = [{ name: "liar", dishonestAggregate: true }, { name: "peer", dishonestAggregate: false }];
    const lines = new Map(providers.map(({ name }) => [name, [] as Record<string, unknown>[]]));
    const accounts: ProtocolConnection[] = [];
    const stores: HeliaContentStore[] = [];
    for (const [i, { name }] of providers.entries()) {
      const { chain, store } = await roundProvider(33 + i, name, [consumerStore, ...checkerStores, ...stores]);
      accounts.push(chain);
      stores.push(store);
    }
    const roles = providers.map(({ name, dishonestAggregate }, i) => start((signal) => runComputeRole({
      chain: accounts[i]!, store: stores[i]!, dataDir: join(work, name), costModel: { ...COST, baseFee: parseEther(`0.0${i + 1}`) }, threads: 1, dishonestAggregate,
      log: pino({ level: "info" }, { write: (line: string) => void lines.get(name)!.push(JSON.parse(line)) }), signal, pollMs: 200, fetchTimeoutMs: ROUND_FETCH_TIMEOUT_MS,
    })));
    t.after(() => Promise.all(roles.map(stop)));
    const logged = loggedBy(lines);
    const { spec, modelBytes } = defaultRoundJobSpec({ sizes: { train: 500, test: 500 }, trainImages: 400, testImages: 200, seed: 3, distributed: { slots: 2, rounds: 1, localSteps: 3 } });
    const order = {
      datasetId, specDigest: (await storeJobSpec({ store: consumerStore, spec })).specDigest, priceLimit: parseEther("1"), minStake: parseEther("100"), slots: 2, rounds: 1,
      biddingPeriod: 30, roundPeriod: 600, aggregationPeriod: 1800, challengeWindow: 60, continueOnFault: true,
    };
    const { program, aggregation } = specAggregation(spec, modelBytes);
    assert.deepEqual([program?.rule, program?.parameterCount, program?.equalParts, program?.examples], [0, 61_706, false, 400]);

    // An order whose program names another initial model: no honest provider bids on it.
    const misleading = await postRoundJob(chains[ACCOUNT.consumer]!, { ...order, aggregation: aggregationProgramHash({ ...program!, initialModel: keccak256(toHex("another model")) }) });
    for (const { name } of providers) await logged(name, "round bid skipped: the order commits an aggregation program other than its spec's", { jobId: misleading.toString() });
    await chains[ACCOUNT.consumer]!.send(() => chains[ACCOUNT.consumer]!.contracts.RoundJobRegistry.write.cancel([misleading]));

    const jobId = await postRoundJob(chains[ACCOUNT.consumer]!, { ...order, aggregation });
    const context = { jobId: jobId.toString() };
    for (const { name } of providers) await logged(name, "round bid placed", context);
    await advance(31);
    await settleRoundJob(jobId);
    const stakeBefore = await StakeManager.read.stakeOf([accounts[0]!.account.address]);
    // The liar posts as soon as training closes and disputes its own aggregate at once, to hold the round until that
    // dispute expires upheld (half its bond back to it, as the aggregator) and keep anyone else from disputing it. The
    // challenger, down meanwhile, comes back and proves the aggregate wrong to the referee inside the liar's dispute.
    await stop(challengerRole);
    await logged("liar", "aggregate posted", { ...context, round: 0, dishonest: true });
    const liar = accounts[0]!;
    await fundDevAccounts({ deployer, accounts: [liar.account.address], tokens: await Disputes.read.challengeBond() });
    await liar.send(() => liar.contracts.VeritrainToken.write.approve([Disputes.address, maxUint256]));
    await liar.send(() => liar.contracts.Disputes.write.challengeRound([jobId, 0, 255, keccak256(toHex("held by its own aggregator"))]));
    const disputeId = await Disputes.read.disputeCount();
    challengerRole = startChallenger();
    const refuted = await until("the challenger's refutation", () => challenger.lines.find((l) => l.jobId === jobId.toString() && l.msg === "aggregate refuted by the referee"), { timeoutMs: 300_000 });
    assert.equal(BigInt(refuted.disputeId as string), disputeId, "refuted inside the liar's own dispute");
    assert.equal(typeof refuted.coordinate, "number", "refuted at one coordinate of the parameters");
    assert.deepEqual(await ValidatorCommittee.getEvents.CommitteeRequested({ disputeId }, { fromBlock: 0n }), [], "no committee is requested");
    const [decided] = await Disputes.getEvents.DisputeDecidedByReferee({ disputeId }, { fromBlock: 0n });
    assert.deepEqual([decided!.args.bondRecipient, decided!.args.prover], [liar.account.address, chains[ACCOUNT.challenger]!.account.address], "the bond back to its challenger, the slash's share to the prover");
    const [voided] = await RoundJobRegistry.getEvents.AggregateVoided({ jobId }, { fromBlock: 0n });
    assert.equal(voided!.args.aggregator, accounts[0]!.account.address);
    assert.equal(voided!.args.slashed, await RoundJobRegistry.read.aggregatorStake());
    const stakeAfter = await StakeManager.read.stakeOf([accounts[0]!.account.address]);
    assert.equal(stakeBefore.available + stakeBefore.locked - stakeAfter.available - stakeAfter.locked, voided!.args.slashed, "the aggregator stake slashed");

    // Re-aggregated honestly, verified, advanced and paid to both slots.
    await until("the right aggregate verified", () => challenger.lines.some((l) => l.jobId === jobId.toString() && l.round === 0 && l.msg === "round verified: updates and aggregate recomputed"), { timeoutMs: 300_000 });
    await advance(61);
    await deployer.send(() => RoundJobRegistry.write.advance([jobId]));
    assert.equal((await RoundJobRegistry.read.getRoundJob([jobId])).status, RoundJobStatus.Finalized);
    assert.deepEqual((await RoundJobRegistry.read.slotsOf([jobId])).map((s) => s.roundsEarned), [1, 1]);
  });

  /**
   * A 4-owner private-data job (200 MNIST training images each, DP-SGD at ε = 3, SecAgg+) to payout through one owner's
   * fault at slot 2: `withhold` commits its masked input without storing it, the challenger disputes it as unavailable, its
   * owner cannot publish it and loses at the deadline and the other owners' recovery answers unmask the three others' sum; `spoil` seals garbage for one of its
   * neighbours, whose complaint puts it out of the round before anyone masks (no dispute, no recovery: the registry drops
   * it at the training deadline, its input never committed). Either way the three others' sum is aggregated and verified.
   */
  const privateJobThrough = async (t: TestContext, fault: "withhold" | "spoil", firstAccount: number) => {
    const deployer = chains[ACCOUNT.deployer]!;
    const { RoundJobRegistry, SecureAggregationLedger } = deployer.contracts;
    const EXAMPLES = 200;
    // Four data owners of 200 MNIST training images each, from 50,000 on (the dataset holds the first 500).
    const owners = [0, 1, 2, 3].map((i) => ({ name: `${fault}-owner-${i}`, baseFee: `0.0${i + 1}`, data: { source: "train" as const, start: 50_000 + i * EXAMPLES, end: 50_000 + (i + 1) * EXAMPLES } }));
    const faultySlot = 2;
    const lines = new Map<string, Record<string, unknown>[]>();
    const accounts: ProtocolConnection[] = [];
    const ownerStores: HeliaContentStore[] = [];
    for (const [i, { name }] of owners.entries()) {
      const { chain, store } = await roundProvider(firstAccount + i, name, [consumerStore, ...checkerStores, ...ownerStores]);
      ownerStores.push(store);
      accounts.push(chain);
      lines.set(name, []);
    }
    const ownerRoles = owners.map(({ name, baseFee, data }, i) => {
      const log = pino({ level: "info" }, { write: (line: string) => void lines.get(name)!.push(JSON.parse(line)) });
      const faulty = i !== faultySlot ? {} : fault === "withhold" ? { withholdSlot: faultySlot } : { spoilSlot: faultySlot };
      return start((signal) => runComputeRole({
        chain: accounts[i]!, store: ownerStores[i]!, dataDir: join(work, name), costModel: { ...COST, baseFee: parseEther(baseFee) }, threads: 1, privateData: data,
        ...faulty, log, signal, pollMs: 200, fetchTimeoutMs: ROUND_FETCH_TIMEOUT_MS,
      }));
    });
    t.after(() => Promise.all(ownerRoles.map(stop)));
    const logged = loggedBy(lines);

    const { spec } = defaultRoundJobSpec({
      sizes: { train: 500, test: 500 }, testImages: 200, seed: 3, distributed: { slots: 4, rounds: 1, localSteps: 3 }, privateData: { examples: EXAMPLES, targetEpsilon: "3", secureClip: "0.5" },
    });
    const jobId = await postRoundJob(chains[ACCOUNT.consumer]!, {
      datasetId, specDigest: (await storeJobSpec({ store: consumerStore, spec })).specDigest, priceLimit: parseEther("1"), minStake: parseEther("100"), slots: 4, rounds: 1,
      biddingPeriod: 30, roundPeriod: 600, aggregationPeriod: 1800, challengeWindow: 60, continueOnFault: true,
      aggregation: zeroHash, // secure aggregation: the referee cannot unmask a sum
    });
    const context = { jobId: jobId.toString() };
    for (const { name } of owners) await logged(name, "round bid placed", context);
    await advance(31);
    await settleRoundJob(jobId);
    assert.deepEqual((await RoundJobRegistry.read.slotsOf([jobId])).map((s) => s.provider), accounts.map((a) => a.account.address), "owner i holds slot i");

    // Every owner takes part, slot 2 with its fault.
    const done = "secure round done: keys, shares, complaints, masked input and unmask shares posted";
    if (fault === "withhold") {
      // The challenger disputes it as unavailable; its owner holds nothing to publish, and loses at the deadline.
      await logged(owners[faultySlot]!.name, done, { ...context, withheld: true });
      const disputeId = await until("the faulty slot's dispute", async () => {
        const [opened] = await RoundJobRegistry.getEvents.RoundDisputed({ jobId }, { fromBlock: 0n });
        return opened === undefined ? undefined : (await deployer.contracts.Disputes.read.disputeCount());
      }, { timeoutMs: 300_000 });
      await expireUnanswered({ disputeId, name: owners[faultySlot]!.name, jobId, slot: faultySlot, logged });
      const dropped = await until("slot 2 dropped", async () => (await RoundJobRegistry.getEvents.SlotDropped({ jobId }, { fromBlock: 0n }))[0], { timeoutMs: 300_000 });
      assert.deepEqual([dropped.args.slot, dropped.args.reason], [BigInt(faultySlot), 1], "found wrong");
      await logged(owners[faultySlot]!.name, "this slot was dropped: its masked input is withdrawn and removed from the store", context);
    } else {
      // m = 4, t = 3: the neighbour it garbled complains; every party finds the complaint true, slot 2's own keeper too.
      await logged(owners[faultySlot]!.name, `secure round left: slot ${faultySlot}'s complaints post did not clear: a neighbour's true complaint accuses it, or its own were struck; it masks no input this round`, { ...context, spoiled: true });
      await until("the three others' inputs committed", async () => (await RoundJobRegistry.read.getRoundJob([jobId])).committedMask === 0b1011, { timeoutMs: 300_000 });
      const { deadline } = await RoundJobRegistry.read.getRoundJob([jobId]);
      await advance(Number(deadline) - Number((await deployer.publicClient.getBlock()).timestamp));
      await deployer.send(() => RoundJobRegistry.write.closeRound([jobId]));
      const [dropped] = await RoundJobRegistry.getEvents.SlotDropped({ jobId }, { fromBlock: 0n });
      assert.deepEqual([dropped!.args.slot, dropped!.args.reason], [BigInt(faultySlot), 0], "no input by the deadline");
      const complainers = await Promise.all(owners.filter((_, i) => i !== faultySlot).map(async ({ name }) => (await logged(name, done, context)).complainedOf as number[]));
      assert.deepEqual(complainers.filter((of) => of.includes(faultySlot)).length, 1);
    }

    // The others' sum is aggregated (after the others' recovery answers for slot 2 if it was withdrawn), and the challenger verifies it.
    await until("the aggregate verified", async () => challenger.lines.some((l) => l.jobId === jobId.toString() && l.round === 0 && l.msg === "round verified: updates and aggregate recomputed"), { timeoutMs: 300_000 });
    const recovered = await SecureAggregationLedger.getEvents.SecAggRecovered({ jobId }, { fromBlock: 0n });
    assert.ok(recovered.every((e) => e.args.owner === BigInt(faultySlot) && e.args.slot !== BigInt(faultySlot)), "recovery answers for slot 2 from the others");
    // Withdrawn, slot 2's key is rebuilt from t = 3 shares of its neighbours; put out before masking, no one masked towards it.
    if (fault === "withhold") assert.ok(recovered.length >= 2);
    else assert.deepEqual(recovered, []);
    assert.deepEqual((await RoundJobRegistry.getEvents.RoundDisputed({ jobId }, { fromBlock: 0n })).length, fault === "withhold" ? 1 : 0);
    const [posted] = await RoundJobRegistry.getEvents.AggregatePosted({ jobId }, { fromBlock: 0n });
    assert.equal(posted!.args.includedSlots, 0b1011, "the aggregate of slots 0, 1 and 3");
    await advance(61);
    await deployer.send(() => RoundJobRegistry.write.advance([jobId]));
    const finalized = await RoundJobRegistry.read.getRoundJob([jobId]);
    assert.equal(finalized.status, RoundJobStatus.Finalized);
    assert.deepEqual((await RoundJobRegistry.read.slotsOf([jobId])).map((s) => s.roundsEarned), [1, 1, 0, 1]);
  };

  it("carries a private-data job to payout when an owner commits its masked input and withholds it: unpublished by its availability dispute's deadline, it is dropped with no committee, the others post their shares of its mask key, and their sum is aggregated and verified", (t) => privateJobThrough(t, "withhold", 25));

  it("carries a private-data job to payout when an owner seals garbage for a neighbour: its complaint puts the owner out before anyone masks, with no dispute", (t) => privateJobThrough(t, "spoil", 29));

  it("has a data owner open its DP noise seed to the committee of a dispute of its slot: an honest owner's opening checks (grid sums replayed to its update) and the challenger loses; an owner that trained with another seed than it committed is found wrong and dropped; the round is paid to the honest one", async (t) => {
    const deployer = chains[ACCOUNT.deployer]!;
    const { RoundJobRegistry, SecureAggregationLedger, Disputes, ValidatorCommittee } = deployer.contracts;
    const EXAMPLES = 200;
    const owners = [0, 1].map((i) => ({ name: `noise-owner-${i}`, baseFee: `0.0${i + 1}`, data: { source: "train" as const, start: 51_000 + i * EXAMPLES, end: 51_000 + (i + 1) * EXAMPLES } }));
    const falseNoiseSlot = 1;
    const lines = new Map<string, Record<string, unknown>[]>();
    const accounts: ProtocolConnection[] = [];
    const ownerStores: HeliaContentStore[] = [];
    for (const [i, { name }] of owners.entries()) {
      const { chain, store } = await roundProvider(33 + i, name, [consumerStore, ...checkerStores, ...ownerStores]);
      ownerStores.push(store);
      accounts.push(chain);
      lines.set(name, []);
    }
    const ownerRoles = owners.map(({ name, baseFee, data }, i) => {
      const log = pino({ level: "info" }, { write: (line: string) => void lines.get(name)!.push(JSON.parse(line)) });
      return start((signal) => runComputeRole({
        chain: accounts[i]!, store: ownerStores[i]!, dataDir: join(work, name), costModel: { ...COST, baseFee: parseEther(baseFee) }, threads: 1, privateData: data,
        ...(i === falseNoiseSlot ? { falseNoiseSlot } : {}), log, signal, pollMs: 200, fetchTimeoutMs: ROUND_FETCH_TIMEOUT_MS,
      }));
    });
    t.after(() => Promise.all(ownerRoles.map(stop)));
    const logged = loggedBy(lines);
    for (const index of ACCOUNT.validators) assert.notEqual(await SecureAggregationLedger.read.openingKeyOf([chains[index]!.account.address]), zeroHash, "every validator registered its opening key");

    // Updates in the clear (no secure aggregation), DP-SGD at ε = 3.
    const { spec } = defaultRoundJobSpec({
      sizes: { train: 500, test: 500 }, testImages: 200, seed: 3, distributed: { slots: 2, rounds: 1, localSteps: 3 }, privateData: { examples: EXAMPLES, targetEpsilon: "3", secureClip: "none" },
    });
    const jobId = await postRoundJob(chains[ACCOUNT.consumer]!, {
      datasetId, specDigest: (await storeJobSpec({ store: consumerStore, spec })).specDigest, priceLimit: parseEther("1"), minStake: parseEther("100"), slots: 2, rounds: 1,
      biddingPeriod: 30, roundPeriod: 600, aggregationPeriod: 1800, challengeWindow: 60, continueOnFault: true, aggregation: zeroHash,
    });
    const context = { jobId: jobId.toString() };
    for (const { name } of owners) await logged(name, "round bid placed", context);
    await advance(31);
    await settleRoundJob(jobId);
    assert.deepEqual((await RoundJobRegistry.read.slotsOf([jobId])).map((s) => s.provider), accounts.map((a) => a.account.address), "owner i holds slot i");
    await until("both updates committed", async () => (await RoundJobRegistry.read.getRoundJob([jobId])).committedMask === 0b11, { timeoutMs: 300_000 });

    // Anyone may have an owner open its noise seed, at the price of a bond: here the CLI consumer's account.
    const auditor = chains[ACCOUNT.cliConsumer]!;
    await auditor.send(() => auditor.contracts.VeritrainToken.write.approve([Disputes.address, maxUint256]));
    const audit = async (slot: number) => {
      await until(`no dispute open on job ${jobId}`, async () => (await RoundJobRegistry.read.getRoundJob([jobId])).status !== RoundJobStatus.Disputed);
      await auditor.send(() => auditor.contracts.Disputes.write.challengeRound([jobId, 0, slot, UNSERVED_CLAIM]));
      const disputeId = await Disputes.read.disputeCount();
      const [requested] = await ValidatorCommittee.getEvents.CommitteeRequested({ disputeId }, { fromBlock: 0n });
      await fulfil(requested!.args.requestId!, ValidatorCommittee.address);
      try {
        await until(`dispute ${disputeId}'s verdict`, async () => (await Disputes.read.getDispute([disputeId])).status !== DisputeStatus.Open, { timeoutMs: 300_000 });
      } catch (error) {
        // What the owners and the committee said of it comes with the failure.
        for (const [name, said] of lines) for (const line of said.filter((l) => l.jobId === jobId.toString())) process.stderr.write(`${name}: ${line.msg} ${JSON.stringify(line)}\n`);
        for (const line of validators.lines.filter((l) => l.disputeId === disputeId.toString() || l.level === 40 || l.level === 50)) process.stderr.write(`validator ${line.validator}: ${line.msg} ${JSON.stringify(line)}\n`);
        throw error;
      }
      return { disputeId, dispute: await Disputes.read.getDispute([disputeId]) };
    };

    const honest = await audit(0);
    await logged(owners[0]!.name, "noise seed opened to the committee", { disputeId: honest.disputeId.toString(), members: 9 });
    assert.equal(honest.dispute.status, DisputeStatus.ChallengerWrong, "the honest owner's opening checks");
    const [opening] = await SecureAggregationLedger.getEvents.NoiseSeedOpened({ jobId, slot: 0 }, { fromBlock: 0n });
    assert.equal((opening!.args.envelopes!.length - 2) / 2, 66 + 9 * 108, "one entry for each of the nine members");

    const cheat = await audit(falseNoiseSlot);
    await logged(owners[falseNoiseSlot]!.name, "the committed update is not what this keeper's seed and examples give: opened anyway", { disputeId: cheat.disputeId.toString() });
    assert.equal(cheat.dispute.status, DisputeStatus.ProviderWrong, "its update is not the committed noise's");
    const [dropped] = await RoundJobRegistry.getEvents.SlotDropped({ jobId }, { fromBlock: 0n });
    assert.deepEqual([dropped!.args.slot, dropped!.args.reason], [BigInt(falseNoiseSlot), 1], "found wrong");

    // The round is aggregated without it and paid to the honest owner alone.
    await until("the aggregate of slot 0 alone", async () => (await RoundJobRegistry.getEvents.AggregatePosted({ jobId }, { fromBlock: 0n })).find((e) => e.args.includedSlots === 0b01), { timeoutMs: 300_000 });
    await until("the aggregate's window open", async () => (await RoundJobRegistry.read.getRoundJob([jobId])).status === RoundJobStatus.Aggregated);
    await advance(61);
    await deployer.send(() => RoundJobRegistry.write.advance([jobId]));
    assert.equal((await RoundJobRegistry.read.getRoundJob([jobId])).status, RoundJobStatus.Finalized);
    assert.deepEqual((await RoundJobRegistry.read.slotsOf([jobId])).map((s) => s.roundsEarned), [1, 0]);
    // What the consumer's CLI reports of the result: the ε each owner spent, as the spec fixes it, and the round's validation score.
    const peers = [...ownerStores, ...checkerStores].flatMap((store) => store.multiaddrs().slice(0, 1).map(String));
    const shown = await runCli(ACCOUNT.consumer, [...cliArgs(join(work, "cli-noise")), "job", "result", "--distributed", jobId.toString(), "--out", join(work, "noise.onnx"), "--validation", "--peer", ...peers]);
    assert.equal(shown.code, 0, shown.stderr);
    const result = JSON.parse(shown.stdout) as { privacy: { epsilon: number; delta: number }; validation: RoundScore[] };
    const { privacy } = validateRoundJobSpec(spec).config.step;
    assert.deepEqual([result.privacy.epsilon, result.privacy.delta], [privacy!.epsilon, 1e-5]);
    assert.ok(result.privacy.epsilon > 0 && result.privacy.epsilon <= 3, "within the target ε = 3");
    assert.deepEqual(result.validation.map((score) => [score.round, score.globalModelDigest]), [[0, await RoundJobRegistry.read.aggregateOf([jobId, 0])]]);
  });

  describe("bad input", () => {
    it("reports an unknown job", async () => {
      const status = await runCli(ACCOUNT.consumer, [...cliArgs(join(work, "cli-status")), "job", "status", "999"]);
      assert.equal(status.code, 1);
      assert.match(status.stderr, /^error \[JOB_UNKNOWN\]: job 999 does not exist \(jobs run from 1 to \d+\)$/m);
      const round = await runCli(ACCOUNT.consumer, [...cliArgs(join(work, "cli-status")), "job", "status", "--distributed", "999"]);
      assert.equal(round.code, 1);
      assert.match(round.stderr, /^error \[JOB_UNKNOWN\]: round job 999 does not exist \(round jobs run from 1 to \d+\)$/m);
      const result = await runCli(ACCOUNT.consumer, [...cliArgs(join(work, "cli-status")), "job", "result", "--distributed", "999", "--out", join(work, "none.onnx")]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^error \[JOB_UNKNOWN\]: round job 999 does not exist/m);
      assert.equal(existsSync(join(work, "none.onnx")), false, "nothing written");
      await assert.rejects(loadJob({ chain: chains[ACCOUNT.consumer]!, store: consumerStore, jobId: 999n, log: silent }), { code: "JOB_UNKNOWN" });
    });

    it("refuses a malformed spec, or one beyond the dataset, before posting anything", async () => {
      const jobsBefore = await chains[ACCOUNT.deployer]!.contracts.JobRegistry.read.jobCount();
      const { spec, modelBytes } = defaultJobSpec({ sizes: { train: 500, test: 500 }, ...JOB_FLAGS });
      const model = join(work, "model.onnx");
      writeFileSync(model, modelBytes);
      const cases = [
        { spec: { ...spec, epochs: 0 }, error: /error \[JOB_SPEC_INVALID\]: job spec field epochs must be an integer in \[1, 10000\], got 0/ },
        { spec: { ...spec, dataset: { ...spec.dataset, splits: { ...spec.dataset.splits, test: { source: "test", start: 0, end: 600 } } } }, error: /error \[JOB_DATASET_MISMATCH\]: job spec split test ends at test image 600, the dataset has 500/ },
      ];
      for (const [i, c] of cases.entries()) {
        writeFileSync(join(work, `spec-${i}.json`), JSON.stringify(c.spec));
        const posted = await runCli(ACCOUNT.consumer, [...cliArgs(join(work, `cli-bad-${i}`)), "job", "post", "--dataset", datasetId.toString(), "--spec", join(work, `spec-${i}.json`), "--model", model, "--no-wait"]);
        assert.equal(posted.code, 1);
        assert.match(posted.stderr, c.error);
      }
      assert.equal(await chains[ACCOUNT.deployer]!.contracts.JobRegistry.read.jobCount(), jobsBefore);
    });

    it("reports a spec no peer serves and a spec block that is not a spec", async () => {
      await assert.rejects(fetchJobSpec({ store: consumerStore, specDigest: keccak256("0x01"), signal: AbortSignal.timeout(500) }), { code: "JOB_SPEC_NOT_FOUND" });
      const garbage = await consumerStore.put(new TextEncoder().encode("{\"epochs\": 1"));
      await assert.rejects(fetchJobSpec({ store: consumerStore, specDigest: toHex(garbage.multihash.digest) }), { code: "JOB_SPEC_INVALID", message: /is not UTF-8 JSON/ });
    });

    it("makes the relay refuse malformed verdicts and answer for settled disputes without a transaction", async () => {
      assert.deepEqual(await postVerdict({ disputeId: "1", providerWrong: "yes", signature: "0x" }), { status: 400, body: { error: "providerWrong must be a boolean", code: "VERDICT_INVALID" } });
      const unknown = (await chains[ACCOUNT.deployer]!.contracts.Disputes.read.disputeCount()) + 1n;
      assert.equal((await postVerdict({ disputeId: String(unknown), providerWrong: true, signature: `0x${"11".repeat(65)}` })).status, 404);
      // Dispute 1 is settled: signatures for it are answered "settled" without a transaction.
      const outsider = chains[ACCOUNT.consumer]!;
      const typedData = verdictTypedData({ chainId: devnet.chainId, disputes: outsider.contracts.Disputes.address, disputeId: 1n, providerWrong: false });
      const late = await postVerdict({ disputeId: "1", providerWrong: false, signature: await outsider.account.signTypedData(typedData) });
      assert.deepEqual(late, { status: 200, body: { disputeId: "1", providerWrong: false, signatures: 0, threshold: 5, settled: true } });
    });
  });
});
