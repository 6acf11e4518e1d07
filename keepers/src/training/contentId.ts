import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { sha256 } from "viem";

/** Multicodec of raw bytes (used for model files). */
export const RAW_CODEC = 0x55;
/** Multicodec of JSON (used for job specs). */
export const JSON_CODEC = 0x0200;
/** Multihash code of sha2-256. */
const SHA2_256 = 0x12;

/** Parameters of {@link contentId}. */
export type ContentIdParameters = { bytes: Uint8Array; codec: number };

/**
 * CIDv1 of some bytes with a sha2-256 multihash, as a base32 string ("b…").
 *
 * @example
 * contentId({ bytes: onnxFile, codec: RAW_CODEC }); // "bafkrei…"
 */
export function contentId({ bytes, codec }: ContentIdParameters): string {
  return CID.createV1(codec, Digest.create(SHA2_256, sha256(bytes, "bytes"))).toString();
}
