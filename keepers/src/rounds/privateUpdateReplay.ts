import { VeritrainError } from "../errors.ts";
import { PrivateGradient } from "../privacy/dpSgd.ts";
import type { GridSums } from "../privacy/gridSums.ts";
import { optimizerStateVectors } from "../training/optimizer.ts";
import { optimizeRanges, prepareOptimizerStep, type ApplyOptimizerStepParameters } from "../training/optimizerStep.ts";
import { dataCursor } from "../training/trainingState.ts";
import type { PreparedRoundJob } from "./preparedRoundJob.ts";

/** Parameters of {@link replayPrivateUpdate}. */
export type ReplayPrivateUpdateParameters = {
  /** A private-data job with DP-SGD (`config.step.privacy`). */
  job: PreparedRoundJob;
  round: number;
  /** The round's global parameters (not modified). */
  global: Float32Array;
  /** The owner's noise seed of the round. */
  seed: bigint;
  /** The round's grid sums, one per local step, from step round·L. */
  gridSums: GridSums;
};

/**
 * A data owner's DP-SGD update of round `round` replayed from its grid sums, without its examples: each local step's
 * gradient is fround((sum·Δ + noise·Δ)/B) with the noise of the committed seed (`PrivateGradient.finish`), then the
 * spec's optimizer step, from {step r·L, the global parameters, zeroed optimizer state} as {@link localUpdate} starts;
 * the update is fround(local − global). Equal bit for bit to the owner's `localUpdate` when the sums are the ones its
 * run reported (`onGridSum`).
 *
 * @throws VeritrainError `NOISE_OPENING_INVALID` if the sums are not the round's L steps of the model's length.
 * @example
 * const update = replayPrivateUpdate({ job, round: 1, global, seed, gridSums });
 */
export function replayPrivateUpdate({ job, round, global, seed, gridSums }: ReplayPrivateUpdateParameters): Float32Array {
  const { step: config, localSteps, privateData } = job.config;
  const size = global.length;
  const first = round * localSteps;
  if (config.privacy === undefined || privateData === undefined) throw new VeritrainError("only a private-data job with DP-SGD has grid sums", { code: "INVALID_ARGUMENT" });
  if (gridSums.firstStep !== first || gridSums.sums.length !== localSteps || gridSums.sums.some((sum) => sum.length !== size)) {
    throw new VeritrainError(`grid sums of ${gridSums.sums.length} steps from step ${gridSums.firstStep}, round ${round} has ${localSteps} from step ${first} of ${size} coordinates`, {
      code: "NOISE_OPENING_INVALID", details: { firstStep: gridSums.firstStep, steps: gridSums.sums.length },
    });
  }
  const definition = job.model.definition;
  const tensors = definition.parameters.filter((tensor) => tensor.offset < definition.parameterCount);
  const stepsPerEpoch = Math.floor(privateData.examples / config.batchSize);
  const params = Float32Array.from(global);
  const state = Array.from({ length: optimizerStateVectors(config.optimizer) }, () => new Float32Array(size));
  const gradient = new PrivateGradient({ config: config.privacy, size, batchSize: config.batchSize });
  const gradients = new Float32Array(size);
  for (const [t, sum] of gridSums.sums.entries()) {
    const position = first + t;
    gradient.load(sum);
    gradient.finish({ seed, step: position, out: gradients });
    const step: ApplyOptimizerStepParameters = {
      config: config.optimizer, params, state, gradients, microBatches: 1, step: t,
      position: { step: position, epoch: dataCursor(position, stepsPerEpoch).epoch }, tensors,
    };
    const { ranges, scale } = prepareOptimizerStep(step);
    optimizeRanges(step, ranges, scale);
  }
  const update = new Float32Array(size);
  for (let i = 0; i < size; i++) update[i] = Math.fround(params[i]! - global[i]!);
  return update;
}
