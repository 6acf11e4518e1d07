import { zeroHash, type Hex } from "viem";
import { readMnistSplits } from "../../../keepers/src/datasets/mnistSources.ts";
import type { Manifest } from "../../../keepers/src/datasets/manifest.ts";
import type { JobSpec } from "../../../keepers/src/training/jobSpec.ts";
import { prepareJob } from "../../../keepers/src/training/preparedJob.ts";
import { programOf } from "../../../keepers/src/trainingVm/jobProgram.ts";
import { fetchRawBlock } from "./fetchRawBlock.ts";

/** Parameters of {@link jobProgramOf}. */
export type JobProgramOfParameters = {
  /** Trustless gateway base (the config's `ipfsGatewayUrl`). */
  gatewayUrl: string;
  /** The dataset's manifest, checked against its on-chain digest. */
  manifest: Manifest;
  spec: JobSpec;
  modelBytes: Uint8Array;
  signal?: AbortSignal;
};

/**
 * The training-VM program a job's order commits (docs/dispute-game.md §5), computed in the browser as `job post`
 * computes it: from the spec, the model and the dataset's images the spec's splits read, fetched through the IPFS
 * gateway (only the data shards they live in, each checked against the manifest). `zeroHash` for a spec the
 * training VM cannot run: its disputes go to the committee alone.
 *
 * @example
 * const program = await jobProgramOf({ gatewayUrl, manifest, spec, modelBytes });
 */
export async function jobProgramOf({ gatewayUrl, manifest, spec, modelBytes, signal }: JobProgramOfParameters): Promise<Hex> {
  const ranges = Object.values(spec.dataset.splits);
  const end = (source: "train" | "test") => Math.max(0, ...ranges.filter((range) => range.source === source).map((range) => range.end));
  const gateway = {
    backend: `the IPFS gateway ${gatewayUrl}`,
    get: (cid: Parameters<typeof fetchRawBlock>[0]["cid"], options?: { signal?: AbortSignal }) => fetchRawBlock({ gatewayUrl, cid, what: `dataset shard ${cid}`, signal: options?.signal }),
  };
  const sources = await readMnistSplits({ manifest, source: () => gateway, counts: { train: end("train"), test: end("test") }, signal });
  return programOf(prepareJob({ spec, modelBytes, sources }))?.hash ?? zeroHash;
}
