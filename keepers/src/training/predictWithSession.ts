import type { InferenceSession, Tensor } from "onnxruntime-common";
import type { ImageSet } from "./idxImageSet.ts";
import { PIXEL_TO_FLOAT } from "./pixelValues.ts";
import { argmax, type Predictions } from "./argmax.ts";

/** Parameters of {@link predictWithSession}. */
export type PredictWithSessionParameters = {
  /** An onnxruntime session (onnxruntime-node's or onnxruntime-web's) of a model taking [N, 1, rows, cols] float input. */
  session: InferenceSession;
  /** The same runtime's `Tensor` class. */
  Tensor: typeof Tensor;
  set: ImageSet;
  /** Examples per inference call. @default 1000 */
  chunk?: number;
  /** Called after each chunk with the examples done so far. */
  onProgress?: (done: number) => void;
};

/**
 * Runs a model over a set with onnxruntime, pixels normalised as the engine does
 * ({@link PIXEL_TO_FLOAT}); shared by the CLI (onnxruntime-node) and the web app
 * (onnxruntime-web), which only differ in the runtime they pass.
 *
 * @example
 * const { classes } = await predictWithSession({ session, Tensor: ort.Tensor, set: test });
 */
export async function predictWithSession({ session, Tensor, set, chunk = 1000, onProgress }: PredictWithSessionParameters): Promise<Predictions> {
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  const pixels = set.rows * set.cols;
  const classes = new Uint8Array(set.count);
  let logits = new Float32Array(0);
  for (let start = 0; start < set.count; start += chunk) {
    const n = Math.min(chunk, set.count - start);
    const input = new Float32Array(n * pixels);
    for (let i = 0; i < n * pixels; i++) input[i] = PIXEL_TO_FLOAT[set.pixels[start * pixels + i]!]!;
    const result = await session.run({ [inputName]: new Tensor("float32", input, [n, 1, set.rows, set.cols]) });
    const output = result[outputName]!.data as Float32Array;
    const width = output.length / n;
    if (logits.length === 0) logits = new Float32Array(set.count * width);
    logits.set(output, start * width);
    for (let e = 0; e < n; e++) classes[start + e] = argmax(output, e * width, width);
    onProgress?.(start + n);
  }
  return { classes, logits };
}
