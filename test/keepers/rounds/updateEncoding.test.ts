import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sha256 } from "viem";
import { blobDigest } from "../../../keepers/src/content/chunkedBlob.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import {
  contributionDigest, decodeResidual, decodeUpdate, encodeResidual, encodeUpdate, type UpdatePayload,
} from "../../../keepers/src/rounds/updateEncoding.ts";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const NO_RESIDUAL = "00".repeat(32);

/** One payload of each encoding for a 5-parameter model. */
const PAYLOADS: Record<UpdatePayload["encoding"], UpdatePayload> = {
  denseF32: { encoding: "denseF32", values: Float32Array.of(1.5, -2, 0.1, -0, 0) },
  sparseF32: { encoding: "sparseF32", indices: Uint32Array.of(1, 4), values: Float32Array.of(-2, 0.25) },
  sparseInt8: { encoding: "sparseInt8", indices: Uint32Array.of(0, 2, 3), scale: 0.5, quantized: Int8Array.of(127, -127, 3) },
  denseInt8: { encoding: "denseInt8", scale: 0.125, quantized: Int8Array.of(0, 1, -1, 100, -8) },
};
const DENSE_VALUES: Record<UpdatePayload["encoding"], number[]> = {
  denseF32: [1.5, -2, Math.fround(0.1), -0, 0],
  sparseF32: [0, -2, 0, 0, 0.25],
  sparseInt8: [63.5, 0, -63.5, 1.5, 0],
  denseInt8: [0, 0.125, -0.125, 12.5, -1],
};
/** SHA-256 of each blob for round 7, slot 3 (test vectors, also in docs/distributed-training.md). */
const DIGESTS: Record<UpdatePayload["encoding"], string> = {
  denseF32: "0xe9c59f8f9d6bc2dc0f926c5adebf1897cdac72d0d625013beabdf69408b1b990",
  sparseF32: "0x2f3a29429ac83ea4ed8fc1d74df507668df20f799a02139dc1a4f3386e38d3e8",
  sparseInt8: "0x84592b5a41d4ba2bde32a02e1007162a75f989594878d0bdd648b08f754c2be8",
  denseInt8: "0x724e689a93df8168b8611ddf505bb537e67a9b283d23d63d69d9ef89fd1b4879",
};
/** The contribution digest (chunked blob) of each (test vectors, also in docs/distributed-training.md). */
const CONTRIBUTIONS: Record<UpdatePayload["encoding"], string> = {
  denseF32: "0xe6c84889deab64ca4e4d0593f4a4e4f83060174a29a2ae438651e1e490bd2fff",
  sparseF32: "0xbf8141d6f8f5abcbe021885b98787f539bc8e6d9b6600508b08ee8dca355b7ed",
  sparseInt8: "0x37cd7d4a1374223c97be1c5a3dbe3c8f9d15a19e4535189c8f54546bb680fdf3",
  denseInt8: "0x0fa124520140d03a07c2a58f4b17e598b491c034e3a3d81ca8b530c24be7e454",
};

const encode = (payload: UpdatePayload) => encodeUpdate({ round: 7, slot: 3, size: 5, payload });

function patched(bytes: Uint8Array, edit: (view: DataView) => void): Uint8Array {
  const copy = Uint8Array.from(bytes);
  edit(new DataView(copy.buffer));
  return copy;
}

function refused(decode: () => unknown, code: string, rule: RegExp): void {
  assert.throws(decode, (e: unknown) => e instanceof VeritrainError && e.code === code && rule.test(String(e.details.rule)));
}

describe("update blob", () => {
  it("writes the header and a dense binary32 payload little-endian", () => {
    const bytes = encode(PAYLOADS.denseF32);
    assert.equal(
      hex(bytes),
      "56545550" + "01000000" + "07000000" + "03000000" + "05000000" + "00000000" + "05000000" + NO_RESIDUAL
        + "0000c03f" + "000000c0" + "cdcccc3d" + "00000080" + "00000000",
    );
  });

  it("writes sparse and int8 payloads: scale, then indices, then values", () => {
    assert.equal(hex(encode(PAYLOADS.sparseF32).subarray(20)), "01000000" + "02000000" + NO_RESIDUAL + "01000000" + "04000000" + "000000c0" + "0000803e");
    assert.equal(hex(encode(PAYLOADS.sparseInt8).subarray(20)), "02000000" + "03000000" + NO_RESIDUAL + "0000003f" + "00000000" + "02000000" + "03000000" + "7f8103");
    assert.equal(hex(encode(PAYLOADS.denseInt8).subarray(20)), "03000000" + "05000000" + NO_RESIDUAL + "0000003e" + "0001ff64f8");
  });

  for (const [encoding, payload] of Object.entries(PAYLOADS)) {
    it(`${encoding}: decodes what it encodes, expands to the dense vector, and hashes to a fixed SHA-256 and contribution digest`, () => {
      const bytes = encode(payload);
      const decoded = decodeUpdate(bytes);
      assert.deepEqual(decoded, { round: 7, slot: 3, payload, values: Float32Array.from(DENSE_VALUES[encoding as UpdatePayload["encoding"]]), residualDigest: undefined });
      assert.equal(sha256(bytes), DIGESTS[encoding as UpdatePayload["encoding"]]);
      assert.equal(contributionDigest(bytes), blobDigest(bytes));
      assert.equal(contributionDigest(bytes), CONTRIBUTIONS[encoding as UpdatePayload["encoding"]]);
    });
  }

  it("decodes from a view into a larger buffer", () => {
    const bytes = encode(PAYLOADS.sparseInt8);
    const framed = new Uint8Array(bytes.length + 7);
    framed.set(bytes, 3);
    assert.deepEqual(decodeUpdate(framed.subarray(3, 3 + bytes.length)), decodeUpdate(bytes));
  });

  it("refuses malformed headers", () => {
    const dense = encode(PAYLOADS.denseF32);
    refused(() => decodeUpdate(dense.subarray(0, 59)), "UPDATE_INVALID", /header/);
    refused(() => decodeUpdate(patched(dense, (v) => v.setUint8(3, 0x51))), "UPDATE_INVALID", /magic/);
    refused(() => decodeUpdate(patched(dense, (v) => v.setUint32(4, 2, true))), "UPDATE_INVALID", /version/);
    refused(() => decodeUpdate(patched(dense, (v) => v.setUint32(16, 0, true))), "UPDATE_INVALID", /parameter count/);
    refused(() => decodeUpdate(patched(dense, (v) => v.setUint32(20, 4, true))), "UPDATE_INVALID", /unknown encoding id 4/);
    refused(() => decodeUpdate(patched(dense, (v) => v.setUint32(24, 4, true))), "UPDATE_INVALID", /k must equal/);
    const sparse = encode(PAYLOADS.sparseF32);
    refused(() => decodeUpdate(patched(sparse, (v) => v.setUint32(24, 0, true))), "UPDATE_INVALID", /k must be in/);
    refused(() => decodeUpdate(patched(sparse, (v) => v.setUint32(24, 6, true))), "UPDATE_INVALID", /k must be in/);
  });

  it("refuses a length that does not match the header", () => {
    for (const payload of Object.values(PAYLOADS)) {
      const bytes = encode(payload);
      refused(() => decodeUpdate(bytes.subarray(0, bytes.length - 1)), "UPDATE_INVALID", /length/);
      refused(() => decodeUpdate(Uint8Array.from([...bytes, 0])), "UPDATE_INVALID", /length/);
    }
  });

  it("refuses indices that are not strictly ascending or not below the parameter count", () => {
    const sparse = encode(PAYLOADS.sparseF32);
    refused(() => decodeUpdate(patched(sparse, (v) => v.setUint32(60, 4, true))), "UPDATE_INVALID", /ascending/);
    refused(() => decodeUpdate(patched(sparse, (v) => v.setUint32(64, 1, true))), "UPDATE_INVALID", /ascending/);
    refused(() => decodeUpdate(patched(sparse, (v) => v.setUint32(64, 5, true))), "UPDATE_INVALID", /below the parameter count/);
    const int8 = encode(PAYLOADS.sparseInt8);
    refused(() => decodeUpdate(patched(int8, (v) => v.setUint32(68, 0, true))), "UPDATE_INVALID", /ascending/);
  });

  it("refuses non-finite values, bad scales, −128 and overflowing int8 values", () => {
    const dense = encode(PAYLOADS.denseF32);
    for (const bad of [NaN, Infinity, -Infinity]) {
      refused(() => decodeUpdate(patched(dense, (v) => v.setFloat32(72, bad, true))), "UPDATE_INVALID", /value 3 is not a finite/);
    }
    refused(() => decodeUpdate(patched(encode(PAYLOADS.sparseF32), (v) => v.setFloat32(72, NaN, true))), "UPDATE_INVALID", /value 1 is not a finite/);
    const int8 = encode(PAYLOADS.denseInt8);
    for (const scale of [NaN, Infinity, -1, -0]) {
      refused(() => decodeUpdate(patched(int8, (v) => v.setFloat32(60, scale, true))), "UPDATE_INVALID", /scale/);
    }
    refused(() => decodeUpdate(patched(int8, (v) => v.setInt8(65, -128))), "UPDATE_INVALID", /\[-127, 127\]/);
    const huge = patched(int8, (v) => v.setFloat32(60, 3.4e38, true));
    refused(() => decodeUpdate(huge), "UPDATE_INVALID", /value 3 is not a finite/);
    assert.equal(decodeUpdate(patched(int8, (v) => v.setFloat32(60, 0, true))).values.every((x) => x === 0), true, "scale +0 decodes to zeros");
  });

  it("refuses to encode what it could not decode", () => {
    refused(() => encodeUpdate({ round: -1, slot: 0, size: 5, payload: PAYLOADS.denseF32 }), "UPDATE_INVALID", /round must be a uint32/);
    refused(() => encodeUpdate({ round: 0, slot: 2 ** 32, size: 5, payload: PAYLOADS.denseF32 }), "UPDATE_INVALID", /slot must be a uint32/);
    refused(() => encodeUpdate({ round: 0, slot: 0, size: 4, payload: PAYLOADS.denseF32 }), "UPDATE_INVALID", /5 values for 4 entries/);
    refused(() => encodeUpdate({ round: 0, slot: 0, size: 3, payload: PAYLOADS.sparseF32 }), "UPDATE_INVALID", /below the parameter count/);
    const payload: UpdatePayload = { encoding: "sparseF32", indices: Uint32Array.of(1, 2), values: Float32Array.of(NaN, 1) };
    refused(() => encodeUpdate({ round: 0, slot: 0, size: 3, payload }), "UPDATE_INVALID", /not a finite/);
  });
});

describe("residual blob", () => {
  const residual = Float32Array.of(0, -0.5, 3e-40, -0);

  it("writes its header and binary32 values little-endian, and decodes them back", () => {
    const bytes = encodeResidual({ round: 7, slot: 3, residual });
    assert.equal(hex(bytes), "56545253" + "01000000" + "07000000" + "03000000" + "04000000" + "00000000" + "000000bf" + "47440300" + "00000080");
    assert.deepEqual(decodeResidual(bytes), { round: 7, slot: 3, residual });
  });

  it("refuses malformed residual blobs", () => {
    const bytes = encodeResidual({ round: 7, slot: 3, residual });
    refused(() => decodeResidual(bytes.subarray(0, 19)), "RESIDUAL_INVALID", /header/);
    refused(() => decodeResidual(encode(PAYLOADS.denseF32)), "RESIDUAL_INVALID", /magic/);
    refused(() => decodeResidual(patched(bytes, (v) => v.setUint32(4, 0, true))), "RESIDUAL_INVALID", /version/);
    refused(() => decodeResidual(patched(bytes, (v) => v.setUint32(16, 0, true))), "RESIDUAL_INVALID", /parameter count/);
    refused(() => decodeResidual(bytes.subarray(0, bytes.length - 4)), "RESIDUAL_INVALID", /length/);
    refused(() => decodeResidual(patched(bytes, (v) => v.setFloat32(24, Infinity, true))), "RESIDUAL_INVALID", /value 1/);
    refused(() => encodeResidual({ round: 0, slot: 0, residual: new Float32Array(0) }), "RESIDUAL_INVALID", /parameter count/);
  });
});

describe("contributionDigest", () => {
  it("is the update blob's chunked-blob digest, and a compressed update names its residual's SHA-256 in the header", () => {
    const residual = encodeResidual({ round: 7, slot: 3, residual: Float32Array.of(0, 1, 0, 0, 2) });
    const update = encodeUpdate({ round: 7, slot: 3, size: 5, payload: PAYLOADS.sparseInt8, residualDigest: sha256(residual) });
    assert.equal(hex(update.subarray(28, 60)), sha256(residual).slice(2));
    assert.equal(decodeUpdate(update).residualDigest, sha256(residual));
    assert.equal(sha256(update), "0xf1ab070c0652b1ab23ce3443fdb17094ee870ae2e392fe123887e46fbf41ac83");
    assert.equal(contributionDigest(update), blobDigest(update));
    refused(() => encodeUpdate({ round: 7, slot: 3, size: 5, payload: PAYLOADS.denseF32, residualDigest: `0x${"00".repeat(32)}` }), "UPDATE_INVALID", /residual digest/);
  });
});
