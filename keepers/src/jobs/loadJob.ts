import { CID } from "multiformats/cid";
import type { Logger } from "pino";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import type { ContentStore } from "../content/contentStore.ts";
import type { HeliaContentStore } from "../content/heliaContentStore.ts";
import { fetchDataset } from "../datasets/fetchDataset.ts";
import { mnistSourcesFromRecords } from "../datasets/mnistSources.ts";
import { VeritrainError } from "../errors.ts";
import type { MnistSources } from "../training/mnist.ts";
import type { OwnedSplits, SpecFields, SplitRange } from "../training/jobSpec.ts";
import type { Hex } from "viem";
import { prepareJob, type PreparedJob } from "../training/preparedJob.ts";
import { checkSplitsFit } from "./checkSplitsFit.ts";
import { fetchDatasetManifest, reachableShards } from "./fetchDatasetManifest.ts";
import { decodeJobSpec, fetchSpecBlock } from "./jobSpecBlock.ts";
import { readJob, type JobOnChain } from "./jobOnChain.ts";

/** Parameters of {@link loadJob}. */
export type LoadJobParameters = {
  chain: ProtocolConnection;
  /** A listening store: it dials the dataset's holders and fetches spec and model from connected peers. */
  store: HeliaContentStore;
  jobId: bigint;
  log: Logger;
  signal?: AbortSignal;
  /** Bound on each network step (dial, block fetch). Default 30 s. */
  timeoutMs?: number;
};

/** A job as the chain knows it and prepared for the engine. */
export type LoadedJob = { jobId: bigint; onChain: JobOnChain; prepared: PreparedJob };

/**
 * Everything needed to train or re-execute job `jobId`: the on-chain job, its spec (fetched by
 * the posted digest), its model (by the spec's CID) and its dataset (from the dataset's holders,
 * each shard checked against the registered manifest), validated and prepared.
 *
 * @throws VeritrainError `JOB_UNKNOWN`, `JOB_SPEC_NOT_FOUND`, `JOB_SPEC_INVALID`, `JOB_MODEL_NOT_FOUND`,
 *   `DATASET_NOT_MNIST`, `JOB_DATASET_MISMATCH` (a split outside the dataset), `MODEL_CID_MISMATCH`, …
 * @example
 * const { prepared } = await loadJob({ chain, store, jobId: 1n, log, signal });
 */
export async function loadJob(parameters: LoadJobParameters): Promise<LoadedJob> {
  const onChain = await readJob(parameters.chain, parameters.jobId);
  const { spec, modelBytes, sources } = await loadJobInputs({
    ...parameters, specDigest: onChain.specDigest, datasetId: onChain.datasetId, decode: (bytes, cid) => decodeJobSpec(bytes, cid).spec, ranges: (spec) => spec.dataset.splits,
  });
  return { jobId: parameters.jobId, onChain, prepared: prepareJob({ spec, modelBytes, sources }) };
}

/** Parameters of {@link loadJobInputs}. */
export type LoadJobInputsParameters<Spec extends SpecFields<OwnedSplits>> = LoadJobParameters & {
  specDigest: Hex;
  datasetId: bigint;
  /** Parses and validates the spec block (a single-provider or a round job's spec). */
  decode: (bytes: Uint8Array, cid: CID) => Spec;
  /** Every range of the dataset the spec reads, by name (checked against the dataset's sizes). */
  ranges: (spec: Spec) => Readonly<Record<string, SplitRange | undefined>>;
};

/** Parameters of {@link fetchSpecAndModel}. */
export type FetchSpecAndModelParameters<Spec extends SpecFields<OwnedSplits>> = {
  store: ContentStore;
  jobId: bigint;
  specDigest: Hex;
  /** Parses and validates the spec block (a single-provider or a round job's spec). */
  decode: (bytes: Uint8Array, cid: CID) => Spec;
  /** Bounds each fetch. */
  bounded: () => AbortSignal;
};

/**
 * A job's spec (fetched by `specDigest`, validated by `decode`) and its model (by the spec's CID).
 *
 * @throws VeritrainError `JOB_SPEC_NOT_FOUND`, `JOB_SPEC_INVALID`, `JOB_MODEL_NOT_FOUND`.
 * @example
 * const { spec, modelBytes } = await fetchSpecAndModel({ store, jobId, specDigest, decode, bounded });
 */
export async function fetchSpecAndModel<Spec extends SpecFields<OwnedSplits>>(
  { store, jobId, specDigest, decode, bounded }: FetchSpecAndModelParameters<Spec>,
): Promise<{ spec: Spec; modelBytes: Uint8Array }> {
  const block = await fetchSpecBlock({ store, specDigest, signal: bounded() });
  const spec = decode(block.bytes, block.cid);
  try {
    return { spec, modelBytes: await store.get(CID.parse(spec.model), { signal: bounded() }) };
  } catch (cause) {
    throw new VeritrainError(`model ${spec.model} of job ${jobId} was not found on any connected peer`, {
      code: "JOB_MODEL_NOT_FOUND",
      details: { jobId: jobId.toString(), model: spec.model },
      cause,
    });
  }
}

/**
 * The inputs of any job, single-provider or distributed: its spec and model
 * ({@link fetchSpecAndModel}) and its MNIST dataset (from the dataset's holders, each shard
 * checked against the registered manifest).
 *
 * @throws VeritrainError `JOB_SPEC_NOT_FOUND`, `JOB_SPEC_INVALID`, `JOB_MODEL_NOT_FOUND`,
 *   `DATASET_NOT_MNIST`, `JOB_DATASET_MISMATCH`, …
 */
export async function loadJobInputs<Spec extends SpecFields<OwnedSplits>>(
  { chain, store, jobId, specDigest, datasetId, decode, ranges, log, signal, timeoutMs = 30_000 }: LoadJobInputsParameters<Spec>,
): Promise<{ spec: Spec; modelBytes: Uint8Array; sources: MnistSources }> {
  const bounded = () => (signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs));
  const { spec, modelBytes } = await fetchSpecAndModel({ store, jobId, specDigest, decode, bounded });
  const sources = await fetchMnistDataset({ chain, store, datasetId, log, bounded });
  checkSplitsFit(ranges(spec), { train: sources.train.count, test: sources.test.count });
  return { spec, modelBytes, sources };
}

type FetchMnistDatasetParameters = Pick<LoadJobParameters, "chain" | "store" | "log"> & { datasetId: bigint; bounded: () => AbortSignal };

async function fetchMnistDataset({ bounded, ...parameters }: FetchMnistDatasetParameters): Promise<MnistSources> {
  const { manifest, reachable } = await fetchDatasetManifest({ ...parameters, bounded });
  const bytes = await fetchDataset({
    manifest,
    source: reachableShards({ reachable, store: parameters.store, bounded }),
    onSkip: ({ stripe, column, error }) => parameters.log.warn({ stripe, column, err: error }, "shard skipped"),
  });
  return mnistSourcesFromRecords({ manifest, bytes });
}
