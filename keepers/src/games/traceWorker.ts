import { Worker } from "node:worker_threads";
import type { Hex } from "viem";
import { VeritrainError } from "../errors.ts";
import type { GameTrace } from "../trainingVm/gameMoves.ts";
import type { VmPosition } from "../trainingVm/trainingVm.ts";
import type { VmTraceParameters } from "../trainingVm/vmTrace.ts";

/** The id of the answer a trace worker (traceWorkerThread.ts) sends once, when its trace is built or failed to be. */
export const BUILT = 0;

/** A call of one of the GameTrace methods of a trace worker's trace. */
export type TraceRequest = { [M in keyof GameTrace]: { id: number; method: M; args: Parameters<GameTrace[M]> } }[keyof GameTrace];

/**
 * A trace worker's answer to request `id`: its value, or the error thrown (an Error survives the structured clone
 * with its message and stack, but not a VeritrainError's `code` and `details`, sent beside it).
 */
export type TraceReply = { id: number; value: unknown } | { id: number; error: Error; code?: string; details?: Readonly<Record<string, unknown>> };

/** An error the trace threw that has no code of its own (a step before its first, say). */
const TRACE_FAILED = "TRACE_FAILED";
/** The worker thread died: an uncaught error, running out of memory, or an exit. */
const TRACE_WORKER_FAILED = "TRACE_WORKER_FAILED";

/**
 * A {@link GameTrace} computed in a worker thread (traceWorkerThread.ts) that hosts one VmTrace: the states and
 * witnesses of a dispute game's moves take seconds to compute (whole training steps in the scalar VM, Merkle trees),
 * and a keeper's event loop must go on answering meanwhile (its libp2p peers, `/healthz`). An error the trace throws
 * rejects that call, with its message and its code (`TRACE_FAILED` if it has none); when the worker dies
 * (`TRACE_WORKER_FAILED`) or is closed (`TRACE_WORKER_CLOSED`) every pending and later call rejects.
 *
 * @example
 * const trace = await TraceWorker.start(stepTraceParameters({ job, step, checkpoint }));
 * try {
 *   await playGame({ chain, gameId, trace, log, signal });
 * } finally {
 *   await trace.close();
 * }
 */
export class TraceWorker implements GameTrace {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #built: Promise<unknown>;
  #requests = BUILT;
  /** Why every call fails from now on, once the worker is closed or dead. */
  #stopped: VeritrainError | undefined;

  private constructor(parameters: VmTraceParameters) {
    // workerData is a structured clone: the trace's byte arrays are copied, the caller's stay usable.
    this.#worker = new Worker(new URL("./traceWorkerThread.ts", import.meta.url), { workerData: parameters });
    this.#built = this.#answer(BUILT);
    this.#worker.on("message", (reply: TraceReply) => this.#settle(reply));
    this.#worker.on("error", (error) => this.#stop(new VeritrainError(`the trace worker crashed: ${error.message}`, { code: TRACE_WORKER_FAILED, cause: error })));
    this.#worker.on("exit", (exitCode) => this.#stop(new VeritrainError(`the trace worker exited (code ${exitCode})`, { code: TRACE_WORKER_FAILED, details: { exitCode } })));
  }

  /**
   * Starts a worker thread and waits until it has built the trace of `parameters` (its first step's program and
   * data root).
   *
   * @throws VeritrainError with the code of the error that building the trace threw (e.g. `VM_UNSUPPORTED`), or
   *   `TRACE_FAILED`; `TRACE_WORKER_FAILED` if the worker died.
   */
  static async start(parameters: VmTraceParameters): Promise<TraceWorker> {
    const trace = new TraceWorker(parameters);
    try {
      await trace.#built;
    } catch (error) {
      await trace.close();
      throw error;
    }
    return trace;
  }

  /** VmTrace's `stateAt`: the state commitment at step `step`'s start, or at `position` inside it. */
  stateAt(step: number, position?: VmPosition): Promise<Hex> {
    return this.#call("stateAt", [step, position]);
  }

  /** VmTrace's `stepWitness`: the pre-state and the `step` witness of instruction `position` of step `step`. */
  stepWitness(step: number, position: VmPosition): Promise<{ preState: Hex; witness: Hex }> {
    return this.#call("stepWitness", [step, position]);
  }

  /** The trace program's `unitWitness`: what a descent into level `level` (at `operator`) posts. */
  unitWitness(level: 1 | 2, operator?: number): Promise<Hex> {
    return this.#call("unitWitness", [level, operator]);
  }

  /** Stops the worker, even in the middle of a computation; pending and later calls reject with `TRACE_WORKER_CLOSED`. */
  async close(): Promise<void> {
    this.#stop(new VeritrainError("the trace worker is closed", { code: "TRACE_WORKER_CLOSED" }));
    await this.#worker.terminate();
  }

  #call<M extends TraceRequest["method"]>(method: M, args: Parameters<GameTrace[M]>): ReturnType<GameTrace[M]> {
    const id = ++this.#requests;
    const answer = this.#answer(id);
    if (this.#stopped === undefined) this.#worker.postMessage({ id, method, args } as TraceRequest);
    return answer as ReturnType<GameTrace[M]>;
  }

  #answer(id: number): Promise<unknown> {
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped);
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  #settle(reply: TraceReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if ("error" in reply) pending.reject(new VeritrainError(reply.error.message, { code: reply.code ?? TRACE_FAILED, details: reply.details, cause: reply.error }));
    else pending.resolve(reply.value);
  }

  /** Fails the pending calls and every later one with `reason` (the first reason given: a close's exit is no crash). */
  #stop(reason: VeritrainError): void {
    this.#stopped ??= reason;
    for (const { reject } of this.#pending.values()) reject(this.#stopped);
    this.#pending.clear();
  }
}
