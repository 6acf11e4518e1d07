import { useQuery } from "@tanstack/react-query";
import type { Hex } from "viem";
import { decodeManifest, manifestBlockCid, manifestCidOf } from "../../../keepers/src/datasets/manifest.ts";
import { mnistSplitSizes } from "../../../keepers/src/datasets/mnistSplitSizes.ts";
import { useAppConfig } from "../config/appContext.ts";
import { fetchRawBlock } from "./fetchRawBlock.ts";

/**
 * Images in a dataset's train and test splits, from its manifest fetched through the IPFS
 * gateway and checked against the digest registered on-chain (what a job's splits must fit).
 *
 * @example
 * const sizes = useDatasetSizes(dataset?.manifestDigest); // sizes.data?.train
 */
export function useDatasetSizes(manifestDigest: Hex | undefined) {
  const { ipfsGatewayUrl } = useAppConfig();
  return useQuery({
    queryKey: ["datasetSizes", manifestDigest],
    enabled: manifestDigest !== undefined,
    staleTime: Infinity,
    retry: 1,
    queryFn: async () => {
      const manifestCid = manifestCidOf(manifestDigest!);
      const bytes = await fetchRawBlock({ gatewayUrl: ipfsGatewayUrl, cid: manifestBlockCid(manifestCid), what: "the dataset's manifest", signal: AbortSignal.timeout(15_000) });
      return mnistSplitSizes(await decodeManifest(bytes, manifestCid));
    },
  });
}
