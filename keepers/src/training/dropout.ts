import { SplitMix64Words } from "./splitMix64Words.ts";
import type { Layer } from "./layer.ts";
import type { DropoutLayerDefinition } from "./modelDefinition.ts";
import { keyedStateAt, PRNG_DOMAIN } from "./prng.ts";

/**
 * Which masks a gradient's pass draws: the job seed, the optimizer step and the batch position of the
 * first loaded example (docs/training.md §4). Micro-batch m of a batch of B in M micro-batches starts at
 * position m·B/M, so a mask depends on the example's place in the batch, never on the thread.
 */
export type DropoutKey = { seed: bigint; step: number; position: number };

/** Parameters of the {@link Dropout} constructor. */
export type DropoutParameters = {
  definition: DropoutLayerDefinition;
  /** Per-example shape of the activation. */
  inputShape: number[];
  maxExamples: number;
  /** The network's key of the current pass, read at each forward in training. */
  key: DropoutKey;
};

const TWO_32 = 4294967296;

/**
 * ONNX Dropout, inverted, in a gradient's pass; identity in evaluation and prediction (as onnxruntime
 * runs the exported model). With ratio p and q = 1 − p (binary64), element j (ONNX order within the
 * example) of the example at batch position b is kept iff u ≥ p·2^32, u being the high 32 bits of output
 * number b·`drawsPerExample` + `drawOffset` + j of the stream (seed, 7, step); a kept element gives
 * y = fround(x / q) and dx = fround(dy / q), a dropped one +0 both ways.
 */
export class Dropout implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient: Float32Array;
  private readonly definition: DropoutLayerDefinition;
  private readonly key: DropoutKey;
  /** Per stored element of the last training pass: 1 kept, 0 dropped. */
  private readonly kept: Uint8Array;
  private readonly size: number;
  private readonly threshold: number;
  private readonly keep: number;

  constructor({ definition, inputShape, maxExamples, key }: DropoutParameters) {
    this.definition = definition;
    this.key = key;
    this.outputShape = inputShape;
    this.size = inputShape.reduce((a, b) => a * b, 1);
    this.threshold = definition.ratio * TWO_32;
    this.keep = 1 - definition.ratio;
    this.output = new Float32Array(maxExamples * this.size);
    this.inputGradient = new Float32Array(maxExamples * this.size);
    this.kept = new Uint8Array(maxExamples * this.size);
  }

  forward(input: Float32Array, n: number, _params: Float32Array, training: boolean): void {
    const { output, kept, threshold, keep, size } = this;
    if (!training) {
      output.set(input.subarray(0, n * size));
      return;
    }
    const { channels, drawsPerExample, drawOffset } = this.definition;
    const plane = size / channels;
    const stream = { seed: this.key.seed, domain: PRNG_DOMAIN.dropout, index: BigInt(this.key.step) };
    for (let e = 0; e < n; e++) {
      const words = new SplitMix64Words(keyedStateAt(stream, BigInt((this.key.position + e) * drawsPerExample + drawOffset)));
      for (let c = 0; c < channels; c++) {
        const base = (c * n + e) * plane;
        for (let i = base; i < base + plane; i++) {
          const keepIt = words.nextUint32() >= threshold;
          kept[i] = keepIt ? 1 : 0;
          output[i] = keepIt ? input[i]! / keep : 0;
        }
      }
    }
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number): void {
    const { kept, keep, inputGradient } = this;
    for (let i = 0; i < n * this.size; i++) inputGradient[i] = kept[i] === 1 ? outputGradient[i]! / keep : 0;
  }
}
