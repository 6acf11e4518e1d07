import type { CID } from "multiformats/cid";
import { verifyBlock } from "../../../keepers/src/content/contentStore.ts";
import { rawBlockUrl } from "../ui/rawBlockUrl.ts";

/** Parameters of {@link fetchRawBlock}. */
export type FetchRawBlockParameters = {
  /** Trustless gateway base (the config's `ipfsGatewayUrl`). */
  gatewayUrl: string;
  cid: CID;
  /** What the block is, for messages ("the job spec"). */
  what: string;
  signal?: AbortSignal;
};

/**
 * A raw block from the trustless gateway (`GET /ipfs/<cid>?format=raw`), checked in the browser
 * to hash to its CID (`verifyBlock`): the gateway cannot substitute bytes.
 *
 * @example
 * const spec = await fetchRawBlock({ gatewayUrl: config.ipfsGatewayUrl, cid: jobSpecBlockCid(job.specDigest), what: "the job spec" });
 */
export async function fetchRawBlock({ gatewayUrl, cid, what, signal }: FetchRawBlockParameters): Promise<Uint8Array> {
  const url = rawBlockUrl(gatewayUrl, cid);
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: "application/vnd.ipld.raw" }, ...(signal === undefined ? {} : { signal }) });
  } catch (cause) {
    throw new Error(`Could not fetch ${what} (${cid}): the IPFS gateway at ${gatewayUrl} did not answer.`, { cause });
  }
  if (!response.ok) throw new Error(`Could not fetch ${what} (${cid}): the IPFS gateway answered ${response.status}.`);
  return verifyBlock({ cid, bytes: new Uint8Array(await response.arrayBuffer()), source: `the gateway ${gatewayUrl}` });
}
