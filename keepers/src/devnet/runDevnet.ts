import type { Logger } from "pino";
import type { DefaultJobSpecParameters } from "../jobs/defaultJobSpec.ts";
import { JobStatus } from "../jobs/jobOnChain.ts";
import { awaitFullRound, followJob, ingestDataset, jobStatusName, popcount, postDevnetJob } from "./devnetPhases.ts";
import type { DevnetConsole } from "./devnetConsole.ts";
import { buildDevnetReport, type DevnetReport } from "./devnetReport.ts";
import type { KeeperCrash } from "./keeperFleet.ts";
import { launchDevnet, type DevnetRun } from "./launchDevnet.ts";
import { devnetOwnerData, runRoundJobPhase, type DevnetRoundJob, type RoundJobReport } from "./roundJobPhase.ts";
import { dishonestyFlag, type Dishonesty } from "../compute/dishonesty.ts";

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
  /** Before bidding, the compute keeper fetches the model and the images the job reads and computes its training-VM program. */
  biddingPeriod: 30,
  /** The challenger re-executed the default job in ~20 s at load average ~15; a --dishonest run must also challenge within it, so 60 s rather than 45. */
  challengeWindow: 60,
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
  /** Run the compute keeper with `--dishonest <level:n>`. */
  dishonesty?: Dishonesty;
  /** Run a distributed job across this many compute keepers instead of the single-provider job. */
  distributed?: DevnetRoundJob;
  storageKeepers?: number;
  signal?: AbortSignal;
};

/**
 * The README's devnet, start to finish: chain and keepers ({@link launchDevnet}), MNIST ingested
 * and accepted, the first full audit round proved, a LeNet-5 job posted and carried to payout (or, with a dishonest compute
 * keeper, challenged, judged and failed), then the report. With `distributed`, the job is a
 * distributed one across that many compute keepers ({@link runRoundJobPhase}) and so is the report. Every wait is shown on `progress`, and
 * a keeper that crashes is restarted and said so. Returns the running devnet (the caller stops it
 * or keeps it) and the report.
 *
 * @example
 * const { run, report } = await runDevnet({ ...DEVNET_DEFAULTS, log, progress: createDevnetConsole() });
 * await run.stop();
 */
export async function runDevnet(parameters: RunDevnetParameters & { distributed?: undefined }): Promise<{ run: DevnetRun; report: DevnetReport }>;
export async function runDevnet(parameters: RunDevnetParameters): Promise<{ run: DevnetRun; report: DevnetReport | RoundJobReport }>;
export async function runDevnet(parameters: RunDevnetParameters): Promise<{ run: DevnetRun; report: DevnetReport | RoundJobReport }> {
  const { port, directory, log, progress, images, shardSize, trainImages, testImages, epochs, recipe, biddingPeriod, challengeWindow, dishonesty, distributed, storageKeepers, signal } = parameters;
  const start = Date.now();
  const onCrash = ({ name, exit, restart, crashes }: KeeperCrash) =>
    progress.say(restart === undefined ? `${name} exited (${exit}), its ${ordinal(crashes!)} crash within 10 min; not restarted again (see its log)` : `${name} exited (${exit}); restarted (${ordinal(restart)} restart)`);
  const compute = {
    dishonesty,
    poisonSlot: distributed?.dishonestSlot,
    privateData: distributed?.privateData === undefined ? undefined : devnetOwnerData(distributed.privateData.examples, 0),
    dishonestAggregate: distributed?.dishonestAggregator,
  };
  const run = await launchDevnet({ port, directory, log, compute, storageKeepers, signal, progress, onCrash }).catch((error: unknown) => {
    progress.close();
    throw error;
  });
  try {
    const ingestStart = Date.now();
    const ingestWait = progress.wait(`ingesting MNIST${images === undefined ? "" : ` (${images} + ${images} images)`}: packaging, erasure coding, committing; the storage keepers fetch and accept their columns`);
    const { datasetId, manifestCid } = await ingestDataset({ run, images, shardSize, signal });
    const ingested = Date.now();
    ingestWait.done(`dataset ${datasetId} (${manifestCid}) stored and accepted by its ${COLUMNS} holders`);

    const roundWait = progress.wait("first audit round: every holder proves its column (Groth16), verified on-chain", COLUMNS);
    const firstRound = await awaitFullRound({ run, datasetId, signal, onProgress: (proved) => roundWait.update(proved) });
    const firstRoundAt = Date.now();
    roundWait.done(`audit round ${firstRound.round}: all ${popcount(firstRound.audited)} columns proved with Groth16 proofs verified on-chain`);

    // Posted once the round is proved, not during it: in two runs that overlapped them (load average
    // ~30), the compute keeper could not fetch the spec from the consumer within the auction while
    // eleven provers held the cores, and the job failed unbid.
    if (distributed !== undefined) {
      const report = await runRoundJobPhase({ run, datasetId, trainImages, testImages, job: distributed, biddingPeriod, challengeWindow, progress, signal });
      return { run, report };
    }
    const sizes = images === undefined ? { train: 60_000, test: 10_000 } : { train: images, test: images };
    const jobId = await postDevnetJob({ run, datasetId, trainImages, testImages, epochs, recipe: { ...recipe, sizes }, biddingPeriod, challengeWindow, signal });
    progress.say(`job ${jobId} posted: LeNet-5, ${trainImages} training images × ${epochs} epoch(s), accuracy on ${testImages} test images${dishonesty === undefined ? "" : `; the compute keeper's run is wrong at ${dishonestyFlag(dishonesty)}`}`);
    const label = (status: number) =>
      status === JobStatus.Submitted ? `job ${jobId}: result submitted; the challenger re-executes it within the ${challengeWindow} s window` : `job ${jobId}: ${jobStatusName(status)}`;
    const jobWait = progress.wait(label(JobStatus.Bidding));
    const { job, milestones } = await followJob({
      run,
      jobId,
      signal,
      onStatus: (status) => {
        if (status !== JobStatus.Bidding) progress.say(`job ${jobId}: ${jobStatusName(status)}`);
        jobWait.update(0, label(status));
      },
    });
    jobWait.done(`job ${jobId} ended: ${jobStatusName(job.status)}`);
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
