import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import type { Logger } from "pino";
import { parseEther, zeroHash, type Hex } from "viem";
import { runAutomationRole } from "../../../keepers/src/automation/automationRole.ts";
import { connectProtocol, type ProtocolConnection } from "../../../keepers/src/chain/protocolContracts.ts";
import { runComputeRole } from "../../../keepers/src/compute/computeRole.ts";
import type { HeliaContentStore } from "../../../keepers/src/content/heliaContentStore.ts";
import type { PackagedDataset } from "../../../keepers/src/datasets/packageDataset.ts";
import { waitFor } from "../../../keepers/src/devnet/waitFor.ts";
import { postJob, type JobOrder } from "../../../keepers/src/jobs/jobOnChain.ts";
import { createRoleHealth, type RoleHealth } from "../../../keepers/src/runtime/roleHealth.ts";
import { startFaultyRpcProxy, type FaultyRpcProxy } from "../../harness/faultyRpcProxy.ts";
import { registerMnistDataset, startProtocolFixture, storeMnistJob, type ProtocolFixture } from "../../harness/protocolFixture.ts";
import { recordingLogger } from "../../harness/recordingLogger.ts";

const ACCOUNT = { consumer: 1, storage: [2, 3], compute: 4, automation: 5, validators: [10, 11, 12, 13, 14, 15, 16, 17, 18] };
const IMAGES = 100;
/** Longer than viem's own retries (5 from 250 ms, doubling: ~8 s), so only the keepers' loop can bridge it. */
const OUTAGE_MS = 15_000;
/** DatasetStatus.Active in IDatasetRegistry: its columns are placed. */
const DATASET_ACTIVE = 2;

type RunningRole = { controller: AbortController; done: Promise<void>; settled: () => boolean; health: RoleHealth; lines: Record<string, unknown>[]; dataDir: string };

describe("keeper roles through an RPC outage longer than viem's retries", { timeout: 600_000 }, () => {
  let fixture: ProtocolFixture;
  let proxy: FaultyRpcProxy;
  let consumer: ProtocolConnection;
  let consumerStore: HeliaContentStore;
  let providers: { index: number; store: HeliaContentStore }[];
  let packaged: PackagedDataset;
  let order: Omit<JobOrder, "specDigest">;
  let specDigest: Hex;
  let compute: RunningRole;
  let automation: RunningRole;

  /** Runs a role until the test aborts it, keeping whether it ended on its own. */
  const run = (name: string, role: (p: { log: Logger; signal: AbortSignal; health: RoleHealth; dataDir: string }) => Promise<void>): RunningRole => {
    const controller = new AbortController();
    const { log, lines } = recordingLogger();
    const health = createRoleHealth(name);
    const dataDir = join(fixture.work, name);
    let settled = false;
    const done = role({ log, signal: controller.signal, health, dataDir }).finally(() => (settled = true));
    return { controller, done, settled: () => settled, health, lines, dataDir };
  };
  /** Whether the compute keeper's bid leads job `jobId`. */
  const bidOn = async (jobId: bigint) => (await consumer.contracts.JobRegistry.read.getJob([jobId])).provider === (await fixture.connect(ACCOUNT.compute)).account.address;

  before(async () => {
    fixture = await startProtocolFixture();
    consumer = await fixture.connect(ACCOUNT.consumer);
    consumerStore = await fixture.newStore("consumer");
    providers = await Promise.all(ACCOUNT.storage.map(async (index) => ({ index, store: await fixture.newStore(`storage-${index}`) })));
    const registered = await registerMnistDataset({ fixture, owner: ACCOUNT.consumer, ownerStore: consumerStore, providers, images: IMAGES });
    packaged = registered.packaged;
    specDigest = (await storeMnistJob({ store: consumerStore, images: IMAGES, trainImages: 50, testImages: 20, epochs: 1 })).specDigest;
    // Long auctions: the test only counts bids, nobody settles.
    order = { datasetId: registered.datasetId, reward: parseEther("10"), minStake: parseEther("100"), biddingPeriod: 3600, executionPeriod: 3600, challengeWindow: 60, program: zeroHash };
    await fixture.stake(ACCOUNT.compute, parseEther("1000"));
    // A committee's nine seats filled: the compute keeper bids on a job without a program only then.
    await fixture.joinValidators(ACCOUNT.validators);
    await fixture.connect(ACCOUNT.automation);

    // Both keepers reach the chain only through the proxy.
    proxy = await startFaultyRpcProxy({ upstream: fixture.chain.rpcUrl });
    const viaProxy = (index: number) => connectProtocol({ rpcUrl: proxy.url, privateKey: fixture.keyOf(index), addresses: fixture.chain.addresses });
    const computeChain = await viaProxy(ACCOUNT.compute);
    const automationChain = await viaProxy(ACCOUNT.automation);
    const computeStore = await fixture.newStore("compute");
    await computeStore.dial(consumerStore.multiaddrs()[0]!);
    const costModel = { imagesPerSecond: 1000, pricePerCpuSecond: parseEther("0.001"), marginBps: 2000, baseFee: parseEther("0.1") };
    compute = run("compute", (p) => runComputeRole({ chain: computeChain, store: computeStore, costModel, threads: 1, pollMs: 100, ...p }));
    automation = run("automation", (p) => runAutomationRole({ chain: automationChain, vrfMock: fixture.chain.addresses.VRFCoordinatorV2_5Mock, pollMs: 200, ...p }));
  });

  after(async () => {
    for (const role of [compute, automation]) role?.controller.abort();
    await Promise.allSettled([compute?.done, automation?.done]);
    await proxy?.close();
    await fixture?.close();
  });

  it("keeps running while the RPC refuses every connection, then handles every event of the outage exactly once", async () => {
    const before = await postJob(consumer, { ...order, specDigest });
    await waitFor("the bid on the job posted before the outage", () => bidOn(before), { timeoutMs: 60_000, pollMs: 100 });

    proxy.setFaults({ outage: "refuse" });
    const during = [await postJob(consumer, { ...order, specDigest }), await postJob(consumer, { ...order, specDigest })];
    const { datasetId } = await registerMnistDataset({ fixture, owner: ACCOUNT.consumer, ownerStore: consumerStore, providers, images: IMAGES, packaged, place: false });
    const [placement] = await consumer.contracts.DatasetRegistry.getEvents.PlacementRequested({ datasetId }, { fromBlock: 0n });
    await sleep(OUTAGE_MS);
    for (const role of [compute, automation]) {
      assert.equal(role.settled(), false, `the ${role.health.role} role is still running`);
      // Each notices at its next chain request (later on a loaded machine): bounded, while the outage lasts.
      await waitFor(`the ${role.health.role} role to report the outage at /healthz`, () => role.health.report().status === "unreachable", { timeoutMs: 30_000, pollMs: 100 });
    }
    for (const jobId of during) assert.equal(await bidOn(jobId), false, "nothing reached the chain during the outage");

    proxy.setFaults({});
    for (const jobId of during) await waitFor(`the bid on job ${jobId}, posted during the outage`, () => bidOn(jobId), { timeoutMs: 120_000, pollMs: 250 });
    await waitFor("the placement requested during the outage", async () => (await consumer.contracts.DatasetRegistry.read.getDataset([datasetId])).status === DATASET_ACTIVE, { timeoutMs: 120_000, pollMs: 250 });
    for (const role of [compute, automation]) await waitFor(`the ${role.health.role} role ok again`, () => role.health.report().status === "ok", { timeoutMs: 30_000, pollMs: 100 });

    // Exactly once: one bid per job, one VRF answer per request, no failed transaction, nothing dead-lettered.
    const bids = await consumer.contracts.JobRegistry.getEvents.BidPlaced({}, { fromBlock: 0n });
    for (const jobId of [before, ...during]) assert.equal(bids.filter((bid) => bid.args.jobId === jobId).length, 1, `one bid on job ${jobId}`);
    const bidLines = compute.lines.filter((line) => line.msg === "bid placed");
    assert.deepEqual(bidLines.map((line) => line.jobId), [before, ...during].map(String));
    const answers = automation.lines.filter((line) => line.msg === "VRF request answered");
    assert.deepEqual(answers.filter((line) => line.requestId === placement!.args.requestId!.toString()).length, 1, "the placement's VRF request answered once");
    assert.equal(new Set(answers.map((line) => line.requestId)).size, answers.length, "no VRF request answered twice");
    for (const role of [compute, automation]) {
      assert.ok(!existsSync(join(role.dataDir, `${role.health.role}.dead-letters.jsonl`)), `the ${role.health.role} role gave nothing up`);
      assert.equal(role.settled(), false);
    }
    assert.ok(proxy.counters().refused > 0, "the proxy refused the keepers' requests");
    assert.ok(compute.lines.some((line) => line.msg === "chain unreachable; retrying"), "the compute role said why it paused");
  });
});
