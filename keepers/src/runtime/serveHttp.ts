import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { VeritrainError } from "../errors.ts";
import type { RoleHealth } from "./roleHealth.ts";

/** A route's answer: an HTTP status and a JSON body, or bytes with their own headers (a content type at least). */
export type HttpReply = { status: number; body: unknown } | { status: number; bytes: Uint8Array; headers: Record<string, string> };

/** Answers one request (its body is still to be read). Throw {@link HttpError} to refuse it. */
export type HttpRoute = (request: IncomingMessage) => Promise<HttpReply> | HttpReply;

/** Parameters of {@link serveHttp}. */
export type ServeHttpParameters = {
  /** TCP port on 127.0.0.1 (0: any free port). */
  port: number;
  /** Served at `GET /healthz`: 200 while `ok` or `degraded`, 503 otherwise. */
  health: RoleHealth;
  /**
   * Other routes, by `"METHOD /path"` (query strings ignored), or `"METHOD /prefix/*"` for every
   * path under the prefix; an exact route wins, then the longest prefix.
   */
  routes?: Record<string, HttpRoute>;
  /** Let any web page call it: `Access-Control-Allow-Origin: *` on every answer, and `OPTIONS` preflights answered 204. @default false */
  cors?: boolean;
  log: Logger;
};

/** A listening server: `http://127.0.0.1:<port>`. */
export type HttpServer = { url: string; close(): Promise<void> };

/** A preflight's answer: any method the routes take, any request header, cached for a day. */
const PREFLIGHT_HEADERS = {
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "*",
  "access-control-max-age": "86400",
};

/** Refuses a request with `status` and the JSON body `{ error: message, code }`. */
export class HttpError extends VeritrainError {
  override name = "HttpError";
  readonly status: number;
  constructor(status: number, message: string, code: string) {
    super(message, { code, details: { status } });
    this.status = status;
  }
}

/**
 * The keepers' HTTP server: JSON over HTTP on 127.0.0.1 only (a keeper's endpoints are for its
 * operator and its devnet, never the network), with `GET /healthz` on every server. A route that
 * throws an {@link HttpError} answers its status; anything else is logged and answered 500
 * `INTERNAL`. A route may answer bytes instead of JSON (the gateway's blocks and files). With
 * `cors`, browsers of any origin may call it (the gateway keeper, for the web app). `close()`
 * also ends idle keep-alive connections, so it returns promptly.
 *
 * @example
 * const server = await serveHttp({ port: 0, health, log, routes: { "POST /verdicts": (request) => accept(request), "GET /ipfs/*": (request) => block(request) } });
 * await fetch(`${server.url}/healthz`);
 * await server.close();
 */
export async function serveHttp({ port, health, routes = {}, cors = false, log }: ServeHttpParameters): Promise<HttpServer> {
  // Longest first, so the first prefix that matches is the most specific.
  const prefixes = Object.keys(routes)
    .filter((route) => route.endsWith("/*"))
    .sort((a, b) => b.length - a.length);
  const answer = async (request: IncomingMessage): Promise<HttpReply> => {
    const route = `${request.method} ${(request.url ?? "/").split("?")[0]}`;
    if (route === "GET /healthz") {
      const report = health.report();
      return { status: report.status === "ok" || report.status === "degraded" ? 200 : 503, body: report };
    }
    if (cors && request.method === "OPTIONS") return { status: 204, bytes: new Uint8Array(), headers: PREFLIGHT_HEADERS };
    const prefix = prefixes.find((key) => route.startsWith(key.slice(0, -1)));
    const handle = routes[route] ?? (prefix === undefined ? undefined : routes[prefix]);
    if (handle === undefined) throw new HttpError(404, `no route ${route}; routes: GET /healthz, ${Object.keys(routes).join(", ")}`, "NOT_FOUND");
    return handle(request);
  };
  const corsHeaders: Record<string, string> = cors ? { "access-control-allow-origin": "*" } : {};
  const server = createServer((request, response) => {
    void answer(request)
      .catch((error: unknown): HttpReply => {
        if (error instanceof HttpError) return { status: error.status, body: { error: error.message, code: error.code } };
        log.error({ err: error, method: request.method, url: request.url }, "http request failed");
        return { status: 500, body: { error: error instanceof Error ? error.message : String(error), code: error instanceof VeritrainError ? error.code : "INTERNAL" } };
      })
      .then((reply) => {
        if ("bytes" in reply) {
          response.writeHead(reply.status, { ...corsHeaders, ...reply.headers, "content-length": String(reply.bytes.byteLength) });
          response.end(reply.bytes);
        } else {
          response.writeHead(reply.status, { ...corsHeaders, "content-type": "application/json" });
          response.end(JSON.stringify(reply.body));
        }
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) =>
      reject(new VeritrainError(`cannot listen on 127.0.0.1:${port}: ${error.message}`, { code: "HTTP_LISTEN_FAILED", details: { port }, cause: error })),
    );
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
