import { useQuery } from "@tanstack/react-query";
import type { Hex } from "viem";
import { decodeJobSpec, jobSpecBlockCid } from "../../../keepers/src/jobs/jobSpecBlock.ts";
import { checkpointSteps } from "../../../keepers/src/training/checkpointSteps.ts";
import type { JobSpec } from "../../../keepers/src/training/jobSpec.ts";
import { useAppConfig } from "../config/appContext.ts";
import { fetchRawBlock } from "./fetchRawBlock.ts";

/**
 * A job's spec from the IPFS gateway by its on-chain digest (checked against it, then against
 * the spec rules), with the number of checkpoints its result has (what a dispute may name); undefined when
 * the training split keeps some labels only, as its size then depends on the data.
 *
 * @example
 * const { data } = useJobSpec(job.specDigest); // data?.checkpointCount
 */
export function useJobSpec(specDigest: Hex | undefined) {
  const { ipfsGatewayUrl } = useAppConfig();
  return useQuery({
    queryKey: ["jobSpec", specDigest],
    enabled: specDigest !== undefined,
    staleTime: Infinity,
    retry: 1,
    queryFn: async (): Promise<{ spec: JobSpec; checkpointCount: number | undefined }> => {
      const cid = jobSpecBlockCid(specDigest!);
      const bytes = await fetchRawBlock({ gatewayUrl: ipfsGatewayUrl, cid, what: "the job spec", signal: AbortSignal.timeout(15_000) });
      const { spec, config } = decodeJobSpec(bytes, cid);
      const { train } = spec.dataset.splits;
      return { spec, checkpointCount: train.labels === undefined ? checkpointSteps({ trainCount: train.end - train.start, ...config }).steps.length : undefined };
    },
  });
}
