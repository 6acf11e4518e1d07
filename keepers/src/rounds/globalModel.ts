import type { Hex } from "viem";
import { blobDigest } from "../content/chunkedBlob.ts";
import { VeritrainError } from "../errors.ts";

/** "VTGM" read as a little-endian uint32. */
const MAGIC = 0x4d475456;
/** Layout 1 carries the parameters; layout 2 also the outer optimizer's momentum. */
const PARAMS_ONLY = 1;
const WITH_MOMENTUM = 2;
const HEADER_BYTES = 16;

/**
 * The global model after a round: round 0 is the model file's weights, round r + 1 follows round
 * r's aggregate. `momentum` is the outer optimizer's buffer, present iff the spec's outer momentum
 * is not 0 and r ≥ 1 (round 0's is all +0).
 */
export type GlobalModel = { round: number; params: Float32Array; momentum?: Float32Array };

/**
 * The global-model blob, the preimage of the digest an aggregator posts. Little-endian:
 *
 * | offset   | size | field                                          |
 * |----------|------|------------------------------------------------|
 * | 0        | 4    | magic "VTGM"                                   |
 * | 4        | 4    | layout (uint32): 1 = parameters, 2 = + momentum |
 * | 8        | 4    | rounds aggregated so far r (uint32)            |
 * | 12       | 4    | parameter count P (uint32)                     |
 * | 16       | 4·P  | parameters, binary32, canonical order          |
 * | 16 + 4·P | 4·P  | layout 2 only: momentum, binary32, same order  |
 *
 * @throws VeritrainError `GLOBAL_MODEL_INVALID` when the momentum's length is not the parameters'.
 * @example
 * globalModelDigest(encodeGlobalModel({ round: 0, params })); // "0x…"
 */
export function encodeGlobalModel({ round, params, momentum }: GlobalModel): Uint8Array {
  const count = params.length;
  if (momentum !== undefined && momentum.length !== count) throw invalid("momentum length does not match parameter count");
  const vectors = momentum === undefined ? [params] : [params, momentum];
  const bytes = new Uint8Array(HEADER_BYTES + 4 * count * vectors.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, momentum === undefined ? PARAMS_ONLY : WITH_MOMENTUM, true);
  view.setUint32(8, round, true);
  view.setUint32(12, count, true);
  vectors.forEach((vector, v) => {
    const base = HEADER_BYTES + 4 * count * v;
    for (let i = 0; i < count; i++) view.setFloat32(base + 4 * i, vector[i]!, true);
  });
  return bytes;
}

function invalid(rule: string): VeritrainError {
  return new VeritrainError(`invalid global model: ${rule}`, { code: "GLOBAL_MODEL_INVALID", details: { rule } });
}

/**
 * Parses {@link encodeGlobalModel}'s layout.
 *
 * @throws VeritrainError `GLOBAL_MODEL_INVALID` on a wrong magic, layout or length and on a non-finite value.
 */
export function decodeGlobalModel(bytes: Uint8Array): GlobalModel {
  if (bytes.length < HEADER_BYTES) throw invalid("shorter than the 16-byte header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw invalid("magic is not VTGM");
  const layout = view.getUint32(4, true);
  if (layout !== PARAMS_ONLY && layout !== WITH_MOMENTUM) throw invalid(`layout must be ${PARAMS_ONLY} or ${WITH_MOMENTUM}`);
  const count = view.getUint32(12, true);
  if (bytes.length !== HEADER_BYTES + 4 * count * layout) throw invalid("length does not match parameter count");
  const [params, momentum] = Array.from({ length: layout }, (_, v) => Float32Array.from({ length: count }, (_, i) => view.getFloat32(HEADER_BYTES + 4 * (count * v + i), true)));
  const model = { round: view.getUint32(8, true), params: params!, ...(momentum === undefined ? {} : { momentum }) };
  const notFinite = firstNonFinite(model);
  if (notFinite !== undefined) throw invalid(`${notFinite.vector} ${notFinite.index} is not finite`);
  return model;
}

/**
 * A global model's first value that is NaN or ±∞ (parameters, then momentum), if any: a global model holding one is
 * invalid ({@link decodeGlobalModel}), so an aggregator posts none (docs/dispute-game.md §7).
 *
 * @example
 * firstNonFinite({ round: 1, params: Float32Array.of(0.5, Infinity) }); // { vector: "parameter", index: 1 }
 */
export function firstNonFinite({ params, momentum }: GlobalModel): { vector: "parameter" | "momentum"; index: number } | undefined {
  for (const [vector, values] of [["parameter", params], ["momentum", momentum ?? new Float32Array(0)]] as const) {
    const index = values.findIndex((value) => !Number.isFinite(value));
    if (index !== -1) return { vector, index };
  }
  return undefined;
}

/**
 * The digest an aggregator posts for a global model: its blob's digest as a chunked blob (docs/distributed-training.md,
 * "Chunked blobs"), so the header's raw-block CID follows from the chain (`rawDigestCid`) and an availability dispute can
 * make the aggregator publish it on-chain.
 */
export function globalModelDigest(bytes: Uint8Array): Hex {
  return blobDigest(bytes);
}
