import type { Hex } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import type { ContentStore } from "../content/contentStore.ts";
import type { PrivacyConfig } from "../privacy/dpSgd.ts";
import { VeritrainError } from "../errors.ts";
import { parseSpecJson } from "../jobs/jobSpecBlock.ts";
import { fetchSpecAndModel } from "../jobs/loadJob.ts";
import { validateRoundJobSpec } from "../rounds/roundJobSpec.ts";
import { exportOnnxModel } from "../training/onnxExport.ts";
import { importOnnxModel } from "../training/onnxImport.ts";
import { fetchGlobalModel } from "./roundContent.ts";
import { readRoundJob } from "./roundJobOnChain.ts";
import { ROUND_JOB_STATUS_NAMES, RoundJobStatus } from "./roundJobStatus.ts";

/** Parameters of {@link fetchFinalModel}. */
export type FetchFinalModelParameters = {
  chain: ProtocolConnection;
  /** Connected to the peers serving the job's spec, model and last global model (its providers). */
  store: ContentStore;
  jobId: bigint;
  /** Bounds each fetch. */
  bounded: () => AbortSignal;
};

/** A finalized distributed job's trained model. */
export type FinalModel = {
  /** The job's ONNX model file with the last global model's parameters. */
  onnx: Uint8Array;
  /** The last round's aggregate on-chain: the SHA-256 of the global-model blob the parameters come from. */
  digest: Hex;
  rounds: number;
  /** A private-data job's DP-SGD, as its spec (whose digest is on-chain) fixes it: the ε each owner spent, at δ, with σ and C. */
  privacy: PrivacyConfig | undefined;
};

/**
 * The trained model of a finalized distributed job: the global model after its last round,
 * fetched by the aggregate digest on-chain (a raw block, checked on arrival), written into the
 * job's own ONNX file (spec and model fetched by the spec digest).
 *
 * @throws VeritrainError `JOB_NOT_FINALIZED` before the job is Finalized; `JOB_SPEC_NOT_FOUND`,
 *   `JOB_MODEL_NOT_FOUND`, `RESULT_NOT_FOUND` when no connected peer serves a block;
 *   `RESULT_INVALID` when the blob contradicts the job.
 * @example
 * const { onnx } = await fetchFinalModel({ chain, store, jobId: 3n, bounded: () => AbortSignal.timeout(60_000) });
 */
export async function fetchFinalModel({ chain, store, jobId, bounded }: FetchFinalModelParameters): Promise<FinalModel> {
  const onChain = await readRoundJob(chain, jobId);
  if (onChain.status !== RoundJobStatus.Finalized) {
    const status = ROUND_JOB_STATUS_NAMES[onChain.status] ?? "unknown";
    throw new VeritrainError(`distributed job ${jobId} is ${status}: its model is final once every round is aggregated and the job Finalized (veritrain job status --distributed ${jobId})`, {
      code: "JOB_NOT_FINALIZED",
      details: { jobId: jobId.toString(), status },
    });
  }
  const { spec, modelBytes } = await fetchSpecAndModel({
    store, jobId, specDigest: onChain.specDigest, bounded, decode: (bytes, cid) => validateRoundJobSpec(parseSpecJson(bytes, cid)).spec,
  });
  const { config } = validateRoundJobSpec(spec);
  const definition = importOnnxModel(modelBytes).definition;
  const digest = await chain.contracts.RoundJobRegistry.read.aggregateOf([jobId, onChain.rounds - 1]);
  const global = await fetchGlobalModel({
    chain, store, signal: bounded(), commitment: digest, round: onChain.rounds, size: definition.parameterCount, momentum: config.outer.momentum !== 0,
  });
  return { onnx: exportOnnxModel({ original: modelBytes, definition, params: global.params }), digest, rounds: onChain.rounds, privacy: config.step.privacy };
}
