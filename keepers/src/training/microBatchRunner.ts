import type { ImageSet } from "./mnist.ts";
import { PIXEL_TO_FLOAT } from "./pixelValues.ts";
import type { ModelDefinition } from "./modelDefinition.ts";
import { Network } from "./network.ts";

/** Names of the data splits of a job. */
export type SplitName = "train" | "validation" | "test";

/** Examples per evaluation chunk (evaluation only; never affects weights). */
export const EVALUATION_CHUNK = 100;

/** Memory shared by the main thread and the workers (all SharedArrayBuffer-backed). */
export type SharedTrainingBuffers = {
  /** Current parameters, written only by the main thread between steps. */
  params: Float32Array;
  /** One gradient vector per micro-batch, back to back. */
  gradients: Float32Array;
  /** The current batch: train-split indices in batch order. */
  batchIndices: Int32Array;
  /** Per micro-batch [lossSum, correct]. */
  trainStats: Float64Array;
  /** Per evaluation chunk [lossSum, correct]. */
  evaluationStats: Float64Array;
};

/** Parameters of the {@link MicroBatchRunner} constructor. */
export type MicroBatchRunnerParameters = {
  model: ModelDefinition;
  buffers: SharedTrainingBuffers;
  sets: Record<SplitName, ImageSet>;
  batchSize: number;
  microBatches: number;
  /** The job seed: it keys the Dropout masks (docs/training.md §4). */
  seed: bigint;
};

/**
 * The work one thread does: micro-batch gradients and evaluation chunks. The same code runs on
 * the main thread and in every worker, and its result depends only on the micro-batch, never on
 * which thread ran it.
 */
export class MicroBatchRunner {
  private readonly network: Network;
  private readonly buffers: SharedTrainingBuffers;
  private readonly sets: Record<SplitName, ImageSet>;
  private readonly batchSize: number;
  private readonly seed: bigint;
  private readonly microBatchSize: number;
  private readonly gradientSlots: Float32Array[];
  /** This thread's copy of the parameters. */
  private readonly params: Float32Array;
  private readonly chunkIndices: number[] = [];

  constructor({ model, buffers, sets, batchSize, microBatches, seed }: MicroBatchRunnerParameters) {
    this.microBatchSize = batchSize / microBatches;
    this.network = new Network({ model, maxExamples: Math.max(this.microBatchSize, EVALUATION_CHUNK) });
    this.buffers = buffers;
    this.sets = sets;
    this.batchSize = batchSize;
    this.seed = seed;
    const size = model.parameterCount;
    this.params = new Float32Array(size);
    this.gradientSlots = Array.from({ length: microBatches }, (_, m) => buffers.gradients.subarray(m * size, (m + 1) * size));
  }

  /**
   * Computes micro-batches `ms`' gradients into their slots and their loss/accuracy into trainStats, for optimizer
   * step `step`, the loaded batch's first example being at batch position `firstPosition` (0, or a private step's
   * chunk start). The layers read a thread-local copy of the parameters, made once per call: V8 reads a
   * SharedArrayBuffer's elements ~3.7× slower (LeNet-5's weights, converted to binary64 for each product).
   */
  trainMicroBatches(ms: readonly number[], step: number, firstPosition: number): void {
    const { buffers, microBatchSize: size } = this;
    if (ms.length === 0) return;
    this.params.set(buffers.params);
    const set = this.sets.train;
    for (const m of ms) {
      const indices = buffers.batchIndices.subarray(m * size, (m + 1) * size);
      this.network.loadExamples({ pixels: set.pixels, labels: set.labels, indices, pixelValues: PIXEL_TO_FLOAT });
      const summary = this.network.gradient({
        params: this.params, grads: this.gradientSlots[m]!, n: size, batchSize: this.batchSize,
        dropout: { seed: this.seed, step, position: firstPosition + m * size },
      });
      buffers.trainStats[2 * m] = summary.lossSum;
      buffers.trainStats[2 * m + 1] = summary.correct;
    }
  }

  /** Evaluates chunk `c` (examples [c·100, c·100 + 100) of the split) into evaluationStats. */
  evaluateChunk(split: SplitName, c: number): void {
    const set = this.sets[split];
    const start = c * EVALUATION_CHUNK;
    const end = Math.min(set.count, start + EVALUATION_CHUNK);
    this.chunkIndices.length = 0;
    for (let i = start; i < end; i++) this.chunkIndices.push(i);
    const n = this.network.loadExamples({
      pixels: set.pixels, labels: set.labels, indices: this.chunkIndices, pixelValues: PIXEL_TO_FLOAT,
    });
    const summary = this.network.evaluate(n, this.buffers.params);
    this.buffers.evaluationStats[2 * c] = summary.lossSum;
    this.buffers.evaluationStats[2 * c + 1] = summary.correct;
  }
}
