/**
 * The engine against onnxruntime-node on an exported model. Apart from fixtures.ts, which
 * shortRun.ts loads under qemu-aarch64, where onnxruntime-node's x86-64 addon cannot load.
 */
import assert from "node:assert/strict";
import { exportOnnxModel } from "../../../keepers/src/training/onnxExport.ts";
import { predictWithOnnxRuntime } from "../../../keepers/src/training/onnxRuntimeEvaluation.ts";
import type { PreparedJob } from "../../../keepers/src/training/preparedJob.ts";
import { predictWithEngine } from "../../../keepers/src/training/predict.ts";

/** What {@link compareWithOnnxRuntime} found on the job's test split. */
export type RuntimeComparison = { examples: number; agree: number; correct: number; maxLogitDifference: number };

/** Exports `params` into the job's model file and predicts the test split with the engine and with onnxruntime-node. */
export async function compareWithOnnxRuntime(job: PreparedJob, params: Float32Array): Promise<RuntimeComparison> {
  const exported = exportOnnxModel({ original: job.modelBytes, definition: job.model.definition, params });
  const test = job.sets.test;
  const engine = predictWithEngine({ model: job.model.definition, params, set: test });
  const runtime = await predictWithOnnxRuntime({ modelBytes: exported, set: test });
  let agree = 0;
  let correct = 0;
  let maxLogitDifference = 0;
  for (let e = 0; e < test.count; e++) {
    if (engine.classes[e] === runtime.classes[e]) agree++;
    if (engine.classes[e] === test.labels[e]) correct++;
  }
  for (let i = 0; i < engine.logits.length; i++) maxLogitDifference = Math.max(maxLogitDifference, Math.abs(engine.logits[i]! - runtime.logits[i]!));
  return { examples: test.count, agree, correct, maxLogitDifference };
}

/**
 * Asserts that the trained model learned (test accuracy above `minAccuracy`) and that onnxruntime
 * predicts every test image as the engine does, its outputs within 1e-3 of the engine's.
 */
export async function assertAgreesWithOnnxRuntime(job: PreparedJob, params: Float32Array, minAccuracy = 0.8): Promise<RuntimeComparison> {
  const comparison = await compareWithOnnxRuntime(job, params);
  const { examples, agree, correct, maxLogitDifference } = comparison;
  assert.ok(correct / examples > minAccuracy, `the model learned something (accuracy ${correct / examples})`);
  assert.ok(maxLogitDifference < 1e-3, `outputs close (max difference ${maxLogitDifference})`);
  assert.equal(agree, examples, `argmax agreement ${agree}/${examples}`);
  return comparison;
}
