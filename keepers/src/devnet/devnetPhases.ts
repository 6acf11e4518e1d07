import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEther, parseEventLogs } from "viem";
import { connectProtocol } from "../chain/protocolContracts.ts";
import { VeritrainError } from "../errors.ts";
import { defaultJobSpec, type DefaultJobSpecParameters } from "../jobs/defaultJobSpec.ts";
import { JOB_STATUS_NAMES, JobStatus, readJob, type JobOnChain } from "../jobs/jobOnChain.ts";
import { fundDevAccounts, GAME_PLAYER_TOKENS } from "./devAccounts.ts";
import type { KeeperProcess } from "./keeperProcess.ts";
import type { DevnetRoundJob } from "./roundJobPhase.ts";
import { computeRoleFlags, DEVNET_ACCOUNTS, type ComputeKeeperRole, type DevnetRun } from "./launchDevnet.ts";
import { waitFor } from "./waitFor.ts";

/** What {@link ingestDataset} stored. */
export type IngestedDataset = { datasetId: bigint; manifestCid: string };

/** Parameters of {@link ingestDataset}. */
export type IngestDatasetParameters = {
  run: DevnetRun;
  /** First N images of each MNIST split; undefined: all of MNIST (60,000 + 10,000). */
  images?: number;
  /** Bytes per shard. */
  shardSize: number;
  /** Data shards `k` and all shards `n` of a stripe, one column each. @default { k: 8, n: 11 } */
  shards?: { k: number; n: number };
  timeoutMs?: number;
  signal?: AbortSignal;
};

/**
 * Ingest phase: `veritrain dataset add mnist` as the dataset owner (`shards`: 8 + 3 per stripe by default),
 * which packages, commits, registers and serves MNIST until the storage keepers drawn by the VRF
 * have fetched, checked, pinned and accepted every column, then exits.
 *
 * @example
 * const { datasetId } = await ingestDataset({ run, images: 5000, shardSize: 65536 });
 */
export async function ingestDataset({ run, images, shardSize, shards = { k: 8, n: 11 }, timeoutMs = 600_000, signal }: IngestDatasetParameters): Promise<IngestedDataset> {
  const owner = run.fleet.start({
    name: "owner",
    privateKey: run.keyOf(DEVNET_ACCOUNTS.owner),
    // --json: the result line parsed below; --verbose: the keeper's JSON log in its log file.
    args: () => [
      "--json",
      "--verbose",
      "dataset",
      "add",
      "mnist",
      ...(images === undefined ? [] : ["--limit", String(images)]),
      "--shard-size",
      String(shardSize),
      "--k",
      String(shards.k),
      "--n",
      String(shards.n),
      "--payment",
      "110",
      "--term",
      String(24 * 3600),
      "--port",
      String(run.ports.owner),
      // The devnet's only verifier is the development one (version 1).
      "--allow-development-keys",
    ],
  });
  const registered = await waitFor(
    "the dataset's registration",
    () => {
      const line = owner.stdout().find((l) => l.includes('"datasetId"'));
      if (line) return JSON.parse(line) as { datasetId: string; manifestCid: string };
      if (!owner.running()) throw stepFailed("dataset add", owner.logFile);
      return undefined;
    },
    { timeoutMs, signal },
  );
  let code: number | undefined;
  void owner.exited.then((exitCode) => (code = exitCode ?? -1));
  // `dataset add` serves the shards until every column is accepted, then exits 0.
  if ((await waitFor("every column accepted", () => code, { timeoutMs, signal })) !== 0) throw stepFailed("dataset add", owner.logFile);
  return { datasetId: BigInt(registered.datasetId), manifestCid: registered.manifestCid };
}

/** An audit round as its events tell it: the columns audited, those proved, and the block it closed in (if it has). */
export type AuditRound = { round: bigint; audited: bigint; proved: bigint; closedAtBlock?: bigint };

/** Parameters of {@link awaitFullRound}. */
export type AwaitFullRoundParameters = {
  run: DevnetRun;
  datasetId: bigint;
  /** Only rounds after this one count. @default 0 */
  after?: bigint;
  /** Wait for the round to close (its deadline passed and the upkeep closed it), not only for every proof to be accepted. @default false */
  closed?: boolean;
  /** Hears the columns proved so far once the round is open, at each poll. */
  onProgress?: (proved: number, audited: number) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
};

/**
 * First-proof-round phase: waits for the first audit round of `datasetId` (after `after`) that
 * audits every column, until every audited column's proof was accepted on-chain (or, with
 * `closed`, until the round closed), and returns it.
 *
 * @example
 * const round = await awaitFullRound({ run, datasetId });
 * assert(round.proved === round.audited);
 */
export async function awaitFullRound({ run, datasetId, after = 0n, closed = false, onProgress, timeoutMs = 900_000, signal }: AwaitFullRoundParameters): Promise<AuditRound> {
  const { StorageProofs, DatasetRegistry } = run.deployer.contracts;
  const { n } = await DatasetRegistry.read.getDataset([datasetId]);
  const all = (1n << BigInt(n)) - 1n;
  return waitFor(
    `an audit round of dataset ${datasetId} over all ${n} columns to ${closed ? "close" : "be proved"}`,
    async () => {
      const logs = await run.deployer.publicClient.getLogs({ address: StorageProofs.address, fromBlock: 0n });
      const events = parseEventLogs({ abi: StorageProofs.abi, logs, eventName: ["RoundOpened", "ProofAccepted", "RoundClosed"], args: { datasetId } });
      for (const open of events) {
        if (open.eventName !== "RoundOpened" || open.args.round <= after || (open.args.audited & all) !== all) continue;
        const round = open.args.round;
        const close = events.find((e) => e.eventName === "RoundClosed" && e.args.round === round);
        const proved = events.reduce((bits, e) => (e.eventName === "ProofAccepted" && e.args.round === round ? bits | (1n << e.args.column) : bits), 0n);
        onProgress?.(popcount(proved), n);
        if (close || (!closed && proved === all)) return { round, audited: all, proved, closedAtBlock: close?.blockNumber };
      }
      return undefined;
    },
    { timeoutMs, pollMs: 1000, signal },
  );
}

/** Parameters of {@link postDevnetJob}. */
export type PostDevnetJobParameters = {
  run: DevnetRun;
  datasetId: bigint;
  trainImages: number;
  testImages: number;
  epochs: number;
  /** Seconds. */
  biddingPeriod: number;
  /** Seconds. */
  challengeWindow: number;
  /** Training settings beyond images and epochs (the dataset's split sizes among them): the devnet writes the spec and model files and posts them with `--spec`/`--model`. @default `job post`'s own default spec */
  recipe?: Pick<DefaultJobSpecParameters, "sizes" | "batchSize" | "learningRate" | "learningRateDecay" | "checkpointInterval">;
  /** Post a distributed job instead (`job post --providers`): `job post`'s default spec cut into this many slots and rounds. */
  distributed?: Pick<DevnetRoundJob, "providers" | "rounds" | "localSteps" | "privateData">;
  /** Who posts it: its keeper name, development account and port. @default the devnet's consumer */
  consumer?: { name: string; account: number; port: number };
  timeoutMs?: number;
  signal?: AbortSignal;
};

/**
 * Posts the LeNet-5 job with `veritrain job post` as the consumer, dialed to the job keepers so
 * they fetch spec and model from it; the consumer serves them until the job ends (a consumer of the
 * same name still serving an earlier job is waited for: its job must have ended).
 *
 * @example
 * const jobId = await postDevnetJob({ run, datasetId, trainImages: 1000, testImages: 500, epochs: 1, biddingPeriod: 10, challengeWindow: 60 });
 */
export async function postDevnetJob({
  run,
  datasetId,
  trainImages,
  testImages,
  epochs,
  biddingPeriod,
  challengeWindow,
  recipe,
  distributed,
  consumer: poster = { name: "consumer", account: DEVNET_ACCOUNTS.consumer, port: run.ports.consumer },
  timeoutMs = 300_000,
  signal,
}: PostDevnetJobParameters): Promise<bigint> {
  const specFlags = recipe === undefined ? ["--train-images", String(trainImages), "--test-images", String(testImages), "--epochs", String(epochs)] : writeJobFiles(join(run.directory, `${poster.name}-job`), { ...recipe, trainImages, testImages, epochs });
  // Each round: L local steps on a loaded 2-core machine (~10 s), then the challenger's re-execution of every slot within the window.
  // A private-data round's keys are due within a quarter of its period, and the devnet's block time runs ahead of the
  // wall clock under load (a block per transaction besides one a second): 360 s leaves its keepers 90 s.
  const roundPeriod = distributed?.privateData === undefined ? "180" : "360";
  const roundFlags = distributed === undefined
    ? []
    : [
      "--providers", String(distributed.providers), "--rounds", String(distributed.rounds), "--local-steps", String(distributed.localSteps), "--round-period", roundPeriod, "--aggregation-period", "180",
      ...(distributed.privateData === undefined ? [] : ["--private-examples", String(distributed.privateData.examples), "--target-epsilon", distributed.privateData.targetEpsilon]),
    ];
  // A consumer serves its job's spec and model until the job ends, then exits: the one posting before waits for that.
  if (run.fleet.has(poster.name)) await waitFor(`${poster.name}'s previous job to end`, () => !run.fleet.get(poster.name).running(), { timeoutMs: 60_000, signal });
  const consumer = run.fleet.start({
    name: poster.name,
    privateKey: run.keyOf(poster.account),
    args: () => [
      "--json",
      "--verbose",
      "job",
      "post",
      "--dataset",
      datasetId.toString(),
      ...specFlags,
      ...roundFlags,
      "--bidding-period",
      String(biddingPeriod),
      "--challenge-window",
      String(challengeWindow),
      "--port",
      String(poster.port),
      ...run.jobPeers(),
    ],
  });
  const posted = await waitFor(
    "the job's posting",
    () => {
      const line = consumer.stdout().find((l) => l.includes('"jobId"'));
      if (line) return JSON.parse(line) as { jobId: string };
      if (!consumer.running()) throw stepFailed("job post", consumer.logFile);
      return undefined;
    },
    { timeoutMs, signal },
  );
  return BigInt(posted.jobId);
}

/** Parameters of {@link startComputeKeeper}. */
export type StartComputeKeeperParameters = {
  run: DevnetRun;
  /** Its keeper name (a running one of that name is an error). */
  name: string;
  /** Its development account: funded and staked first if it has less than `stake` available. */
  account: number;
  /** Its content store's port (its health endpoint: the same slot 1,000 higher). */
  port: number;
  /** @default 500 tokens */
  stake?: bigint;
} & ComputeKeeperRole;

/**
 * Starts one more compute keeper on the devnet (staked, dialed to the job keepers) and waits
 * until it is healthy: a competing bidder, or a dishonest one.
 *
 * @example
 * await startComputeKeeper({ run, name: "compute-cheat", account: 40, port: run.ports.rpc + 30, dishonesty: { level: "step", at: 7 } });
 */
export async function startComputeKeeper({ run, name, account, port, stake = parseEther("500"), ...role }: StartComputeKeeperParameters): Promise<KeeperProcess> {
  const address = run.addressOf(account);
  const { StakeManager } = run.deployer.contracts;
  if ((await StakeManager.read.stakeOf([address])).available < stake) {
    await fundDevAccounts({ deployer: run.deployer, accounts: [address], tokens: GAME_PLAYER_TOKENS });
    const keeper = await connectProtocol({ rpcUrl: run.devnet.rpcUrl, privateKey: run.keyOf(account), addresses: run.devnet.addresses });
    await keeper.send(() => keeper.contracts.VeritrainToken.write.approve([StakeManager.address, stake]));
    await keeper.send(() => keeper.contracts.StakeManager.write.stake([stake]));
  }
  const healthPort = run.ports.health(port);
  run.addJobKeeper(name, port);
  const compute = run.fleet.start({
    name,
    privateKey: run.keyOf(account),
    args: () => ["compute", "--port", String(port), "--health-port", String(healthPort), ...computeRoleFlags(role), ...run.jobPeers(name)],
    healthUrl: `http://127.0.0.1:${healthPort}/healthz`,
  });
  await compute.waitUntilHealthy();
  return compute;
}

/** Wall-clock milestones of a job, as the devnet observed them (ms since the epoch). */
export type JobMilestones = { posted: number; assigned?: number; submitted?: number; windowClosed?: number; settled?: number };

/**
 * Follows job `jobId` to a terminal status (Finalized, Failed, Cancelled), recording when each
 * status was first seen; `onStatus` hears every change (a fault test's hook).
 *
 * @example
 * const { job, milestones } = await followJob({ run, jobId });
 */
export async function followJob({
  run,
  jobId,
  onStatus,
  timeoutMs = 900_000,
  signal,
}: {
  run: DevnetRun;
  jobId: bigint;
  onStatus?: (status: number, job: JobOnChain) => Promise<void> | void;
  timeoutMs?: number;
  signal?: AbortSignal;
}): Promise<{ job: JobOnChain; milestones: JobMilestones }> {
  const milestones: JobMilestones = { posted: Date.now() };
  let last = -1;
  const job = await waitFor(
    `job ${jobId} to be paid out or failed`,
    async () => {
      const job = await readJob(run.deployer, jobId);
      if (job.status !== last) {
        last = job.status;
        if (job.status === JobStatus.Assigned) milestones.assigned ??= Date.now();
        if (job.status === JobStatus.Submitted || job.status === JobStatus.Disputed) milestones.submitted ??= Date.now();
        await onStatus?.(job.status, job);
      }
      if (job.status === JobStatus.Submitted && milestones.windowClosed === undefined) {
        const { timestamp } = await run.deployer.publicClient.getBlock();
        if (timestamp >= job.deadline) milestones.windowClosed = Date.now();
      }
      const terminal = job.status === JobStatus.Finalized || job.status === JobStatus.Failed || job.status === JobStatus.Cancelled;
      if (terminal) {
        milestones.settled = Date.now();
        milestones.windowClosed ??= milestones.settled;
        return job;
      }
      return undefined;
    },
    { timeoutMs, pollMs: 500, signal },
  );
  return { job, milestones };
}

/** Writes the spec of {@link defaultJobSpec} and its model into `directory`; returns `job post`'s flags naming them. */
function writeJobFiles(directory: string, parameters: DefaultJobSpecParameters): string[] {
  const { spec, modelBytes } = defaultJobSpec(parameters);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, "spec.json"), JSON.stringify(spec));
  writeFileSync(join(directory, "lenet5.onnx"), modelBytes);
  return ["--spec", join(directory, "spec.json"), "--model", join(directory, "lenet5.onnx")];
}

/** The number of 1 bits of a column bitmap. */
export function popcount(bits: bigint): number {
  let count = 0;
  for (let rest = bits; rest > 0n; rest >>= 1n) count += Number(rest & 1n);
  return count;
}

/** A job status's name. */
export const jobStatusName = (status: number) => JOB_STATUS_NAMES[status] ?? String(status);

function stepFailed(step: string, logFile: string) {
  return new VeritrainError(`${step} failed; see ${logFile}`, { code: "DEVNET_STEP_FAILED", details: { step, logFile } });
}
