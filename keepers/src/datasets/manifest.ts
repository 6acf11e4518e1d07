import * as dagCbor from "@ipld/dag-cbor";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { create as createDigest } from "multiformats/hashes/digest";
import { sha256 } from "multiformats/hashes/sha2";
import { hexToBytes } from "viem";
import { MAX_DEPTH } from "../commitments/treeDepth.ts";
import { VeritrainError } from "../errors.ts";
import { stripeLayout, type StripeLayout } from "./stripeLayout.ts";

/** Version of the manifest format described here and in docs/storage.md. */
export const MANIFEST_VERSION = 1;

/** One fixed-size field of a record. */
export type RecordField = { name: string; offset: number; length: number; type: "uint8" };

/** A named range of records (e.g. MNIST "train" and "test"). */
export type Split = { name: string; firstRecord: number; recordCount: number };

/**
 * The content-addressed description of a stored dataset: what a record is, how the records are
 * striped and erasure-coded, where every shard is (raw-block CIDs, `[stripe][shard]`), and the
 * Poseidon commitments registered on-chain.
 */
export type Manifest = {
  version: typeof MANIFEST_VERSION;
  name: string;
  recordSize: number;
  recordCount: number;
  fields: RecordField[];
  splits: Split[];
  layout: StripeLayout;
  /** `[stripe][shard]`: n CIDs per stripe, data shards first. */
  shards: CID[][];
  /** Depth of each column's 4-ary Poseidon Merkle tree (docs/commitments.md). */
  columnTreeDepth: number;
  /** One 0x-prefixed 32-byte big-endian field element per column. */
  columnRoots: `0x${string}`[];
  datasetRoot: `0x${string}`;
};

/** An encoded manifest and its CID (CIDv1, dag-cbor, sha2-256). */
export type EncodedManifest = { bytes: Uint8Array; cid: CID };

function invalid(field: string, rule: string, value?: unknown): VeritrainError {
  return new VeritrainError(`manifest ${field} ${rule}`, { code: "MANIFEST_INVALID", details: { field, value } });
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isRoot = (value: unknown): boolean => typeof value === "string" && /^0x[0-9a-f]{64}$/.test(value);

/**
 * Checks every field of `value` against the manifest rules and returns it typed; throws a
 * `MANIFEST_INVALID` error naming the first field that breaks a rule.
 */
export function validateManifest(value: unknown): Manifest {
  if (typeof value !== "object" || value === null) throw invalid("(root)", "must be a map");
  const m = value as Record<string, unknown>;
  if (m.version !== MANIFEST_VERSION) throw invalid("version", `must be ${MANIFEST_VERSION}`, m.version);
  if (typeof m.name !== "string" || m.name.length === 0) throw invalid("name", "must be a non-empty string", m.name);
  if (!isCount(m.recordSize) || m.recordSize === 0) throw invalid("recordSize", "must be a positive integer", m.recordSize);
  if (!isCount(m.recordCount) || m.recordCount === 0) throw invalid("recordCount", "must be a positive integer", m.recordCount);
  const recordSize = m.recordSize;
  const recordCount = m.recordCount;
  if (!Array.isArray(m.fields) || m.fields.length === 0) throw invalid("fields", "must be a non-empty list");
  for (const field of m.fields as RecordField[]) {
    if (typeof field?.name !== "string" || field.type !== "uint8" || !isCount(field.offset) || !isCount(field.length) || field.length === 0 || field.offset + field.length > recordSize) {
      throw invalid("fields", `must be uint8 fields inside the ${recordSize}-byte record`, field);
    }
  }
  if (!Array.isArray(m.splits)) throw invalid("splits", "must be a list");
  for (const split of m.splits as Split[]) {
    if (typeof split?.name !== "string" || !isCount(split.firstRecord) || !isCount(split.recordCount) || split.firstRecord + split.recordCount > recordCount) {
      throw invalid("splits", `must be named ranges inside the ${recordCount} records`, split);
    }
  }
  const raw = m.layout as StripeLayout | undefined;
  if (typeof raw !== "object" || raw === null) throw invalid("layout", "must be a map");
  let layout: StripeLayout;
  try {
    layout = stripeLayout({ k: raw.k, n: raw.n, shardSize: raw.shardSize, byteLength: raw.byteLength });
  } catch (cause) {
    throw new VeritrainError("manifest layout is invalid", { code: "MANIFEST_INVALID", details: { field: "layout" }, cause });
  }
  if (raw.stripeCount !== layout.stripeCount) throw invalid("layout.stripeCount", `must be ${layout.stripeCount}`, raw.stripeCount);
  if (layout.byteLength !== recordSize * recordCount) {
    throw invalid("layout.byteLength", `must be recordSize × recordCount = ${recordSize * recordCount}`, layout.byteLength);
  }
  const shards = m.shards;
  if (!Array.isArray(shards) || shards.length !== layout.stripeCount) throw invalid("shards", `must list ${layout.stripeCount} stripes`);
  for (const stripe of shards) {
    if (!Array.isArray(stripe) || stripe.length !== layout.n || !stripe.every((cid) => CID.asCID(cid)?.code === 0x55)) {
      throw invalid("shards", `must hold ${layout.n} raw-block CIDs per stripe`);
    }
  }
  if (!isCount(m.columnTreeDepth) || m.columnTreeDepth < 1 || m.columnTreeDepth > MAX_DEPTH) {
    throw invalid("columnTreeDepth", `must be an integer in [1, ${MAX_DEPTH}]`, m.columnTreeDepth);
  }
  if (!Array.isArray(m.columnRoots) || m.columnRoots.length !== layout.n || !m.columnRoots.every(isRoot)) {
    throw invalid("columnRoots", `must be ${layout.n} lowercase 0x-prefixed 32-byte hex roots`);
  }
  if (!isRoot(m.datasetRoot)) throw invalid("datasetRoot", "must be a lowercase 0x-prefixed 32-byte hex root", m.datasetRoot);
  return value as Manifest;
}

/**
 * Validates and encodes a manifest as dag-cbor, returning its bytes and CID.
 *
 * @example
 * const { bytes, cid } = await encodeManifest(manifest);
 * await store.put(bytes); // the chain records cid.multihash.digest
 */
export async function encodeManifest(manifest: Manifest): Promise<EncodedManifest> {
  const bytes = dagCbor.encode(validateManifest(manifest));
  return { bytes, cid: CID.create(1, dagCbor.code, await sha256.digest(bytes)) };
}

/**
 * Decodes manifest bytes fetched for `cid`, checking that they hash to it and that every field
 * is valid.
 */
export async function decodeManifest(bytes: Uint8Array, cid: CID): Promise<Manifest> {
  const actual = CID.create(1, dagCbor.code, await sha256.digest(bytes));
  if (!actual.equals(cid)) {
    throw new VeritrainError(`manifest bytes hash to ${actual}, not ${cid}`, { code: "MANIFEST_HASH_MISMATCH", details: { cid: cid.toString() } });
  }
  let value: unknown;
  try {
    value = dagCbor.decode(bytes);
  } catch (cause) {
    throw new VeritrainError("manifest is not valid dag-cbor", { code: "MANIFEST_INVALID", details: { field: "(root)" }, cause });
  }
  return validateManifest(value);
}

/**
 * The manifest CID a dataset registers on-chain by its sha2-256 digest (`manifestDigest`):
 * CIDv1, dag-cbor, that digest.
 *
 * @example
 * manifestCidOf(dataset.manifestDigest).toString(); // "bafyrei…"
 */
export function manifestCidOf(manifestDigest: `0x${string}`): CID {
  return CID.createV1(dagCbor.code, createDigest(sha256.code, hexToBytes(manifestDigest)));
}

/**
 * The raw-block CID under which content stores hold a manifest: the same sha2-256 multihash as
 * its dag-cbor CID (block stores are keyed by multihash; the shard stores speak raw blocks).
 */
export function manifestBlockCid(manifestCid: CID): CID {
  return CID.createV1(raw.code, manifestCid.multihash);
}
