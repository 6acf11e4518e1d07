import type { Layer } from "./layer.ts";
import type { GatherLayerDefinition, ParameterTensor } from "./modelDefinition.ts";

/** Parameters of the {@link Gather} constructor. */
export type GatherParameters = {
  definition: GatherLayerDefinition;
  maxExamples: number;
  parameters: ParameterTensor[];
};

/**
 * ONNX Gather on axis 0 of a parameter table [V, D] at constant indices (a learned positional
 * embedding: rows 0 … T−1): each example's output [...indexShape, D] is the rows table[indices[i]] in
 * index order, copied. It reads no activation. Backward (docs/training.md §4): each table element's
 * gradient is the binary64 sum, from +0, of the output gradients that copied it, visited in storage
 * order (examples in order, then index positions in order), rounded once; rows no index names get +0.
 */
export class Gather implements Layer {
  readonly outputShape: number[];
  readonly output: Float32Array;
  readonly inputGradient = new Float32Array(0);
  private readonly indices: Int32Array;
  private readonly offset: number;
  private readonly rowWidth: number;
  /** binary64 accumulators of the table's gradient. */
  private readonly sums: Float64Array;

  constructor({ definition, maxExamples, parameters }: GatherParameters) {
    const table = parameters[definition.table]!;
    this.rowWidth = table.dims[1]!;
    this.offset = table.offset;
    this.indices = Int32Array.from(definition.indices);
    this.outputShape = [...definition.indexShape, this.rowWidth];
    this.output = new Float32Array(maxExamples * this.indices.length * this.rowWidth);
    this.sums = new Float64Array(table.size);
  }

  forward(_input: Float32Array, n: number, params: Float32Array): void {
    const { indices, rowWidth: D, offset, output } = this;
    for (let e = 0; e < n; e++) {
      for (let i = 0; i < indices.length; i++) {
        const from = offset + indices[i]! * D;
        output.set(params.subarray(from, from + D), (e * indices.length + i) * D);
      }
    }
  }

  backward(_input: Float32Array, outputGradient: Float32Array, n: number, _params: Float32Array, grads: Float32Array): void {
    const { indices, rowWidth: D, offset, sums } = this;
    sums.fill(0);
    for (let e = 0; e < n; e++) {
      for (let i = 0; i < indices.length; i++) {
        const row = indices[i]! * D;
        const at = (e * indices.length + i) * D;
        for (let d = 0; d < D; d++) sums[row + d] = sums[row + d]! + outputGradient[at + d]!;
      }
    }
    grads.set(sums, offset);
  }
}
