import { bytesToHex, hexToBytes, type Hex } from "viem";
import { blobDigest } from "../content/chunkedBlob.ts";
import { VeritrainError } from "../errors.ts";

/** "VTUP" and "VTRS" read as little-endian uint32s. */
const UPDATE_MAGIC = 0x50555456;
const RESIDUAL_MAGIC = 0x53525456;
const LAYOUT_VERSION = 1;
/** magic, version, round, slot, parameter count: the first 20 bytes of both blobs. */
const COMMON_HEADER_BYTES = 20;
/** The common header, encoding id, k and the residual digest. */
const UPDATE_HEADER_BYTES = 60;
const RESIDUAL_DIGEST_OFFSET = 28;
const NO_RESIDUAL = `0x${"00".repeat(32)}` as const;
const UINT32_MAX = 0xffffffff;

/** Encoding ids in the update header. */
export const UPDATE_ENCODING = { denseF32: 0, sparseF32: 1, sparseInt8: 2, denseInt8: 3 } as const;

/**
 * What an update blob carries. Sparse payloads list strictly ascending indices below the
 * parameter count (absent coordinates are +0); int8 payloads carry one binary32 `scale` and
 * values q ∈ [−127, 127] meaning fround(q · scale).
 */
export type UpdatePayload =
  | { encoding: "denseF32"; values: Float32Array }
  | { encoding: "sparseF32"; indices: Uint32Array; values: Float32Array }
  | { encoding: "sparseInt8"; indices: Uint32Array; scale: number; quantized: Int8Array }
  | { encoding: "denseInt8"; scale: number; quantized: Int8Array };

/** Parameters of {@link encodeUpdate}. */
export type EncodeUpdateParameters = {
  round: number;
  slot: number;
  /** Parameter count P of the model (the dense length). */
  size: number;
  payload: UpdatePayload;
  /** With error-feedback compression: SHA-256 of the residual blob the slot carries to its next round. */
  residualDigest?: Hex;
};

/** A decoded update blob: its header, its payload and the dense binary32 vector it means. */
export type DecodedUpdate = { round: number; slot: number; payload: UpdatePayload; values: Float32Array; residualDigest: Hex | undefined };

/** A decoded residual blob: the slot's error-feedback residual after `round`. */
export type DecodedResidual = { round: number; slot: number; residual: Float32Array };

/** Parameters of {@link encodeResidual}. */
export type EncodeResidualParameters = DecodedResidual;

function refuse(code: "UPDATE_INVALID" | "RESIDUAL_INVALID", rule: string): VeritrainError {
  const blob = code === "UPDATE_INVALID" ? "update" : "residual";
  return new VeritrainError(`invalid ${blob} blob: ${rule}`, { code, details: { rule } });
}

function uint32(value: number, name: string, code: "UPDATE_INVALID" | "RESIDUAL_INVALID"): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > UINT32_MAX) throw refuse(code, `${name} must be a uint32, got ${value}`);
  return value;
}

function writeCommonHeader(view: DataView, magic: number, round: number, slot: number, size: number): void {
  view.setUint32(0, magic, true);
  view.setUint32(4, LAYOUT_VERSION, true);
  view.setUint32(8, round, true);
  view.setUint32(12, slot, true);
  view.setUint32(16, size, true);
}

function readCommonHeader(bytes: Uint8Array, magic: number, code: "UPDATE_INVALID" | "RESIDUAL_INVALID", headerBytes: number) {
  if (bytes.length < headerBytes) throw refuse(code, `shorter than the ${headerBytes}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== magic) throw refuse(code, `magic is not ${code === "UPDATE_INVALID" ? "VTUP" : "VTRS"}`);
  if (view.getUint32(4, true) !== LAYOUT_VERSION) throw refuse(code, `layout version must be ${LAYOUT_VERSION}`);
  const size = view.getUint32(16, true);
  if (size === 0) throw refuse(code, "parameter count must be at least 1");
  return { view, round: view.getUint32(8, true), slot: view.getUint32(12, true), size };
}

function payloadBytes(encoding: number, size: number, entries: number): number {
  if (encoding === UPDATE_ENCODING.denseF32) return 4 * size;
  if (encoding === UPDATE_ENCODING.sparseF32) return 8 * entries;
  if (encoding === UPDATE_ENCODING.sparseInt8) return 4 + 5 * entries;
  return 4 + size;
}

/**
 * The update blob: a raw IPFS block whose keccak256 ({@link updateDigest}) a slot commits
 * on-chain. Little-endian; header (28 bytes) then payload:
 *
 * | offset | size | field                                                        |
 * |--------|------|--------------------------------------------------------------|
 * | 0      | 4    | magic "VTUP"                                                 |
 * | 4      | 4    | layout version (uint32) = 1                                  |
 * | 8      | 4    | round (uint32)                                               |
 * | 12     | 4    | slot (uint32)                                                |
 * | 16     | 4    | parameter count P ≥ 1 (uint32)                               |
 * | 20     | 4    | encoding: 0 dense f32, 1 sparse f32, 2 sparse int8, 3 dense int8 |
 * | 24     | 4    | k = entries stored (P when dense, 1…P when sparse) (uint32)  |
 * | 28     | …    | 0: P binary32 · 1: k uint32 indices, k binary32 ·            |
 * |        |      | 2: binary32 scale, k uint32 indices, k int8 · 3: binary32 scale, P int8 |
 *
 * Refuses (like {@link decodeUpdate}) anything that would not decode.
 *
 * @throws VeritrainError `UPDATE_INVALID` with `details.rule`.
 * @example
 * const bytes = encodeUpdate({ round: 0, slot: 2, size: 3, payload: { encoding: "denseF32", values: Float32Array.of(0.5, -1, 0) } });
 */
export function encodeUpdate({ round, slot, size, payload, residualDigest }: EncodeUpdateParameters): Uint8Array {
  uint32(round, "round", "UPDATE_INVALID");
  uint32(slot, "slot", "UPDATE_INVALID");
  uint32(size, "parameter count", "UPDATE_INVALID");
  const encoding = UPDATE_ENCODING[payload.encoding];
  const entries = "indices" in payload ? payload.indices.length : size;
  const stored = "values" in payload ? payload.values.length : payload.quantized.length;
  if (stored !== entries) throw refuse("UPDATE_INVALID", `payload holds ${stored} values for ${entries} entries`);
  const bytes = new Uint8Array(UPDATE_HEADER_BYTES + payloadBytes(encoding, size, entries));
  const view = new DataView(bytes.buffer);
  writeCommonHeader(view, UPDATE_MAGIC, round, slot, size);
  view.setUint32(20, encoding, true);
  view.setUint32(24, entries, true);
  if (residualDigest !== undefined) {
    if (!/^0x[0-9a-f]{64}$/.test(residualDigest) || residualDigest === NO_RESIDUAL) throw refuse("UPDATE_INVALID", "residual digest must be a non-zero 32-byte lowercase hex SHA-256");
    bytes.set(hexToBytes(residualDigest), RESIDUAL_DIGEST_OFFSET);
  }
  let offset = UPDATE_HEADER_BYTES;
  if ("scale" in payload) {
    view.setFloat32(offset, payload.scale, true);
    offset += 4;
  }
  if ("indices" in payload) {
    for (const index of payload.indices) view.setUint32((offset += 4) - 4, index, true);
  }
  if ("values" in payload) {
    for (const value of payload.values) view.setFloat32((offset += 4) - 4, value, true);
  } else {
    bytes.set(new Uint8Array(payload.quantized.buffer, payload.quantized.byteOffset, entries), offset);
  }
  decodeUpdate(bytes);
  return bytes;
}

/**
 * Parses and checks an update blob ({@link encodeUpdate}) and expands it to the dense binary32
 * vector it means: absent coordinates +0, int8 values fround(q · scale).
 *
 * @throws VeritrainError `UPDATE_INVALID` with `details.rule`: wrong magic, version or length;
 * unknown encoding; k out of range; indices not strictly ascending or ≥ P; a non-finite value;
 * a scale that is negative (sign bit set) or non-finite; an int8 of −128; fround(q · scale) = ±∞.
 * @example
 * const { round, slot, values } = decodeUpdate(bytes);
 */
export function decodeUpdate(bytes: Uint8Array): DecodedUpdate {
  const fail = (rule: string) => refuse("UPDATE_INVALID", rule);
  const { view, round, slot, size } = readCommonHeader(bytes, UPDATE_MAGIC, "UPDATE_INVALID", UPDATE_HEADER_BYTES);
  const encodingId = view.getUint32(20, true);
  const encoding = (Object.keys(UPDATE_ENCODING) as UpdatePayload["encoding"][]).find((name) => UPDATE_ENCODING[name] === encodingId);
  if (encoding === undefined) throw fail(`unknown encoding id ${encodingId}`);
  const entries = view.getUint32(24, true);
  const dense = encoding === "denseF32" || encoding === "denseInt8";
  if (dense ? entries !== size : entries < 1 || entries > size) {
    throw fail(dense ? "k must equal the parameter count for a dense encoding" : "k must be in [1, parameter count] for a sparse encoding");
  }
  const expected = UPDATE_HEADER_BYTES + payloadBytes(encodingId, size, entries);
  if (bytes.length !== expected) throw fail(`length must be ${expected} bytes for this header, got ${bytes.length}`);
  const named = bytesToHex(bytes.subarray(RESIDUAL_DIGEST_OFFSET, UPDATE_HEADER_BYTES));
  const residualDigest = named === NO_RESIDUAL ? undefined : named;

  let offset = UPDATE_HEADER_BYTES;
  let scale = 1;
  if (encoding === "sparseInt8" || encoding === "denseInt8") {
    scale = view.getFloat32(offset, true);
    if (!Number.isFinite(scale) || view.getUint32(offset, true) >>> 31 === 1) throw fail("scale must be a finite binary32 ≥ +0");
    offset += 4;
  }
  let indices: Uint32Array | undefined;
  if (!dense) {
    indices = new Uint32Array(entries);
    for (let j = 0; j < entries; j++, offset += 4) {
      const index = view.getUint32(offset, true);
      if (index >= size || (j > 0 && index <= indices[j - 1]!)) throw fail("indices must be strictly ascending and below the parameter count");
      indices[j] = index;
    }
  }
  const values = new Float32Array(size);
  const place = (j: number, value: number) => {
    if (!Number.isFinite(value)) throw fail(`value ${j} is not a finite binary32`);
    values[indices === undefined ? j : indices[j]!] = value;
  };
  if (encoding === "denseF32" || encoding === "sparseF32") {
    const stored = new Float32Array(entries);
    for (let j = 0; j < entries; j++, offset += 4) place(j, (stored[j] = view.getFloat32(offset, true)));
    return { round, slot, values, residualDigest, payload: indices === undefined ? { encoding: "denseF32", values: stored } : { encoding: "sparseF32", indices, values: stored } };
  }
  const quantized = new Int8Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + entries));
  quantized.forEach((q, j) => {
    if (q === -128) throw fail("int8 values must be in [-127, 127]");
    place(j, Math.fround(q * scale));
  });
  return { round, slot, values, residualDigest, payload: indices === undefined ? { encoding: "denseInt8", scale, quantized } : { encoding: "sparseInt8", indices, scale, quantized } };
}

/**
 * The residual blob of error-feedback compression: slot `slot`'s residual after round `round`,
 * which its round `round + 1` update starts from. Little-endian:
 *
 * | offset | size | field                              |
 * |--------|------|------------------------------------|
 * | 0      | 4    | magic "VTRS"                       |
 * | 4      | 4    | layout version (uint32) = 1        |
 * | 8      | 4    | round (uint32)                     |
 * | 12     | 4    | slot (uint32)                      |
 * | 16     | 4    | parameter count P ≥ 1 (uint32)     |
 * | 20     | 4·P  | residual, binary32, finite         |
 *
 * @throws VeritrainError `RESIDUAL_INVALID` with `details.rule` (like {@link decodeResidual}).
 * @example
 * const bytes = encodeResidual({ round: 0, slot: 2, residual: Float32Array.of(0, 0.25, 0) });
 */
export function encodeResidual({ round, slot, residual }: EncodeResidualParameters): Uint8Array {
  uint32(round, "round", "RESIDUAL_INVALID");
  uint32(slot, "slot", "RESIDUAL_INVALID");
  const bytes = new Uint8Array(COMMON_HEADER_BYTES + 4 * residual.length);
  const view = new DataView(bytes.buffer);
  writeCommonHeader(view, RESIDUAL_MAGIC, round, slot, residual.length);
  residual.forEach((value, i) => view.setFloat32(COMMON_HEADER_BYTES + 4 * i, value, true));
  decodeResidual(bytes);
  return bytes;
}

/**
 * Parses and checks a residual blob ({@link encodeResidual}).
 *
 * @throws VeritrainError `RESIDUAL_INVALID` with `details.rule`: wrong magic, version or
 * length, a parameter count of 0, a non-finite value.
 * @example
 * const { residual } = decodeResidual(bytes);
 */
export function decodeResidual(bytes: Uint8Array): DecodedResidual {
  const { view, round, slot, size } = readCommonHeader(bytes, RESIDUAL_MAGIC, "RESIDUAL_INVALID", COMMON_HEADER_BYTES);
  const expected = COMMON_HEADER_BYTES + 4 * size;
  if (bytes.length !== expected) throw refuse("RESIDUAL_INVALID", `length must be ${expected} bytes for this header, got ${bytes.length}`);
  const residual = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    residual[i] = view.getFloat32(COMMON_HEADER_BYTES + 4 * i, true);
    if (!Number.isFinite(residual[i])) throw refuse("RESIDUAL_INVALID", `value ${i} is not a finite binary32`);
  }
  return { round, slot, residual };
}

/**
 * What a slot commits on-chain for a round: the digest of its update blob as a chunked blob (docs/distributed-training.md,
 * "Chunked blobs"), so the blob's header CID follows from the chain and the blob can be published on-chain chunk by
 * chunk, each proven against it. With error-feedback compression the blob names the SHA-256 of its residual blob, so
 * the residual the next round starts from is committed too.
 *
 * @example
 * contributionDigest(encodeUpdate({ round: 0, slot: 0, size: 1, payload: { encoding: "denseF32", values: Float32Array.of(1) } })); // "0x…"
 */
export function contributionDigest(updateBytes: Uint8Array): Hex {
  return blobDigest(updateBytes);
}
