import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { create as createDigest } from "multiformats/hashes/digest";
import { sha256 } from "multiformats/hashes/sha2";
import { hexToBytes, type Hex } from "viem";

/**
 * The raw-block CID (CIDv1, raw codec, sha2-256) whose digest a contract stores: what keepers,
 * the CLI and the web app fetch on-chain content by (job specs, weights files, round updates and
 * global models). Browser-safe.
 *
 * @example
 * rawDigestCid(job.specDigest).toString(); // "bafkrei…"
 */
export function rawDigestCid(digest: Hex): CID {
  return CID.createV1(raw.code, createDigest(sha256.code, hexToBytes(digest)));
}
