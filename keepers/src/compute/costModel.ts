import type { RoundJobSpec } from "../rounds/roundJobSpec.ts";
import type { JobSpec } from "../training/jobSpec.ts";

/** A compute provider's prices and speed (all token amounts in wei). */
export type CostModel = {
  /** Training throughput of this machine, images per second (measured with `npm run bench:train`, or configured). */
  imagesPerSecond: number;
  /** Price of one CPU-second, in wei. */
  pricePerCpuSecond: bigint;
  /** Margin on the compute cost, in basis points (1,000 = 10 %). */
  marginBps: number;
  /** Fixed part of every bid (gas of bid and submitResult, publishing), in wei. */
  baseFee: bigint;
};

/** The estimate behind a bid. */
export type JobQuote = {
  /** Images the job's steps read plus one pass over the test split (the metric). */
  images: number;
  cpuSeconds: number;
  /** ceil(cpuSeconds · pricePerCpuSecond · (1 + margin)) + baseFee. */
  price: bigint;
};

/**
 * What a job costs this provider, from its spec alone: training reads
 * epochs · ⌊train / batch⌋ · batch images; the metric one pass over the test split,
 * counted like training images (an over-estimate: a forward pass is cheaper than a step). A split that keeps some
 * labels only is counted at its range's size, an upper bound: its size depends on the data, not on the spec.
 * cpuSeconds = ⌈images / imagesPerSecond⌉; price = ⌈cpuSeconds · pricePerCpuSecond · (10,000 + marginBps) / 10,000⌉ + baseFee.
 *
 * @example
 * const { price } = quoteJob(spec, { imagesPerSecond: 1000, pricePerCpuSecond: 10n ** 15n, marginBps: 2000, baseFee: 10n ** 17n });
 */
export function quoteJob(spec: JobSpec, model: CostModel): JobQuote {
  const { train, test } = spec.dataset.splits;
  const trainCount = train.end - train.start;
  const trainingImages = spec.epochs * Math.floor(trainCount / spec.batchSize) * spec.batchSize;
  return quoteImages(trainingImages + (test.end - test.start), model);
}

/**
 * What one round of a slot of a round job costs this provider (bids are per slot per round):
 * localSteps · batch images, priced as {@link quoteJob} prices images.
 *
 * @example
 * const { price } = quoteRoundSlot(spec, costModel);
 */
export function quoteRoundSlot(spec: RoundJobSpec, model: CostModel): JobQuote {
  return quoteImages(spec.distributed.localSteps * spec.batchSize, model);
}

function quoteImages(images: number, model: CostModel): JobQuote {
  const cpuSeconds = Math.ceil(images / model.imagesPerSecond);
  const scaled = BigInt(cpuSeconds) * model.pricePerCpuSecond * BigInt(10_000 + model.marginBps);
  const price = (scaled + 9_999n) / 10_000n + model.baseFee;
  return { images, cpuSeconds, price };
}
