import { Worker } from "node:worker_threads";
import type { G1 as MclG1, G2 as MclG2, GT as MclGT } from "mcl-wasm";
import { VeritrainError } from "../errors.ts";
import { type Bn254, G1_BYTES, G2_BYTES, GT_BYTES, millerLoopInG2, mclCApi } from "./bn254.ts";

/**
 * Layout of the SharedArrayBuffer between a {@link PairingThread} and its worker
 * (pairingThreadWorker.ts): three Int32 control words, then −A, B and the answer in mcl's memory
 * layout (the same WebAssembly module on both sides, so the bytes mean the same).
 */
export const SHARED = {
  /** Int32 index: number of the latest request; the worker waits on it. */
  request: 0,
  /** Int32 index: number of the latest answered request; the caller waits on it. */
  answer: 1,
  /** Int32 index: {@link STATUS} of the latest answer. */
  status: 2,
  g1: 16,
  g2: 16 + G1_BYTES,
  gt: 16 + G1_BYTES + G2_BYTES,
  bytes: 16 + G1_BYTES + G2_BYTES + GT_BYTES,
} as const;

/** What the worker answers: B in G2 and the Miller value written, B outside G2, or an exception. */
export const STATUS = { inG2: 1, outsideG2: 0, failed: -1 } as const;

/**
 * How long the caller waits for an answer before giving up on the thread and computing here. An
 * answer takes about 2 ms; only a worker that died mid-request (it cannot report that while the
 * caller blocks) comes near this.
 */
const ANSWER_TIMEOUT_MS = 2000;
const PAIRING_THREAD_FAILED = "PAIRING_THREAD_FAILED";

/** Copies an mcl value into the shared buffer at `offset`, through `heap` (room for it in mcl's memory). */
export function writeShared(bn254: Bn254, value: MclG1 | MclG2 | MclGT, bytes: number, heap: number, shared: SharedArrayBuffer, offset: number): void {
  value.copyToMem(heap);
  new Int32Array(shared, offset, bytes / 4).set(mclCApi(bn254).HEAP32.subarray(heap / 4, (heap + bytes) / 4));
}

/** Copies the value at `offset` of the shared buffer into `value`, through `heap`. */
export function readShared(bn254: Bn254, value: MclG1 | MclG2 | MclGT, bytes: number, heap: number, shared: SharedArrayBuffer, offset: number): void {
  mclCApi(bn254).HEAP32.set(new Int32Array(shared, offset, bytes / 4), heap / 4);
  value.copyFromMem(heap);
}

/**
 * A worker thread with its own mcl-wasm instance that computes, for a Groth16 verification, the
 * part that depends on the proof's B alone ({@link millerLoopInG2}: the G2 check of B and the
 * Miller loop of (−A, B), ~1.7 ms) while the calling thread computes vk_x and the Miller loop over
 * the key's γ and δ (~2 ms). Requests and answers go through a SharedArrayBuffer with
 * Atomics.wait/notify, not postMessage, so {@link PairingThread.submit} and the function it
 * returns are synchronous and a handoff costs tens of microseconds, not an event-loop turn. The
 * worker is unref'd (it never keeps a process alive) and blocks in Atomics.wait between requests.
 * If it dies or stops answering, requests are computed on the calling thread from then on.
 *
 * @example
 * const thread = await PairingThread.start();
 * const answer = thread.submit(bn254, negA, b);
 * // … other work on this thread …
 * const miller = answer(); // undefined: b is outside G2
 * await thread.close();
 */
export class PairingThread {
  readonly #worker: Worker;
  readonly #shared: SharedArrayBuffer;
  readonly #control: Int32Array;
  /** Room in the caller's mcl memory for copying values to and from the shared buffer. */
  #heap: number | undefined;
  #requests = 0;
  /** The answer function of the request in flight, if it has not been called. */
  #pending: (() => MclGT | undefined) | undefined;
  #failed = false;

  private constructor(worker: Worker, shared: SharedArrayBuffer) {
    this.#worker = worker;
    this.#shared = shared;
    this.#control = new Int32Array(shared, 0, 4);
    const stopped = () => {
      this.#failed = true;
    };
    worker.on("error", stopped);
    worker.on("exit", stopped);
  }

  /** Starts the worker and waits until its mcl instance is initialised (~0.2 s). */
  static async start(): Promise<PairingThread> {
    const shared = new SharedArrayBuffer(SHARED.bytes);
    const worker = new Worker(new URL("./pairingThreadWorker.ts", import.meta.url), { workerData: { shared } });
    await new Promise<void>((resolve, reject) => {
      const exited = (exitCode: number) =>
        reject(new VeritrainError(`the pairing thread exited (code ${exitCode}) before it was ready`, { code: PAIRING_THREAD_FAILED, details: { exitCode } }));
      worker.once("exit", exited);
      worker.once("error", reject);
      worker.once("message", () => {
        worker.off("exit", exited);
        worker.off("error", reject);
        resolve();
      });
    });
    worker.unref();
    return new PairingThread(worker, shared);
  }

  /** False once the worker has died, been closed or failed to answer. */
  get running(): boolean {
    return !this.#failed;
  }

  /**
   * Hands (−A, B) to the worker and returns at once; the returned function waits for the answer
   * (once; later calls return the same): e'(−A, B) before the final exponentiation, or undefined
   * when B is outside G2. It is computed on this thread instead if the worker is not running or
   * does not answer.
   */
  submit(bn254: Bn254, negA: MclG1, b: MclG2): () => MclGT | undefined {
    // An answer nobody asked for (the caller threw in between) is awaited before the next request.
    this.#pending?.();
    if (this.#failed) return () => millerLoopInG2(bn254, negA, b);
    this.#heap ??= mclCApi(bn254)._malloc(GT_BYTES);
    const heap = this.#heap;
    writeShared(bn254, negA, G1_BYTES, heap, this.#shared, SHARED.g1);
    writeShared(bn254, b, G2_BYTES, heap, this.#shared, SHARED.g2);
    // Request numbers live in an Int32 word: they wrap around, and only need to differ from the last.
    const request = (this.#requests = (this.#requests + 1) | 0);
    Atomics.store(this.#control, SHARED.request, request);
    Atomics.notify(this.#control, SHARED.request);
    let answered: { miller: MclGT | undefined } | undefined;
    const answer = (): MclGT | undefined => {
      answered ??= this.#answer(bn254, request, heap) ?? { miller: millerLoopInG2(bn254, negA, b) };
      if (this.#pending === answer) this.#pending = undefined;
      return answered.miller;
    };
    this.#pending = answer;
    return answer;
  }

  /** Stops the worker; later requests are computed on the calling thread. */
  async close(): Promise<void> {
    this.#failed = true;
    await this.#worker.terminate();
  }

  /**
   * Blocks until the worker has answered `request` and reads the answer: `{ miller }`, with
   * `miller` undefined when B is outside G2; undefined (and the thread given up) when the worker
   * is not running, failed or did not answer in time.
   */
  #answer(bn254: Bn254, request: number, heap: number): { miller: MclGT | undefined } | undefined {
    if (this.#failed) return undefined;
    const deadline = performance.now() + ANSWER_TIMEOUT_MS;
    for (let answered = Atomics.load(this.#control, SHARED.answer); answered !== request; answered = Atomics.load(this.#control, SHARED.answer)) {
      const left = deadline - performance.now();
      if (left <= 0) {
        this.#fail();
        return undefined;
      }
      Atomics.wait(this.#control, SHARED.answer, answered, left);
    }
    const status = Atomics.load(this.#control, SHARED.status);
    if (status === STATUS.outsideG2) return { miller: undefined };
    if (status !== STATUS.inG2) {
      this.#fail();
      return undefined;
    }
    const miller = new bn254.GT();
    readShared(bn254, miller, GT_BYTES, heap, this.#shared, SHARED.gt);
    return { miller };
  }

  #fail(): void {
    this.#failed = true;
    void this.#worker.terminate();
  }
}
