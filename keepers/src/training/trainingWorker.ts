import { parentPort } from "node:worker_threads";
import { MicroBatchRunner, type MicroBatchRunnerParameters, type SplitName } from "./microBatchRunner.ts";
import type { OptimizerConfig, SchedulePosition } from "./optimizer.ts";
import { optimizeRanges } from "./optimizerStep.ts";

/** Messages from the main thread to a training worker. */
export type WorkerRequest =
  | { kind: "init"; id: number; runner: MicroBatchRunnerParameters; optimizer: WorkerOptimizer }
  | { kind: "train"; id: number; microBatches: number[]; step: number; firstPosition: number }
  | { kind: "evaluate"; id: number; split: SplitName; chunks: number[] }
  /** The optimizer on these elements of the step (`optimizeRanges`); `step` counts the optimizer's steps, `position` the job's. */
  | { kind: "optimize"; id: number; ranges: [number, number][]; scale: number; step: number; position: SchedulePosition };

/** The job's optimizer and its state vectors (shared with the main thread). */
export type WorkerOptimizer = { config: OptimizerConfig; state: Float32Array[] };

/** A worker's answer: the request id, and an error message if it failed. */
export type WorkerResponse = { id: number; error?: string };

let runner: MicroBatchRunner | undefined;
let init: Extract<WorkerRequest, { kind: "init" }> | undefined;

parentPort!.on("message", (request: WorkerRequest) => {
  try {
    if (request.kind === "init") {
      init = request;
      runner = new MicroBatchRunner(request.runner);
    } else if (request.kind === "train") {
      runner!.trainMicroBatches(request.microBatches, request.step, request.firstPosition);
    } else if (request.kind === "optimize") {
      const { runner: { buffers, microBatches }, optimizer } = init!;
      const { ranges, scale, step, position } = request;
      optimizeRanges({ ...optimizer, params: buffers.params, gradients: buffers.gradients, microBatches, step, position }, ranges, scale);
    } else {
      for (const c of request.chunks) runner!.evaluateChunk(request.split, c);
    }
    parentPort!.postMessage({ id: request.id } satisfies WorkerResponse);
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: String((error as Error).stack ?? error) } satisfies WorkerResponse);
  }
});
