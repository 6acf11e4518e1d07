import * as dagCbor from "@ipld/dag-cbor";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { toHex, type Hex } from "viem";
import type { ContentStore } from "../content/contentStore.ts";
import { VeritrainError } from "../errors.ts";
import { checkpointHash, decodeCheckpoint } from "../training/checkpoint.ts";
import { CheckpointTree } from "../training/checkpointTree.ts";
import { exportOnnxModel } from "../training/onnxExport.ts";
import { onnx } from "../training/onnxProto.ts";
import type { PreparedJob } from "../training/preparedJob.ts";
import { jobSpecBlockCid } from "./jobSpecBlock.ts";
import { weightsFileCid } from "./weightsFileCid.ts";
import type { JobOnChain } from "./jobOnChain.ts";

/** Version of the result manifest layout below. */
export const RESULT_MANIFEST_VERSION = 1;

/** The `metadata_props` key of a result's ONNX file that names its result manifest (dag-cbor CID). */
export const RESULT_MANIFEST_KEY = "veritrain.resultManifest";

/**
 * What a compute provider publishes with a result (dag-cbor): the job spec's block and every
 * checkpoint's raw block CID (SHA-256 of the canonical bytes) with its checkpoint hash (the
 * trace leaf, by the job's engine version). Nothing job-specific beyond the spec, so one spec always gives one manifest.
 */
export type ResultManifest = {
  version: typeof RESULT_MANIFEST_VERSION;
  spec: CID;
  checkpoints: { cid: CID; hash: Hex }[];
};

/** Parameters of {@link publishResult}. */
export type PublishResultParameters = {
  store: ContentStore;
  job: PreparedJob;
  specDigest: Hex;
  /** Number of checkpoints and a reader of checkpoint i's canonical bytes. */
  checkpointCount: number;
  readCheckpoint: (index: number) => Uint8Array;
  /** The trained parameters (the last checkpoint's). */
  finalParams: Float32Array;
  signal?: AbortSignal;
};

/** What goes on-chain with `submitResult`, and where the rest was published. */
export type PublishedResult = { weightsDigest: Hex; traceRoot: Hex; manifestCid: CID; weightsCid: CID; hashes: Hex[] };

/**
 * Stores and pins every checkpoint as a raw block, the result manifest listing them, and the
 * trained ONNX model whose `metadata_props` name the manifest; returns the weights digest (SHA-256
 * of the ONNX file) and the trace root to submit. Fetchers start from the on-chain weights
 * digest: ONNX file → manifest → checkpoints.
 *
 * @example
 * const { weightsDigest, traceRoot } = await publishResult({ store, job, specDigest, checkpointCount, readCheckpoint, finalParams });
 */
export async function publishResult({ store, job, specDigest, checkpointCount, readCheckpoint, finalParams, signal }: PublishResultParameters): Promise<PublishedResult> {
  const checkpoints: ResultManifest["checkpoints"] = [];
  for (let index = 0; index < checkpointCount; index++) {
    const bytes = readCheckpoint(index);
    const cid = await store.put(bytes, { signal });
    await store.pin(cid, { signal });
    checkpoints.push({ cid, hash: checkpointHash({ bytes, engineVersion: job.config.engineVersion }) });
  }
  const manifest: ResultManifest = { version: RESULT_MANIFEST_VERSION, spec: jobSpecBlockCid(specDigest), checkpoints };
  const manifestBlock = await store.put(dagCbor.encode(manifest), { signal });
  await store.pin(manifestBlock, { signal });
  const manifestCid = CID.createV1(dagCbor.code, manifestBlock.multihash);
  const weights = weightsFile(job, finalParams, manifestCid);
  const weightsCid = await store.put(weights, { signal });
  await store.pin(weightsCid, { signal });
  const hashes = checkpoints.map((checkpoint) => checkpoint.hash);
  return { weightsDigest: toHex(weightsCid.multihash.digest), traceRoot: new CheckpointTree(hashes).root, manifestCid, weightsCid, hashes };
}

/** Parameters of {@link fetchResult}. */
export type FetchResultParameters = {
  store: ContentStore;
  jobId: bigint;
  onChain: JobOnChain;
  job: PreparedJob;
  /** A fresh bound for each block fetch. */
  bounded: () => AbortSignal;
};

/** A provider's published result, checked against its on-chain commitment. */
export type FetchedResult = {
  manifestCid: CID;
  /** The provider's checkpoint hashes (the trace's leaves), checked against the trace root. */
  hashes: Hex[];
  /** Checkpoint `index`'s canonical bytes, checked against its hash. */
  checkpoint(index: number): Promise<Uint8Array>;
};

/**
 * Whether an error of {@link fetchResult} condemns the result itself, so a challenger disputes it
 * and a validator finds the provider wrong: published data that contradicts the on-chain
 * commitment (`RESULT_INVALID`), or data no connected peer served within the bound
 * (`RESULT_NOT_FOUND`: keeping the result available through the challenge window is the
 * provider's duty) — unless `signal`, the caller's own shutdown, cut the fetch short.
 */
export function condemnsResult(error: unknown, signal: AbortSignal): error is VeritrainError {
  return error instanceof VeritrainError && (error.code === "RESULT_INVALID" || (error.code === "RESULT_NOT_FOUND" && !signal.aborted));
}

/**
 * Fetches the result submitted for a job: the ONNX file by the on-chain weights digest, the
 * result manifest it names, the last checkpoint, and (on demand) the others; checks that the
 * manifest is for the job's spec, has one checkpoint per checkpoint step, that its hashes form the
 * on-chain trace root, and that the weights file is exactly the job's model carrying the last
 * checkpoint's parameters (so the weights are bound to the trace a dispute can check).
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` (a block no connected peer serves) or
 *   `RESULT_INVALID` (published data contradicting the on-chain commitment).
 * @example
 * const result = await fetchResult({ store, jobId, onChain, job, bounded });
 * const bytes = await result.checkpoint(3);
 */
export async function fetchResult({ store, jobId, onChain, job, bounded }: FetchResultParameters): Promise<FetchedResult> {
  const invalid = (rule: string) => new VeritrainError(`result of job ${jobId} is invalid: ${rule}`, { code: "RESULT_INVALID", details: { jobId: jobId.toString(), rule } });
  const get = async (cid: CID, what: string) => {
    try {
      return await store.get(cid, { signal: bounded() });
    } catch (cause) {
      throw new VeritrainError(`${what} of job ${jobId} (${cid}) was not found on any connected peer`, {
        code: "RESULT_NOT_FOUND",
        details: { jobId: jobId.toString(), cid: cid.toString(), what },
        cause,
      });
    }
  };
  const weights = await fetchWeightsFile({ store, jobId, weightsDigest: onChain.weightsDigest, signal: bounded() });
  let link: string | undefined;
  try {
    link = onnx.ModelProto.decode(weights).metadataProps.find((entry) => entry.key === RESULT_MANIFEST_KEY)?.value ?? undefined;
  } catch {
    throw invalid("the weights file is not an ONNX model");
  }
  let manifestCid: CID;
  try {
    manifestCid = CID.parse(link ?? "");
  } catch {
    throw invalid(`the weights file's ${RESULT_MANIFEST_KEY} is not a CID`);
  }
  if (manifestCid.code !== dagCbor.code) throw invalid("the result manifest CID is not dag-cbor");
  const manifest = decodeResultManifest(await get(CID.createV1(raw.code, manifestCid.multihash), "result manifest"), invalid);
  if (!manifest.spec.equals(jobSpecBlockCid(onChain.specDigest))) throw invalid("the manifest is for another job spec");
  if (manifest.checkpoints.length !== job.checkpointSteps.length) {
    throw invalid(`the manifest lists ${manifest.checkpoints.length} checkpoints, the job has ${job.checkpointSteps.length}`);
  }
  const hashes = manifest.checkpoints.map((checkpoint) => checkpoint.hash);
  if (new CheckpointTree(hashes).root !== onChain.traceRoot) throw invalid("the manifest's checkpoint hashes do not form the submitted trace root");
  const checkpoint = async (index: number) => {
    const entry = manifest.checkpoints[index];
    if (entry === undefined) throw invalid(`no checkpoint ${index}`);
    const bytes = await get(entry.cid, `checkpoint ${index}`);
    if (checkpointHash({ bytes, engineVersion: job.config.engineVersion }) !== entry.hash) throw invalid(`checkpoint ${index}'s bytes do not hash to its trace leaf`);
    return bytes;
  };
  let finalParams: Float32Array;
  try {
    finalParams = decodeCheckpoint(await checkpoint(hashes.length - 1)).state.params;
  } catch (error) {
    if (error instanceof VeritrainError && error.code === "CHECKPOINT_INVALID") throw invalid("the last checkpoint is not a checkpoint");
    throw error;
  }
  const expected = weightsFile(job, finalParams, manifestCid);
  if (expected.length !== weights.length || expected.some((byte, i) => byte !== weights[i])) throw invalid("the weights file does not hold the last checkpoint's weights");
  return { manifestCid, hashes, checkpoint };
}

/**
 * A submitted result's trained model (ONNX) from the connected peers, by its on-chain weights
 * digest; the block is checked against the digest on arrival, so the bytes are the committed ones.
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` when no connected peer serves it within `signal`.
 * @example
 * const onnxBytes = await fetchWeightsFile({ store, jobId, weightsDigest: job.weightsDigest, signal });
 */
export async function fetchWeightsFile({ store, jobId, weightsDigest, signal }: { store: ContentStore; jobId: bigint; weightsDigest: Hex; signal: AbortSignal }): Promise<Uint8Array> {
  const cid = weightsFileCid(weightsDigest);
  try {
    return await store.get(cid, { signal });
  } catch (cause) {
    throw new VeritrainError(`the weights file of job ${jobId} (${cid}) was not served by any connected peer: dial the compute provider's node (--peer)`, {
      code: "RESULT_NOT_FOUND",
      details: { jobId: jobId.toString(), cid: cid.toString(), what: "weights file" },
      cause,
    });
  }
}

/** The weights file of a result: the job's ONNX model with the trained parameters, linking its manifest. */
function weightsFile(job: PreparedJob, params: Float32Array, manifestCid: CID): Uint8Array {
  return exportOnnxModel({ original: job.modelBytes, definition: job.model.definition, params, metadata: { [RESULT_MANIFEST_KEY]: manifestCid.toString() } });
}

function decodeResultManifest(bytes: Uint8Array, invalid: (rule: string) => VeritrainError): ResultManifest {
  let value: unknown;
  try {
    value = dagCbor.decode(bytes);
  } catch {
    throw invalid("the result manifest is not dag-cbor");
  }
  const m = value as Partial<ResultManifest> | null;
  if (m?.version !== RESULT_MANIFEST_VERSION) throw invalid(`the result manifest version is not ${RESULT_MANIFEST_VERSION}`);
  if (CID.asCID(m.spec) === null || !Array.isArray(m.checkpoints)) throw invalid("the result manifest lacks its spec or checkpoints");
  for (const checkpoint of m.checkpoints) {
    if (CID.asCID(checkpoint?.cid) === null || typeof checkpoint.hash !== "string" || !/^0x[0-9a-f]{64}$/.test(checkpoint.hash)) {
      throw invalid("a result manifest checkpoint is not { cid, hash }");
    }
  }
  return m as ResultManifest;
}
