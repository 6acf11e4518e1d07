import type { Logger } from "pino";
import { awaitFullRound, followJob, ingestDataset, jobStatusName, postDevnetJob } from "./devnetPhases.ts";
import { buildDevnetReport, type DevnetReport } from "./devnetReport.ts";
import { launchDevnet, type DevnetRun } from "./launchDevnet.ts";

/** The default devnet run (`npm run devnet`, `npm run bench:e2e`): sized to finish within 10 minutes on 2 cores. */
export const DEVNET_DEFAULTS = {
  port: 8545,
  directory: ".devnet",
  /** First 5,000 images of each MNIST split (7.85 MB): keeps the run under 10 minutes on a busy 2-core machine. */
  images: 5_000,
  /** 64 KiB shards: a 512 KiB stripe, so the last stripe's padding stays small. */
  shardSize: 65_536,
  trainImages: 1000,
  testImages: 500,
  epochs: 1,
  biddingPeriod: 10,
  challengeWindow: 60,
} as const;

/** Parameters of {@link runDevnet}. */
export type RunDevnetParameters = {
  /** JSON-RPC port of the chain node on 127.0.0.1 (keepers use the next ~30 ports, their health endpoints the same slots 1,000 higher). */
  port: number;
  /** Working directory (wiped first): keepers' data and `logs/`. */
  directory: string;
  log: Logger;
  /** One short line per phase for a person. */
  say: (line: string) => void;
  /** First N images of each MNIST split; undefined: all of MNIST. */
  images?: number;
  /** Bytes per shard. */
  shardSize: number;
  trainImages: number;
  testImages: number;
  epochs: number;
  /** Seconds. */
  biddingPeriod: number;
  /** Seconds. */
  challengeWindow: number;
  /** Run the compute keeper with `--dishonest <checkpoint>`. */
  dishonestCheckpoint?: number;
  storageKeepers?: number;
  signal?: AbortSignal;
};

/**
 * The README's devnet, start to finish: chain and keepers ({@link launchDevnet}), MNIST ingested
 * and accepted, the first full audit round closed with its proofs, a LeNet-5 job posted and
 * carried to payout (or, with a dishonest compute keeper, challenged, judged and failed), then the
 * report. Returns the running devnet (the caller stops it or keeps it) and the report.
 *
 * @example
 * const { run, report } = await runDevnet({ port: 8545, directory: ".devnet", log, say: console.log, shardSize: 65536, trainImages: 1000, testImages: 500, epochs: 1, biddingPeriod: 10, challengeWindow: 60 });
 * await run.stop();
 */
export async function runDevnet(parameters: RunDevnetParameters): Promise<{ run: DevnetRun; report: DevnetReport }> {
  const { port, directory, log, say, images, shardSize, trainImages, testImages, epochs, biddingPeriod, challengeWindow, dishonestCheckpoint, storageKeepers, signal } = parameters;
  const start = Date.now();
  say(`starting the chain on 127.0.0.1:${port}, deploying, starting the keepers…`);
  const run = await launchDevnet({ port, directory, log, dishonestCheckpoint, storageKeepers, signal });
  try {
    say(`keepers running (${run.fleet.all().length} processes, logs in ${directory}/logs); ingesting MNIST${images === undefined ? "" : ` (${images} + ${images} images)`}…`);
    const ingestStart = Date.now();
    const { datasetId, manifestCid } = await ingestDataset({ run, images, shardSize, signal });
    const ingested = Date.now();
    say(`dataset ${datasetId} (${manifestCid}) stored and accepted by its 11 holders in ${seconds(ingestStart, ingested)} s; waiting for a full audit round…`);
    const firstRound = await awaitFullRound({ run, datasetId, signal });
    const firstRoundAt = Date.now();
    say(`audit round ${firstRound.round}: all ${bits(firstRound.audited)} columns proved with Groth16 proofs verified on-chain (${seconds(ingested, firstRoundAt)} s)`);
    const jobId = await postDevnetJob({ run, datasetId, trainImages, testImages, epochs, biddingPeriod, challengeWindow, signal });
    say(`job ${jobId} posted: LeNet-5, ${trainImages} training images, ${epochs} epoch(s)${dishonestCheckpoint === undefined ? "" : `; the compute keeper is dishonest from checkpoint ${dishonestCheckpoint}`}`);
    const { job, milestones } = await followJob({ run, jobId, signal, onStatus: (status) => say(`job ${jobId}: ${jobStatusName(status)}`) });
    const report = await buildDevnetReport({
      run,
      datasetId,
      jobId,
      job,
      firstRound,
      marks: { start, ingestStart, ingested, firstRound: firstRoundAt, ...milestones },
    });
    return { run, report };
  } catch (error) {
    await run.stop();
    throw error;
  }
}

const seconds = (from: number, to: number) => Math.round((to - from) / 1000);

function bits(value: bigint): number {
  return value.toString(2).replaceAll("0", "").length;
}
