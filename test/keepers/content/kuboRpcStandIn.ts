/**
 * A PROTOCOL STAND-IN for Kubo, not Kubo: an in-memory HTTP server on 127.0.0.1 that answers
 * the few Kubo RPC endpoints the Kubo content store calls, with the request and response
 * shapes of Kubo's RPC reference (POST only; `arg` query parameters; multipart upload for
 * `block/put`; JSON `{Key, Size}`, `{Pins: [...]}`, ndjson `{Cid, Type}` for streamed `pin/ls`;
 * errors as HTTP 500 `{Message, Code, Type: "error"}`). Like an online Kubo, `block/get` and
 * `pin/add` of an unknown block wait (Kubo would search the network) unless `offline=true`.
 * It exists because no Kubo daemon can run on this machine; it proves the client side speaks
 * the protocol as documented, not that a real Kubo accepts it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CID } from "multiformats/cid";
import { rawBlockCid } from "../../../keepers/src/content/contentStore.ts";

export type KuboRpcStandIn = {
  /** Base URL to give the Kubo client, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Stored blocks by CID string. Tests may overwrite a value to serve corrupted bytes. */
  blocks: Map<string, Uint8Array>;
  /** Recursively pinned CIDs. */
  pins: Set<string>;
  /** Every request's path and query, in order, for assertions on what the client sent. */
  requests: URL[];
  close(): Promise<void>;
};

/**
 * Starts the stand-in on an ephemeral loopback port.
 *
 * @example
 * const kubo = await startKuboRpcStandIn();
 * const store = createKuboContentStore({ url: kubo.url });
 * after(() => kubo.close());
 */
export async function startKuboRpcStandIn(): Promise<KuboRpcStandIn> {
  const blocks = new Map<string, Uint8Array>();
  const pins = new Set<string>();
  const requests: URL[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    requests.push(url);
    handle({ request, response, url, blocks, pins }).catch((error: unknown) => sendError(response, String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    blocks,
    pins,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type HandleParameters = {
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  blocks: Map<string, Uint8Array>;
  pins: Set<string>;
};

async function handle({ request, response, url, blocks, pins }: HandleParameters): Promise<void> {
  if (request.method !== "POST") {
    response.writeHead(405).end("405 - Method Not Allowed");
    return;
  }
  const arg = url.searchParams.get("arg");
  const offline = url.searchParams.get("offline") === "true";
  const cid = arg === null ? undefined : CID.parse(arg).toString();
  switch (url.pathname) {
    case "/api/v0/block/put": {
      const codec = url.searchParams.get("cid-codec") ?? url.searchParams.get("format") ?? "raw";
      const mhtype = url.searchParams.get("mhtype") ?? "sha2-256";
      if (codec !== "raw" || mhtype !== "sha2-256") return sendError(response, `stand-in supports only raw/sha2-256, got ${codec}/${mhtype}`);
      const bytes = await uploadedFile(request);
      const key = (await rawBlockCid(bytes)).toString();
      blocks.set(key, bytes);
      return sendJson(response, { Key: key, Size: bytes.byteLength });
    }
    case "/api/v0/block/get": {
      const bytes = await blockOrWait({ cid, blocks, offline, request, response });
      if (bytes !== undefined) response.writeHead(200, { "Content-Type": "text/plain" }).end(bytes);
      return;
    }
    case "/api/v0/block/stat": {
      const bytes = await blockOrWait({ cid, blocks, offline, request, response });
      if (bytes !== undefined) sendJson(response, { Key: cid, Size: bytes.byteLength });
      return;
    }
    case "/api/v0/block/rm": {
      if (cid === undefined) return sendError(response, 'argument "cid" is required');
      // Kubo refuses to remove a pinned block; with force, a block it does not hold is no error.
      if (pins.has(cid)) return sendJson(response, { Hash: cid, Error: "pinned: direct" });
      if (!blocks.delete(cid) && url.searchParams.get("force") !== "true") return sendJson(response, { Hash: cid, Error: "ipld: could not find " + cid });
      return sendJson(response, { Hash: cid });
    }
    case "/api/v0/pin/add": {
      if ((await blockOrWait({ cid, blocks, offline, request, response })) === undefined) return;
      pins.add(cid!);
      return sendJson(response, { Pins: [cid] });
    }
    case "/api/v0/pin/rm": {
      if (cid === undefined || !pins.delete(cid)) return sendError(response, "not pinned or pinned indirectly");
      return sendJson(response, { Pins: [cid] });
    }
    case "/api/v0/pin/ls": {
      if (cid === undefined || !pins.has(cid)) return sendError(response, `path '${arg}' is not pinned`);
      return sendJson(response, { Cid: cid, Type: "recursive" });
    }
    default:
      response.writeHead(404, { "Content-Type": "text/plain" }).end("404 page not found");
  }
}

type BlockOrWaitParameters = {
  cid: string | undefined;
  blocks: Map<string, Uint8Array>;
  offline: boolean;
  request: IncomingMessage;
  response: ServerResponse;
};

/** The block, or: an offline-mode error, or (online) no answer until the client gives up. */
async function blockOrWait({ cid, blocks, offline, request, response }: BlockOrWaitParameters): Promise<Uint8Array | undefined> {
  if (cid === undefined) {
    sendError(response, 'argument "cid" is required');
    return undefined;
  }
  const bytes = blocks.get(cid);
  if (bytes !== undefined) return bytes;
  if (offline) {
    sendError(response, `block was not found locally (offline): ipld: could not find ${cid}`);
    return undefined;
  }
  await new Promise<void>((resolve) => request.socket.once("close", () => resolve()));
  return undefined;
}

async function uploadedFile(request: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  // The fetch API's own multipart parser, so the stand-in does not hand-roll one.
  const form = await new Response(Buffer.concat(chunks), { headers: { "Content-Type": request.headers["content-type"] ?? "" } }).formData();
  const file = [...form.values()][0];
  if (!(file instanceof Blob)) throw new Error("block/put needs one file part");
  return new Uint8Array(await file.arrayBuffer());
}

function sendJson(response: ServerResponse, body: unknown): void {
  response.writeHead(200, { "Content-Type": "application/json" }).end(`${JSON.stringify(body)}\n`);
}

function sendError(response: ServerResponse, message: string): void {
  if (response.headersSent) return;
  response.writeHead(500, { "Content-Type": "application/json" }).end(JSON.stringify({ Message: message, Code: 0, Type: "error" }));
}
