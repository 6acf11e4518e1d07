import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { exportOnnxModel } from "../../../keepers/src/training/onnxExport.ts";
import { predictWithOnnxRuntime } from "../../../keepers/src/training/onnxRuntimeEvaluation.ts";
import { predictWithEngine } from "../../../keepers/src/training/predict.ts";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { smallJob } from "./fixtures.ts";

describe("exported ONNX model", () => {
  it("predicts exactly what the engine predicts on all 10,000 MNIST test images (onnxruntime-node)", { timeout: 300_000 }, async () => {
    const job = smallJob({ trainCount: 2048, batchSize: 64, microBatches: 4, checkpointInterval: 100 });
    const { finalState } = await trainJob({ job, threads: 2 });
    const exported = exportOnnxModel({ original: job.modelBytes, definition: job.model.definition, params: finalState.params });
    const test = job.sets.test;
    const engine = predictWithEngine({ model: job.model.definition, params: finalState.params, set: test });
    const runtime = await predictWithOnnxRuntime({ modelBytes: exported, set: test });
    let agree = 0;
    let correct = 0;
    let maxLogitDifference = 0;
    for (let e = 0; e < test.count; e++) {
      if (engine.classes[e] === runtime.classes[e]) agree++;
      if (engine.classes[e] === test.labels[e]) correct++;
    }
    for (let i = 0; i < engine.logits.length; i++) {
      maxLogitDifference = Math.max(maxLogitDifference, Math.abs(engine.logits[i]! - runtime.logits[i]!));
    }
    assert.ok(correct / test.count > 0.8, `the model learned something (accuracy ${correct / test.count})`);
    assert.ok(maxLogitDifference < 1e-3, `logits close (max difference ${maxLogitDifference})`);
    assert.equal(agree, test.count, `argmax agreement ${agree}/${test.count}`);
    process.stderr.write(`ONNX Runtime vs engine: ${agree}/${test.count} predictions agree, max logit difference ${maxLogitDifference}\n`);
  });
});
