import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { seededRandom } from "../keepers/erasure/seededRandom.ts";

/**
 * The faults a {@link FaultyRpcProxy} injects, each in addition to the others. A request hit by
 * one is counted in {@link FaultCounters}.
 */
export type Faults = {
  /**
   * The upstream is gone: `"refuse"` resets every connection at once (what a stopped node looks
   * like), `"blackhole"` accepts requests and never answers (a hung node: clients time out).
   */
  outage?: "refuse" | "blackhole";
  /** Share of requests whose connection is reset before they are forwarded (0–1). */
  resetRate?: number;
  /** Share of requests forwarded (the node acts on them) whose answer is lost: the connection is reset instead (0–1). */
  dropRate?: number;
  /** Added before each request is forwarded. */
  delayMs?: number;
  /** Only requests for these JSON-RPC methods are faulted (default: all). */
  methods?: readonly string[];
};

/** Requests seen and faults injected since the proxy started. */
export type FaultCounters = { requests: number; forwarded: number; refused: number; blackholed: number; reset: number; dropped: number; delayed: number };

/** A fault-injecting JSON-RPC proxy on 127.0.0.1. */
export type FaultyRpcProxy = {
  url: string;
  /** Replaces the faults (`{}`: a clean pass-through). */
  setFaults(faults: Faults): void;
  counters(): FaultCounters;
  close(): Promise<void>;
};

/** Parameters of {@link startFaultyRpcProxy}. */
export type FaultyRpcProxyParameters = {
  /** The JSON-RPC endpoint requests are forwarded to (a `hardhat node`, or {@link startLocalChain}'s). */
  upstream: string;
  /** Faults from the start. @default {} */
  faults?: Faults;
  /** Seeds the draws of `resetRate` and `dropRate`, so a chaos run can be replayed. @default 1 */
  seed?: number;
};

/**
 * A test harness (never product code): an HTTP JSON-RPC proxy on 127.0.0.1 in front of a chain
 * node that injects outages, connection resets, lost answers and delays on demand, and counts
 * them — to show that a keeper survives its RPC failing and catches up without repeating or
 * skipping an action.
 *
 * @example
 * const proxy = await startFaultyRpcProxy({ upstream: chain.rpcUrl });
 * proxy.setFaults({ outage: "refuse" }); // … longer than viem's retries …
 * proxy.setFaults({});
 * await proxy.close();
 */
export async function startFaultyRpcProxy({ upstream, faults: initial = {}, seed = 1 }: FaultyRpcProxyParameters): Promise<FaultyRpcProxy> {
  let faults = initial;
  const random = seededRandom(seed);
  const chance = (rate = 0) => rate > 0 && random.int(1_000_000) < rate * 1_000_000;
  const counters: FaultCounters = { requests: 0, forwarded: 0, refused: 0, blackholed: 0, reset: 0, dropped: 0, delayed: 0 };
  const sockets = new Set<Socket>();

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    counters.requests++;
    const current = faults;
    if (current.methods !== undefined && !current.methods.includes(methodOf(body))) return forward(body, response);
    if (current.outage === "refuse") return void (counters.refused++, request.socket.destroy());
    if (current.outage === "blackhole") return void counters.blackholed++;
    if (chance(current.resetRate)) return void (counters.reset++, request.socket.destroy());
    if (current.delayMs) {
      counters.delayed++;
      await sleep(current.delayMs);
    }
    if (chance(current.dropRate)) {
      await fetchUpstream(body).catch(() => undefined);
      counters.dropped++;
      return void request.socket.destroy();
    }
    return forward(body, response);
  };
  const fetchUpstream = (body: string) => fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body }).then(async (r) => ({ status: r.status, text: await r.text() }));
  const forward = async (body: string, response: ServerResponse) => {
    const answer = await fetchUpstream(body).catch(() => undefined);
    // An upstream that is really down looks the same to the client as a refused connection.
    if (answer === undefined) return void response.socket?.destroy();
    counters.forwarded++;
    response.writeHead(answer.status, { "content-type": "application/json" });
    response.end(answer.text);
  };

  const server = createServer((request, response) => void handle(request, response).catch(() => request.socket.destroy()));
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setFaults: (next) => void (faults = next),
    counters: () => ({ ...counters }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** The JSON-RPC method of a request body (the first of a batch); "" if it has none. */
function methodOf(body: string): string {
  try {
    const parsed = JSON.parse(body);
    return String((Array.isArray(parsed) ? parsed[0] : parsed)?.method ?? "");
  } catch {
    return "";
  }
}
