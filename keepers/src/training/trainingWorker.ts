import { parentPort } from "node:worker_threads";
import { MicroBatchRunner, type MicroBatchRunnerParameters, type SplitName } from "./microBatchRunner.ts";

/** Messages from the main thread to a training worker. */
export type WorkerRequest =
  | { kind: "init"; id: number; runner: MicroBatchRunnerParameters }
  | { kind: "train"; id: number; microBatches: number[]; step: number; firstPosition: number }
  | { kind: "evaluate"; id: number; split: SplitName; chunks: number[] };

/** A worker's answer: the request id, and an error message if it failed. */
export type WorkerResponse = { id: number; error?: string };

let runner: MicroBatchRunner | undefined;

parentPort!.on("message", (request: WorkerRequest) => {
  try {
    if (request.kind === "init") {
      runner = new MicroBatchRunner(request.runner);
    } else if (request.kind === "train") {
      for (const m of request.microBatches) runner!.trainMicroBatch(m, request.step, request.firstPosition);
    } else {
      for (const c of request.chunks) runner!.evaluateChunk(request.split, c);
    }
    parentPort!.postMessage({ id: request.id } satisfies WorkerResponse);
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: String((error as Error).stack ?? error) } satisfies WorkerResponse);
  }
});
