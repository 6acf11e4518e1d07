import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { VeritrainError } from "../errors.ts";
import { throwIfAborted } from "../runtime/throwIfAborted.ts";
import { poissonBatch, PrivateGradient } from "../privacy/dpSgd.ts";
import { dataOrder } from "./dataOrder.ts";
import type { StepConfig } from "./jobSpec.ts";
import {
  EVALUATION_CHUNK,
  MicroBatchRunner,
  type MicroBatchRunnerParameters,
  type SharedTrainingBuffers,
  type SplitName,
} from "./microBatchRunner.ts";
import type { ImageSet } from "./mnist.ts";
import type { ModelDefinition } from "./modelDefinition.ts";
import { optimizerStateVectors } from "./optimizer.ts";
import { optimizeRanges, prepareOptimizerStep, splitRanges, type ApplyOptimizerStepParameters } from "./optimizerStep.ts";
import { dataCursor, type TrainingState } from "./trainingState.ts";
import type { WorkerRequest, WorkerResponse } from "./trainingWorker.ts";

/** Parameters of {@link Trainer.create}. */
export type TrainerParameters = {
  model: ModelDefinition;
  config: StepConfig;
  sets: Record<SplitName, ImageSet>;
  /** Where to start; copied, never modified. */
  state: TrainingState;
  /** Compute threads: the main thread plus threads − 1 workers. Never changes results. */
  threads: number;
  /**
   * The step at which `state.optimizerState` was last zeroed (default 0): Adam's bias correction
   * counts the steps since then, so a state restarted mid-run (a distributed round) is corrected
   * as a fresh one.
   */
  optimizerStart?: number;
  /** A private job's noise seed (docs/training.md §6a): it draws the Poisson batches and the noise. Required with `config.privacy`. */
  noiseSeed?: bigint;
  /**
   * With `config.privacy`: called with each step's grid sum (the clipped examples summed, integers in units of Δ, before
   * the noise; a view the next step overwrites) — what a data owner opens to a committee (docs/distributed-training.md,
   * "Noise-seed openings"). Never changes a bit.
   */
  onGridSum?: (step: number, sum: Float64Array) => void;
};

/** Mean loss and accuracy over some examples. */
export type Metrics = { loss: number; accuracy: number; examples: number };

function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * length));
}

/**
 * Runs a job's optimizer steps with data-parallel threads. Each batch of B examples is cut into
 * the job's M micro-batches of B/M consecutive batch positions; micro-batch m runs on thread
 * m mod T; then the optimizer reduces the M gradients in micro-batch order, element by element, each
 * thread a run of the elements. Thread count therefore never changes a bit.
 *
 * @example
 * const trainer = await Trainer.create({ model, config, sets, state, threads: 2 });
 * await trainer.runSteps(100);
 * const snapshot = trainer.snapshot();
 * await trainer.close();
 */
export class Trainer {
  readonly stepsPerEpoch: number;
  private readonly config: StepConfig;
  private readonly tensors: ModelDefinition["parameters"];
  private readonly sets: Record<SplitName, ImageSet>;
  private readonly buffers: SharedTrainingBuffers;
  private readonly optimizerState: Float32Array[];
  private readonly runnerParameters: MicroBatchRunnerParameters;
  private readonly runner: MicroBatchRunner;
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextRequestId = 0;
  private step: number;
  private readonly optimizerStart: number;
  private order: { epoch: number; example: (position: number) => number } | undefined;
  /** A private job's seed and step gradient, and the vector it writes for the optimizer. */
  private readonly privacy: { seed: bigint; gradient: PrivateGradient; reduced: Float32Array; onGridSum: TrainerParameters["onGridSum"] } | undefined;

  private constructor(p: TrainerParameters) {
    const { model, config, sets, state } = p;
    this.config = config;
    // A qLoRA model's frozen tensors (offsets past the trainable vector) take no optimizer step.
    this.tensors = model.parameters.filter((tensor) => tensor.offset < model.parameterCount);
    this.sets = sets;
    this.stepsPerEpoch = Math.floor(sets.train.count / config.batchSize);
    const size = model.parameterCount;
    if (state.params.length !== size) {
      throw new VeritrainError(`state has ${state.params.length} parameters, model has ${size}`, { code: "PARAMETER_COUNT_MISMATCH" });
    }
    if (state.optimizerState.length !== optimizerStateVectors(config.optimizer)) {
      throw new VeritrainError(`state has ${state.optimizerState.length} optimizer vectors, ${config.optimizer.type} needs ${optimizerStateVectors(config.optimizer)}`, {
        code: "CHECKPOINT_INVALID",
      });
    }
    const maxChunks = Math.ceil(Math.max(sets.train.count, sets.validation.count, sets.test.count) / EVALUATION_CHUNK);
    this.buffers = {
      params: sharedFloat32(size),
      gradients: sharedFloat32(size * config.microBatches),
      batchIndices: new Int32Array(new SharedArrayBuffer(4 * config.batchSize)),
      trainStats: new Float64Array(new SharedArrayBuffer(16 * config.microBatches)),
      evaluationStats: new Float64Array(new SharedArrayBuffer(16 * maxChunks)),
    };
    this.buffers.params.set(state.params);
    this.optimizerState = state.optimizerState.map((vector) => {
      const shared = sharedFloat32(vector.length);
      shared.set(vector);
      return shared;
    });
    this.step = state.step;
    this.optimizerStart = p.optimizerStart ?? 0;
    if (!Number.isSafeInteger(this.optimizerStart) || this.optimizerStart < 0 || this.optimizerStart > state.step) {
      throw new VeritrainError(`optimizerStart must be an integer in [0, ${state.step}], got ${this.optimizerStart}`, { code: "INVALID_ARGUMENT" });
    }
    this.runnerParameters = {
      model, buffers: this.buffers, sets, batchSize: config.batchSize, microBatches: config.microBatches, seed: config.seed,
    };
    this.runner = new MicroBatchRunner(this.runnerParameters);
    if (config.privacy !== undefined) {
      if (p.noiseSeed === undefined) throw new VeritrainError("a private job needs the participant's noise seed (noiseSeed)", { code: "INVALID_ARGUMENT" });
      this.privacy = { seed: p.noiseSeed, gradient: new PrivateGradient({ config: config.privacy, size, batchSize: config.batchSize }), reduced: new Float32Array(size), onGridSum: p.onGridSum };
    }
    this.workers = Array.from({ length: Math.max(0, p.threads - 1) }, () => {
      const worker = new Worker(new URL("./trainingWorker.ts", import.meta.url));
      worker.on("message", (response: WorkerResponse) => this.settle(response));
      worker.on("error", (error) => this.failAll(error));
      return worker;
    });
  }

  /** Starts the workers and waits until each has built its network. */
  static async create(p: TrainerParameters): Promise<Trainer> {
    if (!Number.isInteger(p.threads) || p.threads < 1) {
      throw new VeritrainError(`threads must be a positive integer, got ${p.threads}`, { code: "INVALID_ARGUMENT" });
    }
    const trainer = new Trainer(p);
    const runner = trainer.runnerParameters;
    const optimizer = { config: trainer.config.optimizer, state: trainer.optimizerState };
    await Promise.all(trainer.workers.map((worker) => trainer.request(worker, { kind: "init", id: 0, runner, optimizer })));
    return trainer;
  }

  /** Optimizer steps applied so far. */
  get currentStep(): number {
    return this.step;
  }

  /** A copy of the current state. */
  snapshot(): TrainingState {
    return {
      step: this.step,
      params: Float32Array.from(this.buffers.params),
      optimizerState: this.optimizerState.map((vector) => Float32Array.from(vector)),
    };
  }

  /**
   * Applies `count` optimizer steps; returns the training metrics of the examples they read.
   * Between two steps it lets the event loop run (a keeper keeps answering while it trains: the
   * main thread computes its micro-batches synchronously) and stops with `ABORTED` once `signal`
   * aborts, so a shutdown waits for one step, not the whole run. Neither changes a bit.
   */
  async runSteps(count: number, signal?: AbortSignal): Promise<Metrics> {
    const totals = { lossSum: 0, correct: 0, examples: 0 };
    const { microBatches } = this.config;
    for (let s = 0; s < count; s++) {
      await yieldToEventLoop();
      throwIfAborted(signal, "training");
      if (this.privacy === undefined) {
        this.loadBatch();
        await this.runMicroBatches(microBatches, 0, totals);
      } else {
        await this.privateStep(this.privacy, totals);
      }
      await this.optimizerStep();
      this.step++;
    }
    return { loss: totals.lossSum / totals.examples, accuracy: totals.correct / totals.examples, examples: totals.examples };
  }

  /**
   * The optimizer step (docs/training.md §6). Its element-by-element part is cut among the threads, each a run of
   * consecutive elements (`splitRanges`): every element takes the same operations on whichever thread, so the bits
   * are those of one thread. A private step's reduced gradient is the main thread's alone: its step runs there.
   */
  private async optimizerStep(): Promise<void> {
    const { microBatches, optimizer: config } = this.config;
    const step: ApplyOptimizerStepParameters = {
      config,
      params: this.buffers.params,
      state: this.optimizerState,
      gradients: this.privacy?.reduced ?? this.buffers.gradients,
      microBatches: this.privacy === undefined ? microBatches : 1,
      step: this.step - this.optimizerStart,
      position: { step: this.step, epoch: dataCursor(this.step, this.stepsPerEpoch).epoch },
      tensors: this.tensors,
    };
    const { ranges, scale } = prepareOptimizerStep(step);
    if (this.privacy !== undefined || this.workers.length === 0) {
      optimizeRanges(step, ranges, scale);
      return;
    }
    const [own, ...others] = splitRanges(ranges, this.workers.length + 1);
    const done = this.workers.map((worker, w) => this.request(worker, { kind: "optimize", id: 0, ranges: others[w]!, scale, step: step.step, position: step.position }));
    optimizeRanges(step, own!, scale);
    await Promise.all(done);
  }

  /**
   * Micro-batches 0 … count−1 of the loaded batch, whose first example is at batch position
   * `firstPosition`, on every thread; adds their loss and accuracy to `totals`.
   */
  private async runMicroBatches(count: number, firstPosition: number, totals: { lossSum: number; correct: number; examples: number }): Promise<void> {
    const assigned = this.assign(count);
    const { step } = this;
    const done = this.workers.map((worker, w) => this.request(worker, { kind: "train", id: 0, microBatches: assigned[w + 1]!, step, firstPosition }));
    this.runner.trainMicroBatches(assigned[0]!, step, firstPosition);
    await Promise.all(done);
    for (let m = 0; m < count; m++) {
      totals.lossSum += this.buffers.trainStats[2 * m]!;
      totals.correct += this.buffers.trainStats[2 * m + 1]!;
    }
    totals.examples += count * (this.config.batchSize / this.config.microBatches);
  }

  /**
   * A DP-SGD step's gradient (docs/training.md §6a): the step's Poisson batch, in chunks of at most B
   * examples, one per micro-batch; each example's gradient clipped onto the grid and summed exactly,
   * then the step's noise.
   */
  private async privateStep(dp: NonNullable<Trainer["privacy"]>, totals: { lossSum: number; correct: number; examples: number }): Promise<void> {
    const { batchSize } = this.config;
    const batch = poissonBatch({ seed: dp.seed, step: this.step, examples: this.sets.train.count, batchSize });
    dp.gradient.reset();
    const size = this.buffers.params.length;
    for (let start = 0; start < batch.length; start += batchSize) {
      const count = Math.min(batchSize, batch.length - start);
      for (let i = 0; i < count; i++) this.buffers.batchIndices[i] = batch[start + i]!;
      await this.runMicroBatches(count, start, totals);
      for (let m = 0; m < count; m++) dp.gradient.add(this.buffers.gradients.subarray(m * size, (m + 1) * size));
    }
    dp.onGridSum?.(this.step, dp.gradient.gridSum);
    dp.gradient.finish({ seed: dp.seed, step: this.step, out: dp.reduced });
  }

  /** Loss and accuracy of the current parameters on a whole split (chunks of 100, any thread). */
  async evaluate(split: SplitName): Promise<Metrics> {
    const count = this.sets[split].count;
    const chunks = Math.ceil(count / EVALUATION_CHUNK);
    const assigned = this.assign(chunks);
    const done = this.workers.map((worker, w) => this.request(worker, { kind: "evaluate", id: 0, split, chunks: assigned[w + 1]! }));
    for (const c of assigned[0]!) this.runner.evaluateChunk(split, c);
    await Promise.all(done);
    let lossSum = 0;
    let correct = 0;
    for (let c = 0; c < chunks; c++) {
      lossSum += this.buffers.evaluationStats[2 * c]!;
      correct += this.buffers.evaluationStats[2 * c + 1]!;
    }
    return { loss: lossSum / count, accuracy: correct / count, examples: count };
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  /** Work items 0 … count−1 by thread: item i goes to thread i mod threads (0 = main thread). */
  private assign(count: number): number[][] {
    const threads = this.workers.length + 1;
    return Array.from({ length: threads }, (_, t) => Array.from({ length: count }, (_, i) => i).filter((i) => i % threads === t));
  }

  /** Writes the next batch's train-split indices: positions [b·B, b·B + B) of the epoch's {@link dataOrder}. */
  private loadBatch(): void {
    const { epoch, batch } = dataCursor(this.step, this.stepsPerEpoch);
    const { engineVersion, seed, batchSize } = this.config;
    if (this.order?.epoch !== epoch) this.order = { epoch, example: dataOrder({ engineVersion, seed, epoch, size: this.sets.train.count }) };
    const start = batch * batchSize;
    for (let i = 0; i < batchSize; i++) this.buffers.batchIndices[i] = this.order.example(start + i);
  }

  private request(worker: Worker, request: WorkerRequest): Promise<void> {
    const id = ++this.nextRequestId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
  }

  private settle(response: WorkerResponse): void {
    const pending = this.pending.get(response.id);
    if (pending === undefined) return;
    this.pending.delete(response.id);
    if (response.error === undefined) pending.resolve();
    else pending.reject(new VeritrainError("training worker failed", { code: "WORKER_FAILED", cause: response.error }));
  }

  private failAll(error: Error): void {
    for (const pending of this.pending.values()) {
      pending.reject(new VeritrainError("training worker crashed", { code: "WORKER_FAILED", cause: error }));
    }
    this.pending.clear();
  }
}
