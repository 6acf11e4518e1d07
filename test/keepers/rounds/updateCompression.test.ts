import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sha256 } from "viem";
import { blobDigest } from "../../../keepers/src/content/chunkedBlob.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { compressUpdate, topKCount, validateCompression, type Compression } from "../../../keepers/src/rounds/updateCompression.ts";
import { contributionDigest, decodeResidual, decodeUpdate } from "../../../keepers/src/rounds/updateEncoding.ts";
import { SplitMix64 } from "../../../keepers/src/training/prng.ts";

const FIELD = "distributed.compression";

function refusedSpec(value: unknown, field: string, rule: RegExp): void {
  assert.throws(() => validateCompression(value, FIELD), (e: unknown) =>
    e instanceof VeritrainError && e.code === "JOB_SPEC_INVALID" && e.details.field === field && rule.test(String(e.details.rule)));
}

/** A binary32 of any sign and magnitude 2^-30 … 2^4, or a zero. */
function wideValue(rng: SplitMix64): number {
  const kind = rng.nextBelow(8);
  if (kind === 0) return 0;
  if (kind === 1) return -0;
  if (kind === 2) return 0.25 * (rng.nextBelow(5) - 2);
  const magnitude = (1 + rng.nextUnit()) * 2 ** (rng.nextBelow(35) - 30);
  return Math.fround(rng.nextBelow(2) === 1 ? -magnitude : magnitude);
}

/** Ties to even, written differently from the engine: Math.round (ties up), then fixed. */
function referenceRound(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The reference compression: rank each coordinate by (|v| descending, index ascending). */
function referenceCompress(update: Float32Array, residual: Float32Array, k: number, quantize: Compression["quantize"]) {
  const v = update.map((u, i) => u + residual[i]!);
  const kept = [...v.keys()].filter((i) => [...v.keys()].filter((j) => Math.abs(v[j]!) > Math.abs(v[i]!) || (Math.abs(v[j]!) === Math.abs(v[i]!) && j < i)).length < k);
  const transmitted = new Float32Array(v.length);
  const scale = Math.fround(Math.max(0, ...kept.map((i) => Math.abs(v[i]!))) / 127);
  for (const i of kept) {
    if (quantize === "none") transmitted[i] = v[i]!;
    // q is an int8: a rounded −0.3 is the integer 0, so it is sent as +0.
    else if (scale > 0) transmitted[i] = (Math.max(-127, Math.min(127, referenceRound(v[i]! / scale))) | 0) * scale;
  }
  return { v, kept, transmitted, residual: v.map((x, i) => x - transmitted[i]!) };
}

const bits = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString("hex");

describe("validateCompression", () => {
  it("accepts a fraction in (0, 1] and a quantisation", () => {
    for (const value of [{ topK: "0.01", quantize: "int8" }, { topK: "1", quantize: "none" }, { topK: "1e-3", quantize: "none" }, { topK: "1.000", quantize: "int8" }]) {
      assert.deepEqual(validateCompression(value, FIELD), value);
    }
  });

  it("refuses anything else", () => {
    refusedSpec({ topK: "0", quantize: "none" }, `${FIELD}.topK`, /\(0, 1\]/);
    refusedSpec({ topK: "1.5", quantize: "none" }, `${FIELD}.topK`, /\(0, 1\]/);
    refusedSpec({ topK: "1.00000001", quantize: "none" }, `${FIELD}.topK`, /at most 1 \(exactly\)/);
    refusedSpec({ topK: "1e-50", quantize: "none" }, `${FIELD}.topK`, /\(0, 1\]/);
    refusedSpec({ topK: ".5", quantize: "none" }, `${FIELD}.topK`, /decimal string/);
    refusedSpec({ topK: 0.5, quantize: "none" }, `${FIELD}.topK`, /decimal string/);
    refusedSpec({ topK: "0.5", quantize: "fp16" }, `${FIELD}.quantize`, /"none" or "int8"/);
    refusedSpec({ topK: "0.5" }, `${FIELD}.quantize`, /required/);
    refusedSpec({ topK: "0.5", quantize: "none", seed: 1 }, `${FIELD}.seed`, /not a known field/);
  });
});

describe("topKCount", () => {
  it("computes max(1, ⌊x · n⌋) from the exact decimal, not its binary32 rounding", () => {
    assert.equal(topKCount("0.7", 10), 7, "binary32 0.7 is 0.69999998…");
    assert.equal(topKCount("0.3", 10), 3);
    assert.equal(topKCount("0.1", 10), 1);
    assert.equal(topKCount("0.09", 10), 1, "at least one");
    assert.equal(topKCount("0.5", 7), 3);
    assert.equal(topKCount("0.999999999", 1000000000), 999999999);
    assert.equal(topKCount("0.999999999", 999999999), 999999998);
    assert.equal(topKCount("1", 61706), 61706);
    assert.equal(topKCount("100e-2", 3), 3);
    assert.equal(topKCount("0.01", 61706), 617);
    assert.equal(topKCount("1e-2", 61706), 617);
    assert.equal(topKCount("0.01", 100), 1);
    assert.equal(topKCount("0.01", 99), 1);
    assert.equal(topKCount("0.01", 200), 2);
  });

  it("refuses fractions outside (0, 1]", () => {
    assert.throws(() => topKCount("5e-1e", 10), (e: unknown) => e instanceof VeritrainError && e.code === "JOB_SPEC_INVALID");
    assert.throws(() => topKCount("1.1", 10), (e: unknown) => e instanceof VeritrainError && e.code === "JOB_SPEC_INVALID");
  });
});

describe("compressUpdate against a reference", () => {
  const FRACTIONS = ["1", "0.5", "0.333", "0.1", "0.01"];

  it("400 seeded cases: kept set, quantisation, error feedback and the blobs agree", () => {
    const rng = SplitMix64.keyed({ seed: 19n, domain: 0x19n, index: 2000n });
    for (let c = 0; c < 400; c++) {
      const size = 1 + rng.nextBelow(120);
      const update = Float32Array.from({ length: size }, () => wideValue(rng));
      const residual = rng.nextBelow(3) === 0 ? new Float32Array(size) : Float32Array.from({ length: size }, () => wideValue(rng));
      const compression: Compression = { topK: FRACTIONS[c % FRACTIONS.length]!, quantize: c % 2 === 0 ? "none" : "int8" };
      const k = topKCount(compression.topK, size);
      const actual = compressUpdate({ round: 2, slot: 5, update, residual, compression });
      const expected = referenceCompress(update, residual, k, compression.quantize);
      const label = `case ${c}: n = ${size}, ${JSON.stringify(compression)}`;
      assert.equal(bits(actual.transmitted), bits(expected.transmitted), label);
      assert.equal(bits(actual.residual), bits(expected.residual), label);
      // Exact conservation (up to the sign of zero: −0 is sent as −0 and leaves a +0 residual).
      for (let i = 0; i < size; i++) assert.ok(actual.transmitted[i]! + actual.residual[i]! === expected.v[i], `${label}: v = transmitted + residual at ${i}`);
      const decoded = decodeUpdate(actual.bytes);
      assert.equal(bits(decoded.values), bits(actual.transmitted), label);
      assert.deepEqual([decoded.round, decoded.slot], [2, 5]);
      assert.equal(decoded.payload.encoding, `${k === size ? "dense" : "sparse"}${compression.quantize === "none" ? "F32" : "Int8"}`, label);
      if ("indices" in decoded.payload) assert.deepEqual([...decoded.payload.indices], expected.kept, label);
      assert.equal(bits(decodeResidual(actual.residualBytes).residual), bits(actual.residual), label);
    }
  });
});

describe("compressUpdate on hand-checked inputs", () => {
  const zeros = (n: number) => new Float32Array(n);

  it("keeps the k largest magnitudes, ties to the lower index, and carries the rest", () => {
    const update = Float32Array.of(1, -3, 3, 2, -3);
    const { transmitted, residual, bytes } = compressUpdate({ round: 0, slot: 0, update, residual: zeros(5), compression: { topK: "0.4", quantize: "none" } });
    assert.deepEqual([...transmitted], [0, -3, 3, 0, 0]);
    assert.deepEqual([...residual], [1, 0, 0, 2, -3]);
    assert.equal(new DataView(bytes.buffer).getUint32(24, true), 2, "k = 2 in the header");
  });

  it("adds the previous residual first: v = fround(u + e)", () => {
    const { transmitted, residual } = compressUpdate({
      round: 1, slot: 0, update: Float32Array.of(1, 0.5), residual: Float32Array.of(-1, 1), compression: { topK: "0.5", quantize: "none" },
    });
    assert.deepEqual([...transmitted], [0, 1.5]);
    assert.deepEqual([...residual], [0, 0]);
  });

  it("rounds int8 ties to even", () => {
    const update = Float32Array.of(127, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5);
    const { transmitted, residual, bytes } = compressUpdate({ round: 0, slot: 0, update, residual: zeros(8), compression: { topK: "1", quantize: "int8" } });
    assert.deepEqual([...transmitted], [127, 0, 2, 2, 0, -2, -2, 4]);
    assert.deepEqual([...residual], [0, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, -0.5]);
    const payload = decodeUpdate(bytes).payload;
    assert.ok(payload.encoding === "denseInt8");
    assert.equal(payload.scale, 1);
    assert.deepEqual([...payload.quantized], [127, 0, 2, 2, 0, -2, -2, 4]);
  });

  it("sends zeros when the scale rounds to 0 and clamps q to ±127 when a subnormal scale is coarse", () => {
    const unit = Math.fround(2 ** -149);
    const tiny = compressUpdate({ round: 0, slot: 0, update: Float32Array.of(unit, -unit, 0), residual: zeros(3), compression: { topK: "1", quantize: "int8" } });
    assert.deepEqual([...tiny.transmitted], [0, 0, 0]);
    assert.deepEqual([...tiny.residual], [unit, -unit, 0]);
    const clamped = compressUpdate({ round: 0, slot: 0, update: Float32Array.of(190 * unit), residual: zeros(1), compression: { topK: "1", quantize: "int8" } });
    // scale = fround(190·2^-149 / 127) = 2^-149, so 190 would not fit: q = 127.
    assert.deepEqual([...clamped.transmitted], [127 * unit]);
    assert.deepEqual([...clamped.residual], [63 * unit]);
  });

  it("refuses non-finite inputs, an overflowing v and mismatched lengths", () => {
    const notFinite = (index: number) => (e: unknown) => e instanceof VeritrainError && e.code === "UPDATE_NOT_FINITE" && e.details.slot === 4 && e.details.index === index;
    const compression: Compression = { topK: "1", quantize: "none" };
    assert.throws(() => compressUpdate({ round: 0, slot: 4, update: Float32Array.of(0, NaN), residual: zeros(2), compression }), notFinite(1));
    assert.throws(() => compressUpdate({ round: 0, slot: 4, update: zeros(2), residual: Float32Array.of(Infinity, 0), compression }), notFinite(0));
    assert.throws(() => compressUpdate({ round: 0, slot: 4, update: Float32Array.of(0, 3e38), residual: Float32Array.of(0, 3e38), compression }), notFinite(1));
    assert.throws(() => compressUpdate({ round: 0, slot: 4, update: zeros(2), residual: zeros(3), compression }), (e: unknown) =>
      e instanceof VeritrainError && e.code === "UPDATE_INVALID");
    assert.throws(() => compressUpdate({ round: 0, slot: 4, update: zeros(2), residual: zeros(2), compression: { topK: "2", quantize: "none" } }), (e: unknown) =>
      e instanceof VeritrainError && e.code === "JOB_SPEC_INVALID");
  });

  it("gives fixed blobs (test vector) and commits the update's chunked-blob digest", () => {
    const update = Float32Array.from({ length: 16 }, (_, i) => Math.fround((i % 2 === 0 ? 1 : -1) * (i + 1) / 10));
    const residual = Float32Array.from({ length: 16 }, (_, i) => Math.fround(i / 100));
    const result = compressUpdate({ round: 3, slot: 1, update, residual, compression: { topK: "0.25", quantize: "int8" } });
    assert.equal(decodeUpdate(result.bytes).residualDigest, sha256(result.residualBytes));
    assert.equal(sha256(result.bytes), "0x90cfe20f174ef4372fa5d930d42c730193cb7e628d97fa0e29d8d739ebb90e79");
    assert.equal(contributionDigest(result.bytes), blobDigest(result.bytes));
  });
});
