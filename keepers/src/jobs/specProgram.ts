import type { Hex } from "viem";
import type { ShardSource } from "../datasets/fetchStripe.ts";
import type { Manifest } from "../datasets/manifest.ts";
import { readMnistSplits } from "../datasets/mnistSources.ts";
import type { JobSpec } from "../training/jobSpec.ts";
import { prepareJob } from "../training/preparedJob.ts";
import { programOf } from "../trainingVm/jobProgram.ts";

/** Parameters of {@link specProgram}. */
export type SpecProgramParameters = {
  /** The dataset's manifest, checked against its on-chain digest. */
  manifest: Manifest;
  /** Where each column's shards are read from. */
  source: ShardSource;
  spec: JobSpec;
  modelBytes: Uint8Array;
  signal?: AbortSignal;
};

/**
 * The training-VM program hash a job's order commits (docs/dispute-game.md §5), as a poster computes it before
 * posting — `job post` and the web app alike: from the spec, the model and the dataset's images the spec's splits
 * read (only the data shards they live in, each checked against the manifest). `undefined` for a spec the training
 * VM cannot run: its disputes are the committee's alone. A compute provider computes it again the same way before
 * it bids; the hash is `jobProgram`'s of the prepared job, whatever else of the dataset is fetched.
 *
 * @throws VeritrainError `DATASET_NOT_MNIST`, `SHARDS_UNAVAILABLE`, or the spec's and model's own errors.
 * @example
 * const program = (await specProgram({ manifest, source, spec, modelBytes })) ?? zeroHash;
 */
export async function specProgram({ manifest, source, spec, modelBytes, signal }: SpecProgramParameters): Promise<Hex | undefined> {
  const ranges = Object.values(spec.dataset.splits);
  const end = (name: "train" | "test") => Math.max(0, ...ranges.filter((range) => range.source === name).map((range) => range.end));
  const sources = await readMnistSplits({ manifest, source, counts: { train: end("train"), test: end("test") }, signal });
  return programOf(prepareJob({ spec, modelBytes, sources }))?.hash;
}
