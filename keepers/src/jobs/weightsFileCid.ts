import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { create as createDigest } from "multiformats/hashes/digest";
import { sha256 } from "multiformats/hashes/sha2";
import { hexToBytes, type Hex } from "viem";

/**
 * The raw-block CID of a result's weights file (the trained ONNX model), whose SHA-256 digest is
 * the on-chain `weightsDigest`: what the CLI and the web app fetch it by.
 *
 * @example
 * weightsFileCid(job.weightsDigest).toString(); // "bafkrei…"
 */
export function weightsFileCid(weightsDigest: Hex): CID {
  return CID.createV1(raw.code, createDigest(sha256.code, hexToBytes(weightsDigest)));
}
