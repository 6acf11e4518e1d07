import { useQuery } from "@tanstack/react-query";
import type { Hex } from "viem";
import { decodeManifest, manifestBlockCid, manifestCidOf } from "../../../keepers/src/datasets/manifest.ts";
import { mnistSplitSizes } from "../../../keepers/src/datasets/mnistSplitSizes.ts";
import { useAppConfig } from "../config/appContext.ts";
import { fetchRawBlock } from "./fetchRawBlock.ts";

/**
 * A dataset's manifest, fetched through the IPFS gateway and checked against the digest registered on-chain, and
 * the images in its train and test splits (what a job's splits must fit).
 *
 * @example
 * const dataset = useDatasetManifest(dataset?.manifestDigest); // dataset.data?.sizes.train
 */
export function useDatasetManifest(manifestDigest: Hex | undefined) {
  const { ipfsGatewayUrl } = useAppConfig();
  return useQuery({
    queryKey: ["datasetManifest", manifestDigest],
    enabled: manifestDigest !== undefined,
    staleTime: Infinity,
    retry: 1,
    queryFn: async () => {
      const manifestCid = manifestCidOf(manifestDigest!);
      const bytes = await fetchRawBlock({ gatewayUrl: ipfsGatewayUrl, cid: manifestBlockCid(manifestCid), what: "the dataset's manifest", signal: AbortSignal.timeout(15_000) });
      const manifest = await decodeManifest(bytes, manifestCid);
      return { manifest, sizes: mnistSplitSizes(manifest) };
    },
  });
}
