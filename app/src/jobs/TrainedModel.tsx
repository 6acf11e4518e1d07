import { useState } from "react";
import type { CID } from "multiformats/cid";
import type { Hex } from "viem";
import { rebuildTrainedModel } from "../../../keepers/src/jobs/trainedModel.ts";
import { predictWithSession } from "../../../keepers/src/training/predictWithSession.ts";
import { useAppConfig } from "../config/appContext.ts";
import { DrawPad } from "./DrawPad.tsx";
import { fetchRawBlock } from "./fetchRawBlock.ts";
import { metricPercent } from "./jobTimeline.ts";
import { loadMnistTestSet } from "./loadMnistTestSet.ts";
import { loadOnnxRuntime } from "./loadOnnxRuntime.ts";
import { MNIST_SIDE } from "./padInput.ts";

type Runtime = Awaited<ReturnType<typeof loadOnnxRuntime>>;
type Loaded = { ort: Runtime; session: Awaited<ReturnType<Runtime["InferenceSession"]["create"]>>; size: number };
type Evaluation = { status: "running"; done: number } | { status: "done"; accuracy: number; images: number; seconds: number } | { status: "failed"; message: string };

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What a job's result commits on-chain, as the subgraph has it. */
export type CommittedResult = { jobId: bigint; resultDigest: Hex; specDigest: Hex; traceRoot: Hex };

/**
 * Uses a job's result: rebuilds the trained model in the browser from blocks the IPFS gateway
 * serves, each hash-checked against the chain (the job's spec and model, the result manifest,
 * the last checkpoint, whose parameters are by definition the trained weights), evaluates it with
 * onnxruntime-web on MNIST's 10,000 test images next to the claimed metric, and lets the user
 * draw a digit for it.
 *
 * @example
 * <TrainedModel result={{ jobId: 1n, resultDigest, specDigest, traceRoot }} metric={job.metric} />
 */
export function TrainedModel({ result, metric }: { result: CommittedResult; metric: number }) {
  const { ipfsGatewayUrl } = useAppConfig();
  const [model, setModel] = useState<{ status: "idle" } | { status: "loading" } | { status: "failed"; message: string } | ({ status: "ready"; manifest: string; checkpoints: number } & Loaded)>({ status: "idle" });
  const [evaluation, setEvaluation] = useState<Evaluation | undefined>();

  const download = async () => {
    setModel({ status: "loading" });
    try {
      const get = (cid: CID, what: string) => fetchRawBlock({ gatewayUrl: ipfsGatewayUrl, cid, what });
      const [rebuilt, ort] = await Promise.all([rebuildTrainedModel({ get, jobId: result.jobId, onChain: result }), loadOnnxRuntime()]);
      const session = await ort.InferenceSession.create(rebuilt.onnx);
      setModel({ status: "ready", ort, session, size: rebuilt.onnx.byteLength, manifest: "manifestCid" in rebuilt.source ? rebuilt.source.manifestCid.toString() : `dispute ${rebuilt.source.publishedIn}`, checkpoints: rebuilt.checkpoints });
    } catch (error) {
      setModel({ status: "failed", message: message(error) });
    }
  };

  const evaluate = async (loaded: Loaded) => {
    setEvaluation({ status: "running", done: 0 });
    try {
      const set = await loadMnistTestSet();
      const started = performance.now();
      const { classes } = await predictWithSession({ session: loaded.session, Tensor: loaded.ort.Tensor, set, onProgress: (done) => setEvaluation({ status: "running", done }) });
      const seconds = (performance.now() - started) / 1000;
      let right = 0;
      for (let i = 0; i < set.count; i++) if (classes[i] === set.labels[i]) right++;
      setEvaluation({ status: "done", accuracy: right / set.count, images: set.count, seconds });
    } catch (error) {
      setEvaluation({ status: "failed", message: message(error) });
    }
  };

  const predict = async (loaded: Loaded, input: Float32Array) => {
    const { session, ort } = loaded;
    const output = await session.run({ [session.inputNames[0]!]: new ort.Tensor("float32", input, [1, 1, MNIST_SIDE, MNIST_SIDE]) });
    return output[session.outputNames[0]!]!.data as Float32Array;
  };

  return (
    <div className="card" data-testid="trained-model">
      <h3>Use the trained model</h3>
      <p>The trained weights are the parameters of the job's last checkpoint, which the trace root commits. Your browser rebuilds the model file from the job's model and that checkpoint, checking every block it fetches against the chain.</p>
      {model.status !== "ready" && (
        <button type="button" onClick={() => void download()} disabled={model.status === "loading"} data-testid="download-model">
          {model.status === "loading" ? "Rebuilding…" : "Rebuild and check the trained model"}
        </button>
      )}
      {model.status === "failed" && <p role="alert" className="error" data-testid="model-error">{model.message}</p>}
      {model.status === "ready" && (
        <>
          <p role="status" data-testid="model-ready">Model rebuilt ({(model.size / 1024).toFixed(0)} KiB) from checkpoint {model.checkpoints - 1} of result manifest <code>{model.manifest}</code>, every block checked.</p>
          <h4>Accuracy on MNIST's test set</h4>
          <button type="button" onClick={() => void evaluate(model)} disabled={evaluation?.status === "running"} data-testid="evaluate">
            Evaluate on the 10,000 test images
          </button>
          <p role="status" data-testid="evaluate-accuracy" data-accuracy={evaluation?.status === "done" ? evaluation.accuracy : undefined}>
            {evaluation === undefined ? `Claimed: ${metricPercent(metric)} on the job's test split.`
              : evaluation.status === "running" ? `Evaluating… ${evaluation.done.toLocaleString("en")} of 10,000 images`
              : evaluation.status === "failed" ? `Evaluation failed: ${evaluation.message}`
              : `${(evaluation.accuracy * 100).toFixed(2)}% of ${evaluation.images.toLocaleString("en")} test images right in your browser (${evaluation.seconds.toFixed(1)} s); claimed ${metricPercent(metric)} on the job's test split.`}
          </p>
          <h4>Draw a digit</h4>
          <DrawPad predict={(input) => predict(model, input)} />
        </>
      )}
    </div>
  );
}
