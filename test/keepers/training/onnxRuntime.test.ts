import { describe, it } from "node:test";
import { trainJob } from "../../../keepers/src/training/trainJob.ts";
import { smallJob } from "./fixtures.ts";
import { assertAgreesWithOnnxRuntime } from "./runtimeComparison.ts";

describe("exported ONNX model", () => {
  it("predicts exactly what the engine predicts on all 10,000 MNIST test images (onnxruntime-node)", { timeout: 300_000 }, async () => {
    const job = smallJob({ trainCount: 2048, batchSize: 64, microBatches: 4, checkpointInterval: 100 });
    const { finalState } = await trainJob({ job, threads: 2 });
    const { examples, agree, maxLogitDifference } = await assertAgreesWithOnnxRuntime(job, finalState.params);
    process.stderr.write(`ONNX Runtime vs engine: ${agree}/${examples} predictions agree, max logit difference ${maxLogitDifference}\n`);
  });
});
