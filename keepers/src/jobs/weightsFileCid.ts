import type { CID } from "multiformats/cid";
import type { Hex } from "viem";
import { rawDigestCid } from "../content/rawDigestCid.ts";

/**
 * The raw-block CID of a result's weights file (the trained ONNX model), whose SHA-256 digest is
 * the on-chain `weightsDigest`: what the CLI and the web app fetch it by.
 *
 * @example
 * weightsFileCid(job.weightsDigest).toString(); // "bafkrei…"
 */
export function weightsFileCid(weightsDigest: Hex): CID {
  return rawDigestCid(weightsDigest);
}
