import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseEther, zeroAddress, zeroHash, type Hex } from "viem";
import type { ProtocolConnection } from "../../../keepers/src/chain/protocolContracts.ts";
import { runComputeRole } from "../../../keepers/src/compute/computeRole.ts";
import type { CostModel } from "../../../keepers/src/compute/costModel.ts";
import type { HeliaContentStore } from "../../../keepers/src/content/heliaContentStore.ts";
import { waitFor } from "../../../keepers/src/devnet/waitFor.ts";
import { defaultRoundJobSpec } from "../../../keepers/src/jobs/defaultJobSpec.ts";
import { JobStatus, postJob, readJob, type JobOrder } from "../../../keepers/src/jobs/jobOnChain.ts";
import { storeJobSpec } from "../../../keepers/src/jobs/jobSpecBlock.ts";
import { postRoundJob } from "../../../keepers/src/roundJobs/roundJobOnChain.ts";
import { createRoleHealth, type RoleHealth } from "../../../keepers/src/runtime/roleHealth.ts";
import { checkpointFilePath } from "../../../keepers/src/training/checkpointFile.ts";
import { registerMnistDataset, startProtocolFixture, storeMnistJob, type ProtocolFixture } from "../../harness/protocolFixture.ts";
import { recordingLogger } from "../../harness/recordingLogger.ts";

const ACCOUNT = { consumer: 1, storage: [2, 3], compute: 4, validators: [10, 11, 12, 13, 14, 15, 16, 17, 18] };
const IMAGES = 1000;
const COST: CostModel = { imagesPerSecond: 1000, pricePerCpuSecond: parseEther("0.001"), marginBps: 2000, baseFee: parseEther("0.1") };

describe("compute role: training runs beside the event loop", { timeout: 600_000 }, () => {
  let fixture: ProtocolFixture;
  let consumer: ProtocolConnection;
  let compute: ProtocolConnection;
  let computeStore: HeliaContentStore;
  let order: Omit<JobOrder, "specDigest">;
  let longSpec: Hex;
  let shortSpec: Hex;
  let dataDir: string;
  /** A 2-slot distributed job's spec digest, served by the consumer. */
  let roundSpec: Hex;
  /** The long job the first test assigns and the second one resumes. */
  let first: bigint;
  let role: { controller: AbortController; done: Promise<void>; health: RoleHealth; lines: Record<string, unknown>[] } | undefined;

  const start = () => {
    const controller = new AbortController();
    const { log, lines } = recordingLogger();
    const health = createRoleHealth("compute");
    const done = runComputeRole({ chain: compute, store: computeStore, dataDir, costModel: COST, threads: 1, log, signal: controller.signal, health, pollMs: 100 });
    role = { controller, done, health, lines };
    return role;
  };
  const job = (jobId: bigint) => readJob(consumer, jobId);
  const wonBy = async (jobId: bigint) => {
    // Bounds for a machine that other test files load too (CI runs two at a time).
    await waitFor(`a bid on job ${jobId}`, async () => (await job(jobId)).provider === compute.account.address, { timeoutMs: 180_000, pollMs: 100 });
  };

  before(async () => {
    fixture = await startProtocolFixture();
    consumer = await fixture.connect(ACCOUNT.consumer);
    compute = await fixture.connect(ACCOUNT.compute);
    const consumerStore = await fixture.newStore("consumer");
    const providers = await Promise.all(ACCOUNT.storage.map(async (index) => ({ index, store: await fixture.newStore(`storage-${index}`) })));
    const { datasetId } = await registerMnistDataset({ fixture, owner: ACCOUNT.consumer, ownerStore: consumerStore, providers, images: IMAGES });
    // A long job (8 epochs of 800 images: seconds of training) and a short one, both served by the consumer.
    longSpec = (await storeMnistJob({ store: consumerStore, images: IMAGES, trainImages: 800, testImages: 200, epochs: 8 })).specDigest;
    shortSpec = (await storeMnistJob({ store: consumerStore, images: IMAGES, trainImages: 400, testImages: 100, epochs: 1, seed: 2 })).specDigest;
    const { spec } = defaultRoundJobSpec({ sizes: { train: IMAGES, test: IMAGES }, trainImages: 400, testImages: 100, seed: 2, distributed: { slots: 2, rounds: 1, localSteps: 3 } });
    roundSpec = (await storeJobSpec({ store: consumerStore, spec })).specDigest;
    order = { datasetId, reward: parseEther("10"), minStake: parseEther("100"), biddingPeriod: 30, executionPeriod: 3600, challengeWindow: 60, program: zeroHash };
    await fixture.stake(ACCOUNT.compute, parseEther("500"));
    computeStore = await fixture.newStore("compute");
    await computeStore.dial(consumerStore.multiaddrs()[0]!);
    dataDir = join(fixture.work, "compute");
  });

  after(async () => {
    role?.controller.abort();
    await role?.done;
    await fixture?.close();
  });

  it("bids on a job without a program, or a distributed job, only once a committee's seats can be filled; on a second job while it trains the first", async () => {
    const { health, lines } = start();
    // No validator yet: a challenger could leave a dispute of this job without a committee.
    const unjudgeable = await postJob(consumer, { ...order, specDigest: shortSpec });
    const skipped = () => lines.find((l) => l.jobId === String(unjudgeable) && String(l.msg).startsWith("bid skipped: the job commits no training-VM program"));
    await waitFor(`job ${unjudgeable} skipped`, () => skipped() !== undefined, { timeoutMs: 60_000, pollMs: 100 });
    assert.deepEqual([skipped()!.activeValidators, skipped()!.seats], [0, 9]);
    assert.equal((await job(unjudgeable)).provider, zeroAddress, "no bid");
    // A distributed job's slot updates are a committee's to judge, whatever its order commits.
    const roundJob = await postRoundJob(consumer, {
      datasetId: order.datasetId, specDigest: roundSpec, priceLimit: parseEther("1"), minStake: parseEther("100"), slots: 2, rounds: 1,
      biddingPeriod: 30, roundPeriod: 600, aggregationPeriod: 1800, challengeWindow: 60, continueOnFault: true, aggregation: zeroHash,
    });
    const roundSkipped = () => lines.find((l) => l.jobId === String(roundJob) && String(l.msg).startsWith("round bid skipped: a slot's update is judged by a committee"));
    await waitFor(`round job ${roundJob} skipped`, () => roundSkipped() !== undefined, { timeoutMs: 60_000, pollMs: 100 });
    assert.deepEqual([roundSkipped()!.activeValidators, roundSkipped()!.seats], [0, 9]);
    assert.equal((await consumer.contracts.RoundJobRegistry.read.getRoundJob([roundJob])).bidCount, 0, "no round bid");
    await fixture.joinValidators(ACCOUNT.validators);

    first = await postJob(consumer, { ...order, specDigest: longSpec });
    await wonBy(first);
    await fixture.advance(order.biddingPeriod + 1);
    await consumer.send(() => consumer.contracts.JobRegistry.write.settleAuction([first]));
    const checkpoint1 = checkpointFilePath(join(dataDir, "compute", `job-${first}`), 1);
    await waitFor("job 1 training", () => existsSync(checkpoint1), { timeoutMs: 300_000, pollMs: 50 });
    assert.deepEqual(health.report().tasks.running, [`job-${first}`]);

    const second = await postJob(consumer, { ...order, specDigest: shortSpec });
    await wonBy(second);
    assert.equal((await job(first)).status, JobStatus.Assigned, "the first job is still training when the second one's bid lands");
    assert.deepEqual(health.report().tasks.running, [`job-${first}`]);
    assert.equal(health.report().status, "ok");
  });

  it("stops training within 2 s of an abort; restarted, it rebuilds the task from its data dir and submits once", async () => {
    const stopping = role!;
    const stoppedAt = performance.now();
    stopping.controller.abort();
    await stopping.done;
    assert.ok(performance.now() - stoppedAt < 2_000, `stopped in ${Math.round(performance.now() - stoppedAt)} ms`);
    assert.equal((await job(first)).status, JobStatus.Assigned, "aborted before it finished");
    assert.deepEqual(JSON.parse(readFileSync(join(dataDir, "compute.tasks.json"), "utf8")), [`job-${first}`], "the unfinished task is on disk");

    const { lines } = start();
    await waitFor("job 1's result", async () => (await job(first)).status === JobStatus.Submitted, { timeoutMs: 300_000, pollMs: 250 });
    const resumed = lines.find((line) => line.msg === "training resumed from a checkpoint on disk");
    assert.ok(resumed && Number(resumed.resumedFrom) >= 1, "training went on from the checkpoints on disk");
    const submitted = await consumer.contracts.JobRegistry.getEvents.ResultSubmitted({ jobId: first }, { fromBlock: 0n });
    assert.equal(submitted.length, 1);
    await waitFor("the task's end", () => role!.health.report().tasks.running.length === 0, { timeoutMs: 10_000, pollMs: 50 });
    assert.deepEqual(JSON.parse(readFileSync(join(dataDir, "compute.tasks.json"), "utf8")), []);
  });
});
