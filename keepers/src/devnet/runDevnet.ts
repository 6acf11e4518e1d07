import type { Logger } from "pino";
import type { DefaultJobSpecParameters } from "../jobs/defaultJobSpec.ts";
import { awaitFullRound, followJob, ingestDataset, jobStatusName, popcount, postDevnetJob } from "./devnetPhases.ts";
import type { ConsoleWait, DevnetConsole } from "./devnetConsole.ts";
import { buildDevnetReport, type DevnetReport } from "./devnetReport.ts";
import type { KeeperCrash } from "./keeperFleet.ts";
import { launchDevnet, type DevnetRun } from "./launchDevnet.ts";

/**
 * The default devnet run (`npm run devnet`, `npm run bench:e2e`): sized to finish within 5 minutes
 * on an idle 2-core machine. The job's recipe was chosen by measuring the training engine on the
 * ingested 5,000 + 5,000 images (docs/devnet.md, "The default job"): 4 epochs over the 4,900
 * training images (the last 100 validate) reach 97.1 % on the first 1,000 test images in ~11 s of
 * CPU; a checkpoint every 25 steps, since hashing a checkpoint every 5 steps cost as much as training.
 */
export const DEVNET_DEFAULTS = {
  port: 8545,
  directory: ".devnet",
  /** First 5,000 images of each MNIST split (7.85 MB). */
  images: 5_000,
  /** 64 KiB shards: a 512 KiB stripe, so the last stripe's padding stays small. */
  shardSize: 65_536,
  trainImages: 4_900,
  testImages: 1_000,
  epochs: 4,
  /** Batch 20, Adam at 0.002 × 0.7 per epoch, a checkpoint every 25 steps. */
  recipe: { batchSize: 20, learningRate: "0.002", learningRateDecay: "0.7", checkpointInterval: 25 },
  /** Hidden behind the first audit round, which runs meanwhile; long enough for the compute keeper to fetch the spec while eleven provers load the machine (a 10 s auction closed before it had, in a run at load average 30). */
  biddingPeriod: 60,
  /** Enough for the challenger to re-execute the default job on an idle machine about three times over. */
  challengeWindow: 45,
} as const;

/** Columns of the devnet's dataset: 8 data + 3 parity shards per stripe (`dataset add`'s default). */
const COLUMNS = 11;

/** Parameters of {@link runDevnet}. */
export type RunDevnetParameters = {
  /** JSON-RPC port of the chain node on 127.0.0.1 (keepers use the next ~30 ports, their health endpoints the same slots 1,000 higher). */
  port: number;
  /** Working directory (wiped first): keepers' data and `logs/`. */
  directory: string;
  /** The devnet's own structured log (a file: the console is for {@link RunDevnetParameters.progress}). */
  log: Logger;
  /** One line per phase, a spinner or bar during each wait. */
  progress: DevnetConsole;
  /** First N images of each MNIST split; undefined: all of MNIST. */
  images?: number;
  /** Bytes per shard. */
  shardSize: number;
  trainImages: number;
  testImages: number;
  epochs: number;
  /** The job's batch size, learning rate and its decay, checkpoint interval. */
  recipe: Pick<DefaultJobSpecParameters, "batchSize" | "learningRate" | "learningRateDecay" | "checkpointInterval">;
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
 * and accepted, then — at once, since the job does not depend on the audit — the first full audit
 * round proved and a LeNet-5 job posted and carried to payout (or, with a dishonest compute
 * keeper, challenged, judged and failed), then the report. Every wait is shown on `progress`, and
 * a keeper that crashes is restarted and said so. Returns the running devnet (the caller stops it
 * or keeps it) and the report.
 *
 * @example
 * const { run, report } = await runDevnet({ ...DEVNET_DEFAULTS, log, progress: createDevnetConsole() });
 * await run.stop();
 */
export async function runDevnet(parameters: RunDevnetParameters): Promise<{ run: DevnetRun; report: DevnetReport }> {
  const { port, directory, log, progress, images, shardSize, trainImages, testImages, epochs, recipe, biddingPeriod, challengeWindow, dishonestCheckpoint, storageKeepers, signal } = parameters;
  const start = Date.now();
  const onCrash = ({ name, exit, restart, crashes }: KeeperCrash) =>
    progress.say(restart === undefined ? `${name} exited (${exit}), its ${ordinal(crashes!)} crash within 10 min; not restarted again (see its log)` : `${name} exited (${exit}); restarted (${ordinal(restart)} restart)`);
  const run = await launchDevnet({ port, directory, log, dishonestCheckpoint, storageKeepers, signal, progress, onCrash });
  // Ends the polling of the other phase if one fails.
  const phases = new AbortController();
  const phaseSignal = signal === undefined ? phases.signal : AbortSignal.any([signal, phases.signal]);
  try {
    const ingestStart = Date.now();
    const ingestWait = progress.wait(`ingesting MNIST${images === undefined ? "" : ` (${images} + ${images} images)`}: packaging, erasure coding, committing; the storage keepers fetch and accept their columns`);
    const { datasetId, manifestCid } = await ingestDataset({ run, images, shardSize, signal });
    const ingested = Date.now();
    ingestWait.done(`dataset ${datasetId} (${manifestCid}) stored and accepted by its ${COLUMNS} holders`);

    const sizes = images === undefined ? { train: 60_000, test: 10_000 } : { train: images, test: images };
    const jobId = await postDevnetJob({ run, datasetId, trainImages, testImages, epochs, recipe: { ...recipe, sizes }, biddingPeriod, challengeWindow, signal });
    progress.say(`job ${jobId} posted: LeNet-5, ${trainImages} training images × ${epochs} epoch(s), accuracy on ${testImages} test images${dishonestCheckpoint === undefined ? "" : `; the compute keeper is dishonest from checkpoint ${dishonestCheckpoint}`}`);

    // The audit round and the job run side by side: one wait shows both until the round is
    // proved, then one shows the job until it ends.
    let status = "Bidding";
    let proved = 0;
    let settled = false;
    const both = () => `first audit round, columns proved · job ${jobId}: ${status}`;
    const alone = () => (status === "Submitted" ? `job ${jobId}: result submitted; the challenger re-executes it within the ${challengeWindow} s window` : `job ${jobId}: ${status}`);
    const roundWait = progress.wait(both(), COLUMNS);
    let jobWait: ConsoleWait | undefined;
    const round = awaitFullRound({
      run,
      datasetId,
      signal: phaseSignal,
      onProgress: (columns) => {
        proved = columns;
        roundWait.update(proved, both());
      },
    }).then((audit) => {
      roundWait.done(`audit round ${audit.round}: all ${popcount(audit.audited)} columns proved with Groth16 proofs verified on-chain`);
      if (!settled) jobWait = progress.wait(alone());
      return { audit, at: Date.now() };
    });
    const followed = followJob({
      run,
      jobId,
      signal: phaseSignal,
      onStatus: (next) => {
        if (jobStatusName(next) === status) return;
        status = jobStatusName(next);
        progress.say(`job ${jobId}: ${status}`);
        if (jobWait) jobWait.update(0, alone());
        else roundWait.update(proved, both());
      },
    }).then((followedJob) => {
      settled = true;
      jobWait?.done(`job ${jobId} ended: ${jobStatusName(followedJob.job.status)}`);
      return followedJob;
    });
    const [{ audit, at: firstRoundAt }, { job, milestones }] = await Promise.all([round, followed]).catch((error: unknown) => {
      phases.abort();
      throw error;
    });
    const report = await buildDevnetReport({
      run,
      datasetId,
      jobId,
      job,
      firstRound: audit,
      marks: { start, ingestStart, ingested, firstRound: firstRoundAt, ...milestones },
    });
    return { run, report };
  } catch (error) {
    progress.close();
    await run.stop();
    throw error;
  }
}

/** 1 → "1st", 2 → "2nd", 11 → "11th". */
function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : ({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th";
  return `${n}${suffix}`;
}
