import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import { MAX_BLOCK_BYTES, type ContentStore } from "../content/contentStore.ts";
import { HttpError, type HttpRoute } from "../runtime/serveHttp.ts";

/** Room for the multipart framing around a block of {@link MAX_BLOCK_BYTES}. */
const MULTIPART_OVERHEAD_BYTES = 16 * 1024;

/** Parameters of {@link blockPutRoute}. */
export type BlockPutRouteParameters = {
  /** Where the block is stored and pinned. */
  store: ContentStore;
  log: Logger;
};

/**
 * `POST /api/v0/block/put`: Kubo's RPC call, as `kubo-rpc-client`'s `block.put` sends it — the
 * block as the one file part of a multipart/form-data body — answered as Kubo does,
 * `{"Key": "<cid>", "Size": <bytes>}`. Only what the protocol stores is accepted: `cid-codec`
 * (or the older `format`) raw and `mhtype` sha2-256, Kubo's defaults (400
 * `GATEWAY_BLOCK_FORMAT_UNSUPPORTED` otherwise), at most {@link MAX_BLOCK_BYTES} (413
 * `GATEWAY_BLOCK_TOO_LARGE`). The block is pinned, so the gateway serves it to the compute
 * providers until it is unpinned.
 *
 * @example
 * const routes = { "POST /api/v0/block/put": blockPutRoute({ store, log }) };
 * // kubo-rpc-client: await create({ url: gatewayUrl }).block.put(bytes, { format: "raw", mhtype: "sha2-256", version: 1 });
 */
export function blockPutRoute({ store, log }: BlockPutRouteParameters): HttpRoute {
  return async (request) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const codec = url.searchParams.get("cid-codec") ?? url.searchParams.get("format") ?? "raw";
    const hash = url.searchParams.get("mhtype") ?? "sha2-256";
    if (codec !== "raw" || hash !== "sha2-256") {
      throw new HttpError(400, `only raw blocks hashed with sha2-256 are stored, got cid-codec ${codec} and mhtype ${hash}`, "GATEWAY_BLOCK_FORMAT_UNSUPPORTED");
    }
    const bytes = await uploadedBlock(request);
    const cid = await store.put(bytes);
    await store.pin(cid);
    log.info({ cid: cid.toString(), size: bytes.byteLength }, "block stored");
    return { status: 200, body: { Key: cid.toString(), Size: bytes.byteLength } };
  };
}

/** The file part of a multipart/form-data body, read no further than one block and its framing. */
async function uploadedBlock(request: IncomingMessage): Promise<Uint8Array> {
  const type = request.headers["content-type"] ?? "";
  if (!type.startsWith("multipart/form-data")) throw new HttpError(400, `block/put takes a multipart/form-data body, got ${JSON.stringify(type)}`, "GATEWAY_REQUEST_INVALID");
  const tooLarge = () => new HttpError(413, `a block holds at most ${MAX_BLOCK_BYTES} bytes`, "GATEWAY_BLOCK_TOO_LARGE");
  const limit = MAX_BLOCK_BYTES + MULTIPART_OVERHEAD_BYTES;
  if (Number(request.headers["content-length"] ?? 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    length += (chunk as Buffer).byteLength;
    if (length > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  let form: FormData;
  try {
    // The fetch API's own multipart parser.
    form = await new Response(Buffer.concat(chunks), { headers: { "content-type": type } }).formData();
  } catch {
    throw new HttpError(400, "block/put's body is not valid multipart/form-data", "GATEWAY_REQUEST_INVALID");
  }
  const files = [...form.values()].filter((value): value is File => value instanceof Blob);
  if (files.length !== 1) throw new HttpError(400, `block/put takes one file part, got ${files.length}`, "GATEWAY_REQUEST_INVALID");
  if (files[0]!.size > MAX_BLOCK_BYTES) throw tooLarge();
  return new Uint8Array(await files[0]!.arrayBuffer());
}
