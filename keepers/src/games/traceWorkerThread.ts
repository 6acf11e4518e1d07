/**
 * Worker thread of TraceWorker (traceWorker.ts): builds one VmTrace from `workerData` (its VmTraceParameters) and
 * answers request `BUILT` when it is built, then each request `{ id, method, args }` with the value of that
 * GameTrace method, or with the error it threw. The trace computes synchronously, so requests are answered one at
 * a time, in order.
 */
import { parentPort, workerData } from "node:worker_threads";
import { VeritrainError } from "../errors.ts";
import { inThreadTrace, type GameTrace } from "../trainingVm/gameMoves.ts";
import { VmTrace, type VmTraceParameters } from "../trainingVm/vmTrace.ts";
import { BUILT, type TraceReply, type TraceRequest } from "./traceWorker.ts";

const port = parentPort!;

/** Answers request `id` with what `compute` returns, or with what it (or the value's clone) throws. */
async function answer(id: number, compute: () => unknown): Promise<void> {
  try {
    port.postMessage({ id, value: await compute() } satisfies TraceReply);
  } catch (error) {
    const veritrain = error instanceof VeritrainError ? { code: error.code, details: error.details } : {};
    port.postMessage({ id, error: error instanceof Error ? error : new Error(String(error)), ...veritrain } satisfies TraceReply);
  }
}

let trace: GameTrace | undefined;
await answer(BUILT, () => {
  trace = inThreadTrace(new VmTrace(workerData as VmTraceParameters));
});
// Requests come only after a successful build: the owner terminates a worker whose build failed.
port.on("message", ({ id, method, args }: TraceRequest) => answer(id, () => (trace![method] as (...args: unknown[]) => Promise<unknown>)(...args)));
