import type { CID } from "multiformats/cid";

/**
 * A raw block's address on a trustless gateway (`GET /ipfs/<cid>?format=raw`), whether or not the
 * configured base ends with a slash: what the app fetches and what its CID links open.
 *
 * @example
 * rawBlockUrl("http://127.0.0.1:9601/", cid); // "http://127.0.0.1:9601/ipfs/bafkrei…?format=raw"
 */
export function rawBlockUrl(gatewayUrl: string, cid: CID | string): string {
  return `${gatewayUrl.replace(/\/$/, "")}/ipfs/${cid}?format=raw`;
}
