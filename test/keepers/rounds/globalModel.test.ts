import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { decodeGlobalModel, encodeGlobalModel, firstNonFinite, globalModelDigest } from "../../../keepers/src/rounds/globalModel.ts";

const params = Float32Array.from([1.5, -0.25, 3]);
const momentum = Float32Array.from([0.125, 0, -2]);

function refused(bytes: Uint8Array, rule: RegExp): void {
  assert.throws(() => decodeGlobalModel(bytes), (error: Error & { code?: string; details?: { rule: string } }) => {
    assert.equal(error.code, "GLOBAL_MODEL_INVALID");
    assert.match(error.details!.rule, rule);
    return true;
  });
}

describe("global model blob (VTGM)", () => {
  it("lays out layout 1 (parameters) byte for byte; its digest is the blob's as a chunked blob (one chunk: the header over its SHA-256)", () => {
    const bytes = encodeGlobalModel({ round: 2, params });
    assert.equal(Buffer.from(bytes).toString("hex"), "5654474d" + "01000000" + "02000000" + "03000000" + "0000c03f" + "000080be" + "00004040");
    const length = Buffer.alloc(8);
    length.writeBigUInt64BE(BigInt(bytes.length));
    const header = Buffer.concat([Buffer.from("VTB1"), length, createHash("sha256").update(bytes).digest()]);
    assert.equal(globalModelDigest(bytes), "0x" + createHash("sha256").update(header).digest("hex"));
    assert.deepEqual(decodeGlobalModel(bytes), { round: 2, params });
  });

  it("carries the outer momentum after the parameters in layout 2", () => {
    const bytes = encodeGlobalModel({ round: 7, params, momentum });
    assert.equal(bytes.length, 16 + 2 * 4 * 3);
    assert.equal(Buffer.from(bytes.subarray(4, 8)).toString("hex"), "02000000");
    assert.equal(Buffer.from(bytes.subarray(28)).toString("hex"), "0000003e" + "00000000" + "000000c0");
    assert.deepEqual(decodeGlobalModel(bytes), { round: 7, params, momentum });
  });

  it("refuses a wrong magic, layout or length, a non-finite value and a momentum of another length", () => {
    const good = encodeGlobalModel({ round: 1, params, momentum });
    const changed = (offset: number, value: number) => {
      const bytes = Uint8Array.from(good);
      new DataView(bytes.buffer).setUint32(offset, value, true);
      return bytes;
    };
    refused(good.subarray(0, 10), /header/);
    refused(changed(0, 0), /magic/);
    refused(changed(4, 3), /layout must be 1 or 2/);
    refused(changed(4, 1), /length/);
    refused(good.subarray(0, good.length - 4), /length/);
    refused(changed(16 + 12 + 4, 0x7fc00000), /momentum 1 is not finite/);
    refused(changed(16, 0x7f800000), /parameter 0 is not finite/);
    assert.throws(() => encodeGlobalModel({ round: 1, params, momentum: new Float32Array(2) }), { code: "GLOBAL_MODEL_INVALID" });
  });

  it("names a model's first NaN or ±∞, parameters before momentum (what an aggregator must not post)", () => {
    assert.equal(firstNonFinite({ round: 1, params, momentum }), undefined);
    assert.deepEqual(firstNonFinite({ round: 1, params: Float32Array.of(1, -Infinity, NaN), momentum: Float32Array.of(NaN, 0, 0) }), { vector: "parameter", index: 1 });
    assert.deepEqual(firstNonFinite({ round: 1, params, momentum: Float32Array.of(0, 0, Infinity) }), { vector: "momentum", index: 2 });
    // The largest finite binary32 is finite; a step past it is not.
    assert.equal(firstNonFinite({ round: 1, params: Float32Array.of(3.4028234663852886e38) }), undefined);
    assert.deepEqual(firstNonFinite({ round: 1, params: Float32Array.of(Math.fround(3.4028234663852886e38 * 1.5)) }), { vector: "parameter", index: 0 });
  });
});
