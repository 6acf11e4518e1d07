import * as dagCbor from "@ipld/dag-cbor";
import { CID } from "multiformats/cid";
import { toHex, type Hex } from "viem";
import type { ContentStore } from "../content/contentStore.ts";
import { rawDigestCid } from "../content/rawDigestCid.ts";
import { VeritrainError } from "../errors.ts";
import { checkpointHash, type CheckpointHashParameters } from "../training/checkpoint.ts";
import { CheckpointTree } from "../training/checkpointTree.ts";
import type { PreparedJob } from "../training/preparedJob.ts";
import { jobSpecBlockCid } from "./jobSpecBlock.ts";
import type { JobOnChain } from "./jobOnChain.ts";

/** Version of the result manifest layout below. */
export const RESULT_MANIFEST_VERSION = 1;

/**
 * What a compute provider publishes with a result (dag-cbor): the job spec's block and every
 * checkpoint's raw block CID (SHA-256 of the canonical bytes) with its checkpoint hash (the
 * trace leaf, by the job's engine version). Nothing job-specific beyond the spec, so one spec always
 * gives one manifest. Its block's SHA-256 is the on-chain `resultDigest`. The trained weights are,
 * by definition, the last checkpoint's parameters (docs/dispute-game.md §5): the trained model file
 * is rebuilt from them (`trainedModel.ts`), never published or committed on its own.
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
  signal?: AbortSignal;
};

/** What goes on-chain with `submitResult`, and where the rest was published. */
export type PublishedResult = { resultDigest: Hex; traceRoot: Hex; manifestCid: CID; hashes: Hex[] };

/**
 * Stores and pins every checkpoint as a raw block and the result manifest listing them; returns
 * the result digest (SHA-256 of the manifest block) and the trace root to submit. Fetchers start
 * from the on-chain result digest: manifest → checkpoints.
 *
 * @example
 * const { resultDigest, traceRoot } = await publishResult({ store, job, specDigest, checkpointCount, readCheckpoint });
 */
export async function publishResult({ store, job, specDigest, checkpointCount, readCheckpoint, signal }: PublishResultParameters): Promise<PublishedResult> {
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
  const hashes = checkpoints.map((checkpoint) => checkpoint.hash);
  const resultDigest = toHex(manifestBlock.multihash.digest);
  return { resultDigest, traceRoot: new CheckpointTree(hashes).root, manifestCid: resultManifestCid(resultDigest), hashes };
}

/** The dag-cbor CID of the result manifest whose SHA-256 is `resultDigest` (its block is fetched by the raw CID of the same digest). */
export function resultManifestCid(resultDigest: Hex): CID {
  return CID.createV1(dagCbor.code, rawDigestCid(resultDigest).multihash);
}

/** Where a result's blocks come from: `cid`'s bytes, checked against it, or `RESULT_NOT_FOUND` naming `what`. */
export type ResultBlockSource = (cid: CID, what: string) => Promise<Uint8Array>;

/**
 * A {@link ResultBlockSource} over a content store's connected peers, each fetch bounded by a fresh `bounded()`.
 *
 * @example
 * const get = storeBlockSource({ store, jobId, bounded: () => AbortSignal.timeout(30_000) });
 */
export function storeBlockSource({ store, jobId, bounded }: { store: ContentStore; jobId: bigint; bounded: () => AbortSignal }): ResultBlockSource {
  return async (cid, what) => {
    try {
      return await store.get(cid, { signal: bounded() });
    } catch (cause) {
      throw new VeritrainError(`${what} of job ${jobId} (${cid}) was not found on any connected peer: dial the compute provider's node (--peer)`, {
        code: "RESULT_NOT_FOUND",
        details: { jobId: jobId.toString(), cid: cid.toString(), what },
        cause,
      });
    }
  };
}

/** Parameters of {@link openResult}. */
export type OpenResultParameters = {
  get: ResultBlockSource;
  jobId: bigint;
  onChain: Pick<JobOnChain, "resultDigest" | "specDigest" | "traceRoot">;
  /** The job's engine version: how a checkpoint's bytes hash to its trace leaf. */
  engineVersion: CheckpointHashParameters["engineVersion"];
  /** The job's number of checkpoints, when the caller knows it (a checker, from its prepared job): the manifest must list as many. */
  checkpointCount?: number;
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
 * Opens the result submitted for a job: fetches the manifest by the on-chain result digest and
 * checks that it is for the job's spec, that its hashes form the on-chain trace root (and, given
 * `checkpointCount`, that it lists one checkpoint per checkpoint step); checkpoints are fetched on
 * demand, each checked against its hash. Shared by the checkers, the CLI and the web app.
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` (from `get`) or `RESULT_INVALID` (published data
 *   contradicting the on-chain commitment).
 * @example
 * const result = await openResult({ get, jobId, onChain, engineVersion: config.engineVersion });
 * const last = await result.checkpoint(result.hashes.length - 1);
 */
export async function openResult({ get, jobId, onChain, engineVersion, checkpointCount }: OpenResultParameters): Promise<FetchedResult> {
  const invalid = (rule: string) => resultInvalid(jobId, rule);
  const manifest = decodeResultManifest(await get(rawDigestCid(onChain.resultDigest), "result manifest"), invalid);
  if (!manifest.spec.equals(jobSpecBlockCid(onChain.specDigest))) throw invalid("the manifest is for another job spec");
  if (checkpointCount !== undefined && manifest.checkpoints.length !== checkpointCount) {
    throw invalid(`the manifest lists ${manifest.checkpoints.length} checkpoints, the job has ${checkpointCount}`);
  }
  const hashes = manifest.checkpoints.map((checkpoint) => checkpoint.hash);
  if (hashes.length === 0 || new CheckpointTree(hashes).root !== onChain.traceRoot) throw invalid("the manifest's checkpoint hashes do not form the submitted trace root");
  const checkpoint = async (index: number) => {
    const entry = manifest.checkpoints[index];
    if (entry === undefined) throw invalid(`no checkpoint ${index}`);
    const bytes = await get(entry.cid, `checkpoint ${index}`);
    if (checkpointHash({ bytes, engineVersion }) !== entry.hash) throw invalid(`checkpoint ${index}'s bytes do not hash to its trace leaf`);
    return bytes;
  };
  return { manifestCid: resultManifestCid(onChain.resultDigest), hashes, checkpoint };
}

/**
 * Fetches every checkpoint of an opened result, each checked against its leaf: what "the result is
 * served" means. The checkpoints are what games are played from and the last one holds the trained
 * weights, so a manifest served without them is a result withheld.
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` or `RESULT_INVALID`, as {@link openResult}'s `checkpoint`.
 */
export async function checkServed(result: FetchedResult): Promise<void> {
  for (let index = 0; index < result.hashes.length; index++) await result.checkpoint(index);
}

/** `RESULT_INVALID`: job `jobId`'s published result breaks `rule`. */
export function resultInvalid(jobId: bigint, rule: string): VeritrainError {
  return new VeritrainError(`result of job ${jobId} is invalid: ${rule}`, { code: "RESULT_INVALID", details: { jobId: jobId.toString(), rule } });
}

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

/** Parameters of {@link fetchResult}. */
export type FetchResultParameters = {
  store: ContentStore;
  jobId: bigint;
  onChain: JobOnChain;
  job: PreparedJob;
  /** A fresh bound for each block fetch. */
  bounded: () => AbortSignal;
};

/**
 * A checker's {@link openResult}: from its content store's peers, for its prepared job (one
 * checkpoint per checkpoint step, hashed by the job's engine version).
 *
 * @throws VeritrainError `RESULT_NOT_FOUND` or `RESULT_INVALID`.
 * @example
 * const result = await fetchResult({ store, jobId, onChain, job, bounded });
 * const bytes = await result.checkpoint(3);
 */
export function fetchResult({ store, jobId, onChain, job, bounded }: FetchResultParameters): Promise<FetchedResult> {
  return openResult({ get: storeBlockSource({ store, jobId, bounded }), jobId, onChain, engineVersion: job.config.engineVersion, checkpointCount: job.checkpointSteps.length });
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
