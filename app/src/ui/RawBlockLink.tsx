import type { Hex } from "viem";
import { rawDigestCid } from "../../../keepers/src/content/rawDigestCid.ts";
import { useAppConfig } from "../config/appContext.ts";
import { rawBlockUrl } from "./rawBlockUrl.ts";

/**
 * The content a contract stores by its SHA-256 digest (a job spec, a round's global model; for a slot's update, its
 * chunked blob's header, whose root leads to the chunks: docs/distributed-training.md, "Chunked blobs"), linked through
 * the configured gateway by its raw-block CID. `short` shows the CID's ends (tables); the full CID and digest are in the
 * title and the accessible name.
 *
 * @example
 * <RawBlockLink digest={round.aggregateDigest} short />
 */
export function RawBlockLink({ digest, short = false }: { digest: Hex; short?: boolean }) {
  const { ipfsGatewayUrl } = useAppConfig();
  const cid = rawDigestCid(digest).toString();
  return (
    <a href={rawBlockUrl(ipfsGatewayUrl, cid)} className="cid" title={`raw block ${cid}, SHA-256 ${digest}`} aria-label={`raw block ${cid}`} data-digest={digest}>
      {short ? `${cid.slice(0, 9)}…${cid.slice(-6)}` : cid}
    </a>
  );
}
