import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { startFaultyRpcProxy, type FaultCounters, type Faults, type FaultyRpcProxyParameters } from "./faultyRpcProxy.ts";

/** A {@link startFaultyRpcProxy} proxy on its own thread: the same faults, asked for by message. */
export type FaultyRpcProxyThread = {
  url: string;
  setFaults(faults: Faults): Promise<void>;
  counters(): Promise<FaultCounters>;
  close(): Promise<void>;
};

type Request = { id: number } & ({ op: "setFaults"; faults: Faults } | { op: "counters" } | { op: "close" });
type Reply = { id: number; counters?: FaultCounters };

/**
 * A test harness (never product code): starts a fault-injecting JSON-RPC proxy in a worker
 * thread, so it keeps answering while the test's own thread is busy (e.g. training a reference
 * run synchronously). Keepers in other processes see exactly the faults the test sets.
 *
 * @example
 * const proxy = await startFaultyRpcProxyThread({ upstream: "http://127.0.0.1:8545" });
 * await proxy.setFaults({ outage: "refuse" });
 * await proxy.close();
 */
export async function startFaultyRpcProxyThread(parameters: FaultyRpcProxyParameters): Promise<FaultyRpcProxyThread> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { faultyRpcProxy: parameters } });
  const pending = new Map<number, (reply: Reply) => void>();
  let next = 0;
  const url = await new Promise<string>((resolve, reject) => {
    worker.once("error", reject);
    worker.once("message", (message: { url: string }) => resolve(message.url));
  });
  worker.on("message", (reply: Reply) => {
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  const ask = (request: Omit<Request, "id"> & Partial<Request>) =>
    new Promise<Reply>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      worker.postMessage({ ...request, id });
    });
  return {
    url,
    setFaults: async (faults) => void (await ask({ op: "setFaults", faults })),
    counters: async () => (await ask({ op: "counters" })).counters!,
    async close() {
      await ask({ op: "close" });
      await worker.terminate();
    },
  };
}

if (!isMainThread && workerData?.faultyRpcProxy) {
  const proxy = await startFaultyRpcProxy(workerData.faultyRpcProxy as FaultyRpcProxyParameters);
  parentPort!.on("message", async (request: Request) => {
    if (request.op === "setFaults") proxy.setFaults(request.faults);
    if (request.op === "close") await proxy.close();
    parentPort!.postMessage({ id: request.id, counters: request.op === "counters" ? proxy.counters() : undefined } satisfies Reply);
  });
  parentPort!.postMessage({ url: proxy.url });
}
