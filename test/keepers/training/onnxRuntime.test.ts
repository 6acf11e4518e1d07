import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { smallJob } from "./fixtures.ts";
import { compareWithOnnxRuntime } from "./runtimeComparison.ts";

describe("exported ONNX model", () => {
  it("predicts exactly what the engine predicts on all 10,000 MNIST test images (onnxruntime-node)", { timeout: 300_000 }, async () => {
    const job = smallJob({ trainCount: 2048, batchSize: 64, microBatches: 4, checkpointInterval: 100 });
    const { finalState } = await trainJob({ job, threads: 2 });
    const { examples, agree, correct, maxLogitDifference } = await compareWithOnnxRuntime(job, finalState.params);
    assert.ok(correct / examples > 0.8, `the model learned something (accuracy ${correct / examples})`);
    assert.ok(maxLogitDifference < 1e-3, `logits close (max difference ${maxLogitDifference})`);
    assert.equal(agree, examples, `argmax agreement ${agree}/${examples}`);
    process.stderr.write(`ONNX Runtime vs engine: ${agree}/${examples} predictions agree, max logit difference ${maxLogitDifference}\n`);
  });
});
