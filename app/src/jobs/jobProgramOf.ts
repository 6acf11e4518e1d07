import { zeroHash, type Hex } from "viem";
import type { CID } from "multiformats/cid";
import type { Manifest } from "../../../keepers/src/datasets/manifest.ts";
import { specProgram } from "../../../keepers/src/jobs/specProgram.ts";
import type { JobSpec } from "../../../keepers/src/training/jobSpec.ts";
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
 * The training-VM program a job's order commits, computed in the browser as `job post` computes it (`specProgram`),
 * every shard read through the IPFS gateway and checked in the page; `zeroHash` for a spec the training VM cannot
 * run (its disputes go to the committee alone).
 *
 * @example
 * const program = await jobProgramOf({ gatewayUrl, manifest, spec, modelBytes });
 */
export async function jobProgramOf({ gatewayUrl, manifest, spec, modelBytes, signal }: JobProgramOfParameters): Promise<Hex> {
  const gateway = {
    backend: `the IPFS gateway ${gatewayUrl}`,
    get: (cid: CID, options?: { signal?: AbortSignal }) => fetchRawBlock({ gatewayUrl, cid, what: `dataset shard ${cid}`, signal: options?.signal }),
  };
  return (await specProgram({ manifest, source: () => gateway, spec, modelBytes, signal })) ?? zeroHash;
}
