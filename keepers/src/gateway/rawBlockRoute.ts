import { CID } from "multiformats/cid";
import type { ContentStore } from "../content/contentStore.ts";
import { VeritrainError } from "../errors.ts";
import { HttpError, type HttpRoute } from "../runtime/serveHttp.ts";

/** The trustless gateway's media type of one raw block. */
const RAW_BLOCK_TYPE = "application/vnd.ipld.raw";

/** Parameters of {@link rawBlockRoute}. */
export type RawBlockRouteParameters = {
  /** Where blocks are looked for: the gateway's own blocks, then its peers'. */
  store: ContentStore;
  /** How long a block is looked for before the answer is 404. */
  fetchTimeoutMs: number;
  /** Called before looking for a block the gateway does not hold: (re)connects to the peers that may. */
  reachPeers: () => Promise<void>;
};

/**
 * `GET /ipfs/<cid>`: the IPFS trustless gateway's answer for one raw block (`?format=raw` or
 * `Accept: application/vnd.ipld.raw`), whatever the block's codec — a spec, a checkpoint, a result
 * manifest. The bytes come from the store's `get`, which checks they hash to the CID, so a browser
 * needs no trust in this gateway. 400 `GATEWAY_REQUEST_INVALID` for another format, a path inside
 * the block or a malformed CID, 400 `CONTENT_CID_UNSUPPORTED` for a hash other than sha2-256, 404
 * `GATEWAY_BLOCK_NOT_FOUND` when no peer served it within `fetchTimeoutMs`.
 *
 * @example
 * const routes = { "GET /ipfs/*": rawBlockRoute({ store, fetchTimeoutMs: 30_000, reachPeers }) };
 */
export function rawBlockRoute({ store, fetchTimeoutMs, reachPeers }: RawBlockRouteParameters): HttpRoute {
  return async (request) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const format = url.searchParams.get("format") ?? (request.headers.accept?.includes(RAW_BLOCK_TYPE) ? "raw" : undefined);
    if (format !== "raw") {
      throw new HttpError(400, `only raw blocks are served: ask with ?format=raw or Accept: ${RAW_BLOCK_TYPE}, got format ${JSON.stringify(format ?? null)}`, "GATEWAY_REQUEST_INVALID");
    }
    const text = url.pathname.slice("/ipfs/".length);
    let cid: CID;
    try {
      cid = CID.parse(text);
    } catch {
      throw new HttpError(400, `${JSON.stringify(text)} is not a CID (paths inside a block are not served)`, "GATEWAY_REQUEST_INVALID");
    }
    let bytes: Uint8Array;
    try {
      if (!(await store.has(cid))) await reachPeers();
      bytes = await store.get(cid, { signal: AbortSignal.timeout(fetchTimeoutMs) });
    } catch (error) {
      if (!(error instanceof VeritrainError)) throw error;
      if (error.code === "CONTENT_NOT_FOUND") throw new HttpError(404, `block ${cid} was not found on this gateway or its peers within ${fetchTimeoutMs / 1000} s`, "GATEWAY_BLOCK_NOT_FOUND");
      if (error.code === "CONTENT_CID_UNSUPPORTED") throw new HttpError(400, error.message, error.code);
      throw error;
    }
    return {
      status: 200,
      bytes,
      headers: {
        "content-type": RAW_BLOCK_TYPE,
        // A CID names its bytes for ever.
        "cache-control": "public, max-age=29030400, immutable",
        etag: `"${cid}.raw"`,
        "x-content-type-options": "nosniff",
        "x-ipfs-roots": cid.toString(),
      },
    };
  };
}
