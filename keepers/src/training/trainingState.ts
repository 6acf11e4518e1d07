/** Everything that determines the rest of a training run, besides the job itself. */
export type TrainingState = {
  /** Optimizer steps applied so far; also the data cursor (see {@link dataCursor}). */
  step: number;
  /** Packed binary32 parameters (canonical order). */
  params: Float32Array;
  /** Optimizer state vectors: SGD [velocity], Adam [m, v]. */
  optimizerState: Float32Array[];
};

/** Position in the data stream: the batch the next step reads. */
export type DataCursor = { epoch: number; batch: number };

/**
 * The data cursor of a step: epoch = ⌊step / stepsPerEpoch⌋, batch = step mod stepsPerEpoch.
 *
 * @example
 * dataCursor(1000, 859); // { epoch: 1, batch: 141 }
 */
export function dataCursor(step: number, stepsPerEpoch: number): DataCursor {
  return { epoch: Math.floor(step / stepsPerEpoch), batch: step % stepsPerEpoch };
}
