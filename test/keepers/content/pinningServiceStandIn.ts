/**
 * A PROTOCOL STAND-IN for an IPFS Pinning Service, not a pinning service: an in-memory HTTP
 * server on 127.0.0.1 implementing the endpoints of the Pinning Service API spec the content
 * store uses: `POST /pins` (Pin → 202 PinStatus), `GET /pins?cid=&status=` (PinResults,
 * default status filter `pinned`), `DELETE /pins/{requestid}` (202), with bearer-token auth
 * (401 `{error: {reason, details}}`). It fetches nothing: a new pin is `queued` and reads as
 * `pinned` afterwards, as if the service had fetched the block from the pin's `origins`. So it
 * proves the client speaks the API as specified, not that a real service pins anything.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type StandInPin = {
  requestid: string;
  status: "queued" | "pinning" | "pinned" | "failed";
  created: string;
  pin: { cid: string; name?: string; origins?: string[] };
  delegates: string[];
};

export type PinningServiceStandIn = {
  /** Endpoint URL to give the client, e.g. `http://127.0.0.1:40123/psa`. */
  endpointUrl: string;
  /** Pin requests by requestid. */
  pins: Map<string, StandInPin>;
  /** The Authorization header of every request, in order. */
  authorizations: Array<string | undefined>;
  close(): Promise<void>;
};

/** A syntactically valid delegate the spec requires in every PinStatus; nothing listens there. */
const DELEGATE = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWEPCPSHGgj6cA2Su1ckrzha6R6A5rdeJ6mArQB4fU8SLj";

/**
 * Starts the stand-in on an ephemeral loopback port, accepting only `token`.
 *
 * @example
 * const service = await startPinningServiceStandIn({ token: "secret" });
 * after(() => service.close());
 */
export async function startPinningServiceStandIn({ token }: { token: string }): Promise<PinningServiceStandIn> {
  const pins = new Map<string, StandInPin>();
  const authorizations: Array<string | undefined> = [];
  const server = createServer((request, response) => {
    authorizations.push(request.headers.authorization);
    if (request.headers.authorization !== `Bearer ${token}`) {
      return sendJson(response, 401, { error: { reason: "UNAUTHORIZED", details: "access token missing or invalid" } });
    }
    handle(request, response, pins).catch((error: unknown) =>
      sendJson(response, 500, { error: { reason: "INTERNAL_SERVER_ERROR", details: String(error) } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpointUrl: `http://127.0.0.1:${port}/psa`,
    pins,
    authorizations,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, pins: Map<string, StandInPin>): Promise<void> {
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  const requestid = url.pathname.match(/^\/psa\/pins\/([^/]+)$/)?.[1];
  if (url.pathname === "/psa/pins" && request.method === "POST") {
    const pin = JSON.parse(await body(request)) as StandInPin["pin"];
    if (typeof pin.cid !== "string") return sendJson(response, 400, { error: { reason: "BAD_REQUEST", details: "cid is required" } });
    const status: StandInPin = { requestid: randomUUID(), status: "queued", created: new Date().toISOString(), pin, delegates: [DELEGATE] };
    pins.set(status.requestid, status);
    sendJson(response, 202, status);
    // The next read sees it pinned, as if the service had fetched the block from `origins`.
    status.status = "pinned";
    return;
  }
  if (url.pathname === "/psa/pins" && request.method === "GET") {
    const cids = url.searchParams.get("cid")?.split(",");
    const statuses = (url.searchParams.get("status") ?? "pinned").split(",");
    const results = [...pins.values()].filter((p) => (cids === undefined || cids.includes(p.pin.cid)) && statuses.includes(p.status));
    return sendJson(response, 200, { count: results.length, results });
  }
  if (requestid !== undefined && request.method === "DELETE") {
    if (!pins.delete(requestid)) return sendJson(response, 404, { error: { reason: "NOT_FOUND", details: `no pin request ${requestid}` } });
    response.writeHead(202).end();
    return;
  }
  sendJson(response, 404, { error: { reason: "NOT_FOUND", details: `${request.method} ${url.pathname}` } });
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(response: ServerResponse, status: number, payload: unknown): void {
  response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(payload));
}
