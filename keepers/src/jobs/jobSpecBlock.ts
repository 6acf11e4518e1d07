import { CID } from "multiformats/cid";
import { toHex, type Hex } from "viem";
import type { ContentStore } from "../content/contentStore.ts";
import { rawDigestCid } from "../content/rawDigestCid.ts";
import { VeritrainError } from "../errors.ts";
import { canonicalJson, type CanonicalJsonValue } from "../training/canonicalJson.ts";
import { validateRoundJobSpec, type RoundJobSpec } from "../rounds/roundJobSpec.ts";
import { validateJobSpec, type JobSpec } from "../training/jobSpec.ts";

/**
 * The raw-block CID of a job spec posted with `specDigest`: JobRegistry stores the SHA-256 of
 * the spec's canonical JSON, and content stores hold it as a raw block under that multihash.
 *
 * @example
 * const cid = jobSpecBlockCid(job.specDigest); // bafkrei…
 */
export function jobSpecBlockCid(specDigest: Hex): CID {
  return rawDigestCid(specDigest);
}

/** Parameters of {@link storeJobSpec}. */
export type StoreJobSpecParameters = { store: ContentStore; spec: JobSpec | RoundJobSpec };

/**
 * Validates `spec` and stores its canonical JSON as one raw block; returns the block's CID and
 * the digest an Order carries (`specDigest`).
 *
 * @throws VeritrainError `JOB_SPEC_INVALID` (nothing is stored then).
 * @example
 * const { cid, specDigest } = await storeJobSpec({ store, spec });
 */
export async function storeJobSpec({ store, spec }: StoreJobSpecParameters): Promise<{ cid: CID; specDigest: Hex }> {
  const cid = await store.put(jobSpecBytes(spec));
  return { cid, specDigest: toHex(cid.multihash.digest) };
}

/**
 * The bytes of a job spec's block: its canonical JSON (docs/training.md §9), once the spec is
 * validated (a round job's spec by its own rules, docs/distributed-training.md). Shared by the
 * keepers and the web app, which store it through different APIs.
 *
 * @throws VeritrainError `JOB_SPEC_INVALID`.
 * @example
 * const cid = await putRawBlock({ apiUrl, bytes: jobSpecBytes(spec), what: "the job spec" });
 */
export function jobSpecBytes(spec: JobSpec | RoundJobSpec): Uint8Array {
  if ("distributed" in spec) validateRoundJobSpec(spec);
  else validateJobSpec(spec);
  return new TextEncoder().encode(canonicalJson(spec as unknown as CanonicalJsonValue));
}

/** Parameters of {@link fetchJobSpec}. */
export type FetchJobSpecParameters = { store: ContentStore; specDigest: Hex; signal?: AbortSignal };

/**
 * Fetches the spec block a job was posted with (any connected peer serving it); the store checks
 * the bytes against the digest.
 *
 * @throws VeritrainError `JOB_SPEC_NOT_FOUND` (no peer served it in time).
 */
export async function fetchSpecBlock({ store, specDigest, signal }: FetchJobSpecParameters): Promise<{ bytes: Uint8Array; cid: CID }> {
  const cid = jobSpecBlockCid(specDigest);
  try {
    return { bytes: await store.get(cid, { signal }), cid };
  } catch (cause) {
    throw new VeritrainError(`job spec ${cid} (digest ${specDigest}) was not found on any connected peer`, {
      code: "JOB_SPEC_NOT_FOUND",
      details: { cid: cid.toString(), specDigest },
      cause,
    });
  }
}

/**
 * Fetches the spec a single-provider job was posted with ({@link fetchSpecBlock}) and validates it.
 *
 * @throws VeritrainError `JOB_SPEC_NOT_FOUND` or `JOB_SPEC_INVALID` (not JSON, or breaks a spec rule).
 * @example
 * const spec = await fetchJobSpec({ store, specDigest: job.specDigest, signal });
 */
export async function fetchJobSpec(parameters: FetchJobSpecParameters): Promise<JobSpec> {
  const { bytes, cid } = await fetchSpecBlock(parameters);
  return decodeJobSpec(bytes, cid).spec;
}

/**
 * A spec block's bytes as parsed JSON, not yet checked against any spec rule.
 *
 * @throws VeritrainError `JOB_SPEC_INVALID` when the bytes are not UTF-8 JSON.
 */
export function parseSpecJson(bytes: Uint8Array, cid: CID): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (cause) {
    throw new VeritrainError(`job spec ${cid} is not UTF-8 JSON`, { code: "JOB_SPEC_INVALID", details: { cid: cid.toString(), rule: "JSON" }, cause });
  }
}

/**
 * A job spec block's bytes read back: UTF-8 JSON that keeps every spec rule, with the training
 * configuration it implies. Shared by the keepers and the web app.
 *
 * @throws VeritrainError `JOB_SPEC_INVALID` (not JSON, or breaks a spec rule).
 * @example
 * const { spec, config } = decodeJobSpec(bytes, jobSpecBlockCid(specDigest));
 */
export function decodeJobSpec(bytes: Uint8Array, cid: CID): ReturnType<typeof validateJobSpec> {
  return validateJobSpec(parseSpecJson(bytes, cid));
}
