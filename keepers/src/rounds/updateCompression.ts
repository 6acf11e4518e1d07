import { VeritrainError } from "../errors.ts";
import { decimalRational } from "../privacy/decimalRational.ts";
import { decimal, exactKeys, fail } from "../training/jobSpec.ts";
import { assertFiniteUpdate } from "./assertFiniteUpdate.ts";
import { sha256 } from "viem";
import { encodeResidual, encodeUpdate, type UpdatePayload } from "./updateEncoding.ts";

/**
 * Error-feedback compression of updates (deep gradient compression, Lin et al. 2018): keep the
 * `topK` fraction of largest magnitudes, optionally quantised to int8; what is not sent is
 * carried to the slot's next round.
 */
export type Compression = {
  /** Decimal fraction in (0, 1] of coordinates sent, e.g. "0.01"; "1" sends all. */
  topK: string;
  quantize: "none" | "int8";
};

const FRACTION = { min: 0, max: 1, minInclusive: false, maxInclusive: true };

/**
 * Checks the `compression` part of a distributed job spec: exactly `{ topK, quantize }`, `topK` a
 * decimal string whose exact value is in (0, 1] (and > 0 after rounding to binary32), `quantize`
 * "none" or "int8".
 *
 * @throws VeritrainError `JOB_SPEC_INVALID` with `details.field` and `details.rule`.
 * @example
 * validateCompression({ topK: "0.01", quantize: "int8" }, "distributed.compression");
 */
export function validateCompression(value: unknown, field: string): Compression {
  const spec = exactKeys(value, field, ["topK", "quantize"]);
  decimal(spec.topK, `${field}.topK`, FRACTION);
  const { numerator, denominator } = decimalRational(spec.topK, `${field}.topK`);
  if (numerator > denominator) throw fail(`${field}.topK`, "must be at most 1 (exactly)", spec.topK);
  if (spec.quantize !== "none" && spec.quantize !== "int8") throw fail(`${field}.quantize`, "must be \"none\" or \"int8\"", spec.quantize);
  return spec as Compression;
}

/**
 * The number of coordinates sent: k = max(1, ⌊x · n⌋) with x the exact rational value of the
 * decimal string `topK` (BigInt arithmetic, no binary rounding), so "0.7" of 10 is 7.
 *
 * @throws VeritrainError `JOB_SPEC_INVALID` when `topK` is not a valid fraction ({@link validateCompression}).
 * @example
 * topKCount("0.01", 61706); // 617
 */
export function topKCount(topK: string, size: number): number {
  validateCompression({ topK, quantize: "none" }, "compression");
  const { numerator, denominator } = decimalRational(topK, "compression.topK");
  return Math.max(1, Number((numerator * BigInt(size)) / denominator));
}

/** Parameters of {@link compressUpdate}. */
export type CompressUpdateParameters = {
  round: number;
  slot: number;
  /** The slot's update u of this round (local − global, binary32). */
  update: Float32Array;
  /** The slot's residual e from the previous round (all +0 in round 0). */
  residual: Float32Array;
  compression: Compression;
};

/** What {@link compressUpdate} produces. */
export type CompressUpdateReturnType = {
  /** The dense vector the aggregator decodes from `bytes`. */
  transmitted: Float32Array;
  /** e' = fround(v − transmitted), the next round's residual. */
  residual: Float32Array;
  /** The update blob (sparse when k < n, dense when k = n; int8 when quantised). */
  bytes: Uint8Array;
  /** The residual blob of `residual` (`bytes` names its SHA-256, so the commitment covers it). */
  residualBytes: Uint8Array;
};

/**
 * x rounded to the nearest integer, ties to even (x finite, |x| < 2^52): exact, from Math.floor and
 * one subtraction, so identical on every machine.
 *
 * @example
 * roundHalfEven(2.5); // 2
 */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff !== 0.5) return diff < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Compresses one slot's update with error feedback, byte for byte as specified in
 * docs/distributed-training.md ("Update blobs and compression"):
 * v = fround(u + e); keep the k = {@link topKCount} largest |v| (ties → lower index); with int8,
 * scale = fround(max |kept| / 127) and q = clamp(roundHalfEven(v / scale), −127, 127), sent
 * fround(q · scale) (all +0 when scale = 0); e' = fround(v − transmitted) everywhere.
 *
 * @throws VeritrainError `UPDATE_NOT_FINITE` (slot, index) when u, e or v is not finite;
 * `UPDATE_INVALID` when u and e differ in length; `JOB_SPEC_INVALID` for a bad `compression`.
 * @example
 * const { transmitted, residual, bytes, residualBytes } = compressUpdate({
 *   round: 3, slot: 1, update, residual: previousResidual, compression: { topK: "0.01", quantize: "int8" },
 * });
 */
export function compressUpdate({ round, slot, update, residual, compression }: CompressUpdateParameters): CompressUpdateReturnType {
  const { topK, quantize } = validateCompression(compression, "compression");
  const size = update.length;
  if (residual.length !== size) {
    throw new VeritrainError(`residual has ${residual.length} values for an update of ${size}`, {
      code: "UPDATE_INVALID", details: { rule: "residual and update must have the same length", slot },
    });
  }
  assertFiniteUpdate(update, slot);
  assertFiniteUpdate(residual, slot);
  const v = new Float32Array(size);
  for (let i = 0; i < size; i++) v[i] = update[i]! + residual[i]!;
  assertFiniteUpdate(v, slot);

  const k = topKCount(topK, size);
  const indices = k === size
    ? Uint32Array.from({ length: size }, (_, i) => i)
    : Uint32Array.from(
      Array.from({ length: size }, (_, i) => i).sort((a, b) => Math.abs(v[b]!) - Math.abs(v[a]!) || a - b).slice(0, k),
    ).sort();
  const kept = Float32Array.from(indices, (i) => v[i]!);
  const dense = k === size;
  const transmitted = new Float32Array(size);
  let payload: UpdatePayload;
  if (quantize === "none") {
    indices.forEach((index, j) => (transmitted[index] = kept[j]!));
    payload = dense ? { encoding: "denseF32", values: kept } : { encoding: "sparseF32", indices, values: kept };
  } else {
    let maxAbs = 0;
    for (const value of kept) maxAbs = Math.max(maxAbs, Math.abs(value));
    const scale = Math.fround(maxAbs / 127);
    const quantized = new Int8Array(k);
    if (scale !== 0) {
      kept.forEach((value, j) => {
        quantized[j] = Math.min(127, Math.max(-127, roundHalfEven(value / scale)));
        transmitted[indices[j]!] = quantized[j]! * scale;
      });
    }
    payload = dense ? { encoding: "denseInt8", scale, quantized } : { encoding: "sparseInt8", indices, scale, quantized };
  }
  const nextResidual = new Float32Array(size);
  for (let i = 0; i < size; i++) nextResidual[i] = v[i]! - transmitted[i]!;
  const residualBytes = encodeResidual({ round, slot, residual: nextResidual });
  return {
    transmitted,
    residual: nextResidual,
    bytes: encodeUpdate({ round, slot, size, payload, residualDigest: sha256(residualBytes) }),
    residualBytes,
  };
}
