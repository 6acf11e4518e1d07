import { sha256, type Hex } from "viem";
import { VeritrainError } from "../errors.ts";

/** "VTGM" read as a little-endian uint32. */
const MAGIC = 0x4d475456;
const LAYOUT_VERSION = 1;
const HEADER_BYTES = 16;

/** The global model after a round: round 0 is the model file's weights, round r + 1 follows round r's aggregate. */
export type GlobalModel = { round: number; params: Float32Array };

/**
 * The global-model blob, the preimage of the digest an aggregator posts. Little-endian:
 *
 * | offset | size | field                              |
 * |--------|------|------------------------------------|
 * | 0      | 4    | magic "VTGM"                       |
 * | 4      | 4    | layout version (uint32) = 1        |
 * | 8      | 4    | rounds aggregated so far r (uint32)|
 * | 12     | 4    | parameter count P (uint32)         |
 * | 16     | 4·P  | parameters, binary32, canonical order |
 *
 * @example
 * globalModelDigest(encodeGlobalModel({ round: 0, params })); // "0x…"
 */
export function encodeGlobalModel({ round, params }: GlobalModel): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + 4 * params.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, LAYOUT_VERSION, true);
  view.setUint32(8, round, true);
  view.setUint32(12, params.length, true);
  for (let i = 0; i < params.length; i++) view.setFloat32(HEADER_BYTES + 4 * i, params[i]!, true);
  return bytes;
}

/**
 * Parses {@link encodeGlobalModel}'s layout.
 *
 * @throws VeritrainError `GLOBAL_MODEL_INVALID` on a wrong magic, version, length or a non-finite parameter.
 */
export function decodeGlobalModel(bytes: Uint8Array): GlobalModel {
  const fail = (rule: string) => new VeritrainError(`invalid global model: ${rule}`, { code: "GLOBAL_MODEL_INVALID", details: { rule } });
  if (bytes.length < HEADER_BYTES) throw fail("shorter than the 16-byte header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw fail("magic is not VTGM");
  if (view.getUint32(4, true) !== LAYOUT_VERSION) throw fail(`layout version must be ${LAYOUT_VERSION}`);
  const count = view.getUint32(12, true);
  if (bytes.length !== HEADER_BYTES + 4 * count) throw fail("length does not match parameter count");
  const params = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    params[i] = view.getFloat32(HEADER_BYTES + 4 * i, true);
    if (!Number.isFinite(params[i])) throw fail(`parameter ${i} is not finite`);
  }
  return { round: view.getUint32(8, true), params };
}

/**
 * The digest an aggregator posts for a global model: SHA-256 of its blob, so the blob's raw-block
 * CID follows from the chain (`rawDigestCid`).
 */
export function globalModelDigest(bytes: Uint8Array): Hex {
  return sha256(bytes);
}
