import type { ImageSet } from "./mnist.ts";
import { PIXEL_TO_FLOAT } from "./pixelValues.ts";
import type { ModelDefinition } from "./modelDefinition.ts";
import { Network } from "./network.ts";
import { argmax, type Predictions } from "./argmax.ts";

/** Parameters of {@link predictWithEngine}. */
export type PredictWithEngineParameters = {
  model: ModelDefinition;
  params: Float32Array;
  set: ImageSet;
  /** Examples per forward pass. */
  chunk?: number;
};

/**
 * Runs the engine's forward pass over a set on the calling thread.
 *
 * @example
 * const { classes } = predictWithEngine({ model, params, set: test });
 */
export function predictWithEngine({ model, params, set, chunk = 100 }: PredictWithEngineParameters): Predictions {
  const network = new Network({ model, maxExamples: chunk });
  const classes = new Uint8Array(set.count);
  const logits = new Float32Array(set.count * model.classes);
  const indices: number[] = [];
  for (let start = 0; start < set.count; start += chunk) {
    indices.length = 0;
    for (let i = start; i < Math.min(set.count, start + chunk); i++) indices.push(i);
    const n = network.loadExamples({ pixels: set.pixels, labels: set.labels, indices, pixelValues: PIXEL_TO_FLOAT });
    const output = network.forward(n, params);
    logits.set(output.subarray(0, n * model.classes), start * model.classes);
  }
  for (let e = 0; e < set.count; e++) classes[e] = argmax(logits, e * model.classes, model.classes);
  return { classes, logits };
}
