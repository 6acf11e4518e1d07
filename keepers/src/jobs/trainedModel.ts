import { CID } from "multiformats/cid";
import { VeritrainError } from "../errors.ts";
import { decodeCheckpoint } from "../training/checkpoint.ts";
import { importOnnxModel } from "../training/onnxImport.ts";
import { exportOnnxModel } from "../training/onnxExport.ts";
import { exportMergedQloraModel } from "../training/qloraExport.ts";
import { createQloraModel } from "../training/qloraModel.ts";
import type { JobOnChain } from "./jobOnChain.ts";
import { decodeJobSpec, jobSpecBlockCid } from "./jobSpecBlock.ts";
import { openResult, resultInvalid, type ResultBlockSource } from "./resultManifest.ts";
import type { OnChainResult } from "./resultPublication.ts";

/** The `metadata_props` key of a trained model file that names its result manifest (dag-cbor CID): where its parameters come from. */
export const RESULT_MANIFEST_KEY = "veritrain.resultManifest";
/** The `metadata_props` key of a trained model file whose parameters come from its result published on-chain: the availability dispute's id. */
export const RESULT_PUBLISHED_IN_KEY = "veritrain.resultPublishedIn";

/** Parameters of {@link rebuildTrainedModel}. */
export type RebuildTrainedModelParameters = {
  /** Where the spec, model, manifest and last checkpoint come from (a content store's peers, or an IPFS gateway). */
  get: ResultBlockSource;
  jobId: bigint;
  onChain: Pick<JobOnChain, "resultDigest" | "specDigest" | "traceRoot">;
  /** The result as an availability dispute published it on-chain ({@link readPublishedResult}), if one did: the last
   * checkpoint is then the chain's, and no manifest is fetched. */
  fromChain?: OnChainResult;
};

/** A job's trained model, rebuilt from its committed result. */
export type TrainedModel = {
  /** The job's ONNX model with the last checkpoint's parameters, its `metadata_props` naming where they come from. */
  onnx: Uint8Array;
  /** The result manifest the parameters come from, or the availability dispute that published them on-chain. */
  source: { manifestCid: CID } | { publishedIn: bigint };
  /** How many checkpoints the trace has; the parameters are the last one's. */
  checkpoints: number;
};

/**
 * Rebuilds a job's trained model from what its result commits: the trained weights are, by
 * definition, the parameters of the trace's last checkpoint (docs/dispute-game.md §5), so the
 * file is the job's own ONNX model (by its spec) carrying them. Every block is checked against
 * the chain on the way: the spec against its digest, the model against the spec's CID, the
 * manifest against the result digest and trace root, the checkpoint against its leaf. A result
 * published on-chain ({@link readPublishedResult}) gives the last checkpoint instead, as the
 * contract proved it, with no fetch of the manifest. A qLoRA job's checkpoints hold its adapters: its file is the
 * merged model (docs/training.md §6b). The same inputs give the same bytes
 * everywhere. Shared by the CLI (`job result`) and the web app.
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` (from `get`), `RESULT_INVALID`, `JOB_SPEC_INVALID`, or an ONNX import error.
 * @example
 * const { onnx } = await rebuildTrainedModel({ get: storeBlockSource({ store, jobId, bounded }), jobId, onChain: job });
 */
export async function rebuildTrainedModel({ get, jobId, onChain, fromChain }: RebuildTrainedModelParameters): Promise<TrainedModel> {
  const specCid = jobSpecBlockCid(onChain.specDigest);
  const { spec, config } = decodeJobSpec(await get(specCid, "job spec"), specCid);
  const modelBytes = await get(CID.parse(spec.model), "model");
  const imported = importOnnxModel(modelBytes);
  const { definition } = config.finetune === undefined ? imported : createQloraModel({ model: imported, finetune: config.finetune, seed: config.seed });
  const result = fromChain === undefined ? await openResult({ get, jobId, onChain, engineVersion: config.engineVersion }) : undefined;
  const checkpoints = result?.hashes.length ?? fromChain!.hashes.length;
  let params: Float32Array;
  try {
    params = decodeCheckpoint(result === undefined ? fromChain!.lastCheckpoint : await result.checkpoint(checkpoints - 1)).state.params;
  } catch (error) {
    if (error instanceof VeritrainError && error.code === "CHECKPOINT_INVALID") throw resultInvalid(jobId, "the last checkpoint is not a checkpoint");
    throw error;
  }
  if (params.length !== definition.parameterCount) throw resultInvalid(jobId, `the last checkpoint holds ${params.length} parameters, the model has ${definition.parameterCount}`);
  const metadata: Record<string, string> = result === undefined ? { [RESULT_PUBLISHED_IN_KEY]: fromChain!.disputeId.toString() } : { [RESULT_MANIFEST_KEY]: result.manifestCid.toString() };
  const onnx = config.finetune === undefined
    ? exportOnnxModel({ original: modelBytes, definition, params, metadata })
    : exportMergedQloraModel({ original: modelBytes, model: definition, params, metadata });
  return { onnx, source: result === undefined ? { publishedIn: fromChain!.disputeId } : { manifestCid: result.manifestCid }, checkpoints };
}
