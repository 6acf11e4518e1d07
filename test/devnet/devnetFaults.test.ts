import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { parseEther, parseEventLogs, type Address } from "viem";
import { testAccuracyBps } from "../../keepers/src/compute/testAccuracy.ts";
import { readDatasetOnChain } from "../../keepers/src/datasets/datasetOnChain.ts";
import { followJob, ingestDataset, jobStatusName, postDevnetJob, startComputeKeeper } from "../../keepers/src/devnet/devnetPhases.ts";
import { openApp } from "../harness/appBrowser.ts";
import { readLogLines } from "../../keepers/src/devnet/keeperProcess.ts";
import { DEVNET_ACCOUNTS, launchDevnet, type DevnetRun } from "../../keepers/src/devnet/launchDevnet.ts";
import { waitFor } from "../../keepers/src/devnet/waitFor.ts";
import { defaultJobSpec } from "../../keepers/src/jobs/defaultJobSpec.ts";
import { JobStatus } from "../../keepers/src/jobs/jobOnChain.ts";
import { GAME_PHASE } from "../../keepers/src/trainingVm/gameMoves.ts";
import { CheckpointTree } from "../../keepers/src/training/checkpointTree.ts";
import { loadMnist } from "../../keepers/src/training/mnist.ts";
import { prepareJob } from "../../keepers/src/training/preparedJob.ts";
import { trainJob } from "../../keepers/src/training/trainJob.ts";
import { advanceTo, CHAOS_JOB, FAULTS_DEVNET, driveRound, extraComputePort, jobLog, runChaos, settleOnFirstBid } from "../harness/chaos.ts";
import { startFaultyRpcProxyThread, type FaultyRpcProxyThread } from "../harness/faultyRpcProxyThread.ts";
import { holdDevnetSlot } from "../harness/devnetSlot.ts";

// Never beside another devnet-class file (test/harness/devnetSlot.ts).
await holdDevnetSlot();

// The chain node listens here; the keepers take the next 30 ports and their health endpoints the same slots 1,000 higher (launchDevnet's devnetPorts).
const PORT = 8640;
// FAULTS_DEVNET: 6 holders, and 2 spares so both dead holders' columns find a new one.
const { storageKeepers: STORAGE_KEEPERS, shards: SHARDS } = FAULTS_DEVNET;
const IMAGES = 1500; // of each MNIST split
const JOB = { trainImages: 600, testImages: 300, epochs: 2 }; // 60 steps, 12 checkpoints: the kill lands after checkpoint 2
const DISHONEST_ACCOUNT = 40;
const CHAOS_SEED = 7;
/**
 * Seconds: ample for a loaded machine's bidder (~15 s); the auction settles at the first bid (settleOnFirstBid), chain
 * time jumping to its end. Not longer: a 600 s jump crossed the next audit round (every 1,200 s on the devnet), whose
 * proofs then slowed the job's start by ~2 minutes.
 */
const BIDDING_PERIOD = 120;

// 40 min: a CI run took 1,759 s with the chaos scenario's 566 s; another, beside a loaded machine, did not end its chaos jobs in 20 min.
describe("devnet faults: keepers as processes on 127.0.0.1, killed and restarted", { timeout: 2_400_000 }, () => {
  let run: DevnetRun;
  let directory: string;
  let datasetId: bigint;
  let proxy: FaultyRpcProxyThread;
  const silent = pino({ level: "silent" });
  const chain = () => run.deployer;
  const eventsOf = async <Name extends string>(contract: "StorageProofs" | "DatasetRegistry" | "JobRegistry" | "Disputes" | "StakeManager" | "ValidatorCommittee" | "BisectionGame", eventName: Name) => {
    const { address, abi } = chain().contracts[contract];
    const logs = await chain().publicClient.getLogs({ address, fromBlock: 0n });
    return parseEventLogs({ abi: abi as any, logs, eventName: eventName as any }) as unknown as { args: Record<string, any>; blockNumber: bigint }[];
  };
  const storageName = (address: Address) => `storage-${Array.from({ length: STORAGE_KEEPERS }, (_, i) => run.addressOf(DEVNET_ACCOUNTS.storage(i))).indexOf(address)}`;
  const logLines = (name: string) => readLogLines(run.fleet.get(name).logFile);
  before(async () => {
    directory = mkdtempSync(join(tmpdir(), "veritrain-devnet-faults-"));
    // Every keeper reaches the chain through the proxy: a clean pass-through until the chaos test.
    proxy = await startFaultyRpcProxyThread({ upstream: `http://127.0.0.1:${PORT}`, seed: CHAOS_SEED });
    // ~30 keepers start at once, on a machine running other test files beside: a longer bound than the default.
    run = await launchDevnet({ port: PORT, directory, log: silent, storageKeepers: STORAGE_KEEPERS, validators: FAULTS_DEVNET.validators, keeperRpcUrl: proxy.url, timeoutMs: 600_000 });
    ({ datasetId } = await ingestDataset({ run, images: IMAGES, shardSize: 16_384, shards: SHARDS }));
  });

  after(async () => {
    await run?.stop();
    await proxy?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
    // No keeper and no chain node outlives the test.
    for (const keeper of run?.fleet.all() ?? []) assert.equal(keeper.running(), false, `${keeper.name} stopped`);
  });

  it("kills 2 of the 6 holders: they miss their proofs and are slashed, spares rebuild their columns from any k shards and accept them", async () => {
    const all = (1n << BigInt(SHARDS.n)) - 1n;
    const { holders } = await readDatasetOnChain(chain(), datasetId);
    const deadColumns = [0, 5]; // a data column and a parity column
    const dead = deadColumns.map((c) => holders[c]!);
    for (const holder of dead) await run.fleet.get(storageName(holder)).kill();
    const alive = deadColumns.reduce((mask, c) => mask & ~(1n << BigInt(c)), all);

    const round = await driveRound({ run, datasetId, expected: alive });
    assert.equal(round.round, 1n, "the first round waited for every column to be accepted");
    assert.equal(round.audited, all, "it audits all 6 accepted columns");
    assert.equal(round.proved, alive, "the 4 live holders proved with real Groth16 proofs, the 2 dead ones did not");
    const missed = (await eventsOf("StorageProofs", "ProofMissed")).filter((e) => e.args.round === round.round);
    assert.deepEqual(missed.map((e) => Number(e.args.column)).sort((a, b) => a - b), deadColumns);
    const faults = (await eventsOf("DatasetRegistry", "ColumnFaulty")).filter((e) => deadColumns.includes(Number(e.args.column)));
    assert.deepEqual(faults.map((e) => e.args.provider), dead);
    for (const fault of faults) assert.equal(fault.args.slashed, await chain().contracts.DatasetRegistry.read.faultPenalty(), "the fault penalty is slashed");

    // The automation keeper redraws the columns; the spares rebuild them from the 4 live holders (exactly k).
    const repaired = await waitFor("the dead holders' columns accepted by new holders", async () => {
      const onChain = await readDatasetOnChain(chain(), datasetId);
      return deadColumns.every((c) => onChain.accepted[c] && !dead.includes(onChain.holders[c]!)) && onChain;
    }, { timeoutMs: 300_000 });
    for (const column of deadColumns) {
      const holder = storageName(repaired.holders[column]!);
      const accepted = logLines(holder).find((l) => l.msg === "column accepted" && l.column === column);
      assert.ok(accepted, `${holder} accepted column ${column}`);
      assert.ok(Number(accepted.rebuilt) > 0, `${holder} rebuilt column ${column} by erasure decoding`);
    }
  });

  it("trains a job on the surviving data; the compute keeper SIGKILLed mid-training resumes to the uninterrupted run's checkpoints; chain-facing keepers restarted in the window; paid once", async () => {
    const { spec, modelBytes } = defaultJobSpec({ sizes: { train: IMAGES, test: IMAGES }, ...JOB, seed: 1 });
    const reference = prepareJob({ spec, modelBytes, sources: loadMnist() });
    const uninterrupted = await trainJob({ job: reference, threads: 1 });
    const referenceMetric = await testAccuracyBps({ job: reference, params: uninterrupted.finalState.params, threads: 1 });

    const jobId = await postDevnetJob({ run, datasetId, ...JOB, biddingPeriod: BIDDING_PERIOD, challengeWindow: 240 });
    await settleOnFirstBid(run, jobId);
    const checkpoints = join(run.fleet.get("compute").dataDir, "compute", `job-${jobId}`);
    let killedAfter = -1;
    const restarted: string[] = [];
    const { job } = await followJob({
      run,
      jobId,
      timeoutMs: 900_000,
      onStatus: async (status) => {
        if (status === JobStatus.Assigned) {
          await waitFor("checkpoint 2 on the compute keeper's disk", () => existsSync(join(checkpoints, "checkpoint-2.bin")), { pollMs: 50, timeoutMs: 300_000 });
          await run.fleet.get("compute").kill();
          killedAfter = 2;
          await run.fleet.restart("compute");
        }
        if (status === JobStatus.Submitted) {
          await run.fleet.get("challenger").waitForLog("result verified: no wrong checkpoint found", { fields: { jobId: jobId.toString() }, timeoutMs: 150_000 });
          // Every chain-facing keeper but the compute one, restarted while the window is open.
          for (const name of ["automation", "challenger", "relay", "indexer", storageName((await readDatasetOnChain(chain(), datasetId)).holders[1]!)]) {
            await run.fleet.restart(name);
            restarted.push(name);
          }
          // Each came back (its /healthz answers 200: following the chain again), although its peers were restarting around it.
          for (const name of restarted) await run.fleet.get(name).waitUntilHealthy({ timeoutMs: 120_000 });
          const { deadline } = await chain().contracts.JobRegistry.read.getJob([jobId]);
          assert.ok((await chain().publicClient.getBlock()).timestamp < deadline, "the restarts happened inside the challenge window");
          // Nothing is left to happen in the window: the clock jumps to its end.
          await advanceTo(run, BigInt(deadline) + 1n);
        }
      },
    });
    assert.equal(killedAfter, 2);
    assert.equal(restarted.length, 5);
    assert.equal(job.status, JobStatus.Finalized);
    const resumed = logLines("compute").find((l) => l.msg === "training resumed from a checkpoint on disk");
    assert.ok(resumed && Number(resumed.resumedFrom) >= 2, "the restarted keeper resumed from a checkpoint on disk");
    assert.equal(job.traceRoot, new CheckpointTree(uninterrupted.hashes).root, "every checkpoint is the uninterrupted run's");
    assert.equal(job.metric, referenceMetric);
    // Nothing twice, no deadline missed.
    assert.equal((await eventsOf("JobRegistry", "ResultSubmitted")).filter((e) => e.args.jobId === jobId).length, 1);
    assert.equal((await eventsOf("JobRegistry", "JobFinalized")).filter((e) => e.args.jobId === jobId).length, 1);
    assert.equal((await eventsOf("JobRegistry", "ExecutionExpired")).length, 0);
    assert.equal(await chain().contracts.Disputes.read.disputeCount(), 0n);
    const closed = await eventsOf("StorageProofs", "RoundClosed");
    assert.equal(new Set(closed.map((e) => e.args.round)).size, closed.length, "every audit round closed once");
  });

  it("a compute keeper whose run is wrong at one step's weight update: the challenger opens a game, both keepers play it, the chain executes the instruction they disagree on; no committee; slashed, refunded", async () => {
    const cheatAddress = run.addressOf(DISHONEST_ACCOUNT);
    await run.fleet.get("compute").stop();
    // 400 images in batches of 20: 20 steps, a checkpoint every 5; step 7 is in checkpoint 2's segment.
    await startComputeKeeper({ run, name: "compute", account: DISHONEST_ACCOUNT, port: run.ports.compute, dishonesty: { level: "step", at: 7 } });

    const consumer = run.addressOf(DEVNET_ACCOUNTS.consumer);
    const token = chain().contracts.VeritrainToken;
    const consumerBefore = await token.read.balanceOf([consumer]);
    const cheatStakeBefore = await chain().contracts.StakeManager.read.stakeOf([cheatAddress]);
    const jobId = await postDevnetJob({ run, datasetId, trainImages: 400, testImages: 100, epochs: 1, biddingPeriod: BIDDING_PERIOD, challengeWindow: 240 });
    await settleOnFirstBid(run, jobId);
    const { job } = await followJob({ run, jobId, timeoutMs: 900_000 });

    assert.equal(job.status, JobStatus.Failed);
    assert.equal(job.provider, cheatAddress);
    // The job posted by the CLI committed its training-VM program, so the challenger opened a game on checkpoint 2,
    // which both keepers played down to step 7, the wrong one; no committee was drawn.
    const [decided] = await eventsOf("Disputes", "DisputeDecidedByGame");
    assert.equal(decided?.args.providerWrong, true);
    assert.equal(decided?.args.bondRecipient, run.addressOf(DEVNET_ACCOUNTS.challenger));
    const [started] = await eventsOf("Disputes", "DisputeGameStarted");
    assert.deepEqual([started?.args.disputeId, started?.args.gameId, started?.args.checkpoint, started?.args.forced], [decided?.args.disputeId, decided?.args.gameId, 2n, false]);
    assert.equal((await chain().contracts.BisectionGame.read.getGame([decided!.args.gameId])).step, 7n, "the bisection found the wrong step");
    assert.deepEqual(await eventsOf("ValidatorCommittee", "CommitteeRequested"), [], "no committee was drawn");
    const [failed] = (await eventsOf("JobRegistry", "JobFailed")).filter((e) => e.args.jobId === jobId);
    assert.equal(failed?.args.refund, parseEther("10"), "the whole reward is refunded");
    assert.equal(await token.read.balanceOf([consumer]), consumerBefore, "the consumer is back where it was before posting");
    const cheatStakeAfter = await chain().contracts.StakeManager.read.stakeOf([cheatAddress]);
    assert.equal(cheatStakeBefore.available - (cheatStakeAfter.available + cheatStakeAfter.locked), parseEther("100"), "the job's minimum stake is slashed");

    // What a user sees of it in the web app: the job failed, the verdict, the slash on the cheat's own page.
    const app = await openApp({ appUrl: run.appUrl, rpcUrl: run.devnet.rpcUrl, chainId: 31337 });
    try {
      await app.page.goto(`${run.appUrl}#/jobs/${jobId}`);
      await app.page.getByTestId("job-status").filter({ hasText: "Failed" }).waitFor();
      await app.page.getByTestId("dispute-verdict").filter({ hasText: "the provider was wrong: slashed" }).waitFor();
      await app.page.getByTestId("dispute-committee").filter({ hasText: "none: a bisection game decides it" }).waitFor();
      assert.match(await app.page.getByTestId("dispute-game").innerText(), /^the challenger won after \d+ moves$/);
      assert.match((await app.page.getByTestId("game-moves").textContent()) ?? "", /the chain executed instruction \d+: it gives 0x[0-9a-f]{8}…[0-9a-f]{8}, the provider claimed 0x/);
      assert.match(await app.page.getByTestId("job-payments").innerText(), /Slashed from providers\s+100 VTT/);
      await app.shot("job-disputed");
      await app.page.goto(`${run.appUrl}#/accounts/${cheatAddress.toLowerCase()}`);
      await app.page.getByTestId("account-slash-event").first().waitFor();
      await app.shot("provider-slashed");
    } finally {
      await app.close();
    }
  });
  it("a provider that stops answering in its game loses it on time: the game ends by timeout, the provider slashed, the consumer refunded; no committee", async () => {
    // The step-level cheat of the test before is still the only compute keeper. 200 images in batches of 20: 10
    // steps, a checkpoint every 5; step 7 is wrong, so the challenger opens a game on checkpoint 2.
    const cheatAddress = run.addressOf(DISHONEST_ACCOUNT);
    const consumer = run.addressOf(DEVNET_ACCOUNTS.consumer);
    const token = chain().contracts.VeritrainToken;
    const consumerBefore = await token.read.balanceOf([consumer]);
    const cheatStakeBefore = await chain().contracts.StakeManager.read.stakeOf([cheatAddress]);
    const jobId = await postDevnetJob({ run, datasetId, trainImages: 200, testImages: 100, epochs: 1, biddingPeriod: BIDDING_PERIOD, challengeWindow: 240 });
    await settleOnFirstBid(run, jobId);
    const { BisectionGame, JobRegistry } = chain().contracts;
    // Once the challenger has answered the provider's first midpoint, the provider stops: it never moves again.
    const { gameId } = await waitFor(`a game of job ${jobId} under way`, async () => {
      const { status } = await JobRegistry.read.getJob([jobId]);
      if (status === JobStatus.Finalized || status === JobStatus.Failed) throw new Error(`job ${jobId} ended ${jobStatusName(status)} before a game was under way; the keepers logged: ${jobLog(run, jobId)}`);
      const opened = (await eventsOf("Disputes", "DisputeOpened")).find((e) => e.args.jobId === jobId);
      const started = opened && (await eventsOf("Disputes", "DisputeGameStarted")).find((e) => e.args.disputeId === opened.args.disputeId);
      const game = started && (await BisectionGame.read.getGame([started.args.gameId]));
      return game && game.moves >= 2 && { gameId: started.args.gameId as bigint };
    }, { timeoutMs: 600_000, pollMs: 500 });
    await run.fleet.get("compute").kill();
    // The challenger answers a midpoint still pending; then the provider is to move, and never does.
    const game = await waitFor(`the provider to move in game ${gameId}`, async () => {
      const game = await BisectionGame.read.getGame([gameId]);
      return (game.phase === GAME_PHASE.AwaitingMidpoint || game.phase === GAME_PHASE.AwaitingDescent) && game;
    }, { timeoutMs: 120_000 });
    // Its clock runs out (the devnet's budget is an hour of chain time); a keeper ends the game by `timeout`: the
    // automation keeper's upkeep or the challenger's player, whichever comes first (the automation keeper, in the runs seen).
    await advanceTo(run, BigInt(game.lastMoveAt) + game.providerClock + 1n);
    const ended = await waitFor(`game ${gameId} ended`, async () => (await eventsOf("BisectionGame", "GameEnded")).find((e) => e.args.gameId === gameId), { timeoutMs: 120_000 });
    assert.equal(ended.args.providerWon, false);
    assert.equal(ended.args.winner, run.addressOf(DEVNET_ACCOUNTS.challenger));
    const [timedOut] = (await eventsOf("BisectionGame", "TimedOut")).filter((e) => e.args.gameId === gameId);
    assert.equal(timedOut?.args.loser, cheatAddress, "the game ended by timeout against the provider");
    assert.equal((await BisectionGame.read.getGame([gameId])).moves, game.moves, "no move after the provider stopped");

    const final = await waitFor(`job ${jobId} failed`, async () => {
      const job = await JobRegistry.read.getJob([jobId]);
      return job.status === JobStatus.Failed && job;
    }, { timeoutMs: 60_000 });
    assert.equal(final.provider, cheatAddress);
    const decided = (await eventsOf("Disputes", "DisputeDecidedByGame")).find((e) => e.args.gameId === gameId);
    assert.equal(decided?.args.providerWrong, true);
    assert.equal(await token.read.balanceOf([consumer]), consumerBefore, "the consumer is back where it was before posting");
    const cheatStakeAfter = await chain().contracts.StakeManager.read.stakeOf([cheatAddress]);
    assert.equal(cheatStakeBefore.available - (cheatStakeAfter.available + cheatStakeAfter.locked), parseEther("100"), "the job's minimum stake is slashed");
    const committees = (await eventsOf("ValidatorCommittee", "CommitteeRequested")).filter((e) => e.args.disputeId === decided?.args.disputeId);
    assert.deepEqual(committees, [], "no committee was drawn");

    // The web app says how the game ended.
    const app = await openApp({ appUrl: run.appUrl, rpcUrl: run.devnet.rpcUrl, chainId: 31337 });
    try {
      await app.page.goto(`${run.appUrl}#/jobs/${jobId}`);
      await app.page.getByTestId("dispute-game").filter({ hasText: /^the challenger won on time after \d+ moves?: the other side stopped answering$/ }).waitFor();
    } finally {
      await app.close();
    }
  });

  it("chaos: through a proxy injecting resets, lost answers, delays and a 30 s outage, with keepers SIGKILLed and restarted, 3 jobs and a round all end; nothing twice; every token accounted for", async (t) => {
    // Both an honest and the dishonest compute keeper bid: some jobs are paid, some disputed by games. The dishonest
    // one is now wrong at one instruction inside step 7 (chaos jobs: 20 steps), the deepest level of a game.
    await run.fleet.get("compute").stop();
    await startComputeKeeper({ run, name: "compute", account: DISHONEST_ACCOUNT, port: run.ports.compute, dishonesty: { level: "instruction", at: 7 } });
    await startComputeKeeper({ run, name: "compute-honest", account: DEVNET_ACCOUNTS.compute, port: extraComputePort(run) });
    const victims = [...new Set(run.fleet.all().map((k) => k.name))].filter((name) => run.fleet.get(name).running() && !["owner", "consumer"].includes(name));
    const figures = await runChaos({
      run,
      proxy,
      datasetId,
      jobs: 3,
      rounds: 1,
      seed: CHAOS_SEED,
      victims,
      job: CHAOS_JOB,
      onEvent: (what) => t.diagnostic(`${Math.round(performance.now() / 1000)} s: ${what}`),
    });
    t.diagnostic(JSON.stringify(figures));
    assert.ok(figures.faults_injected > 0 && figures.outage_seconds === 30, "faults were injected, the 30 s outage among them");
    assert.ok(figures.restarts > 0, "keepers were killed and restarted");
    assert.equal(figures.jobs_terminal, figures.jobs, "every job ended");
    assert.equal(figures.disputes_terminal, figures.disputes, "every dispute ended");
    assert.ok(figures.rounds >= 1, "an audit round ran");
    assert.equal(figures.rounds_closed, figures.rounds, "every round closed");
    assert.equal(figures.proofs_missed, 0, "no live holder missed a proof");
    assert.equal(figures.duplicate_actions, 0, `no action happened twice: ${figures.duplicates.join("; ")}`);
    assert.ok(figures.conservation_ok, `every protocol contract holds what it owes: ${JSON.stringify(figures.conservation)}`);
  });
});
