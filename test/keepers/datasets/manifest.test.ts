import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import * as raw from "multiformats/codecs/raw";
import { decodeManifest, encodeManifest, validateManifest, type Manifest } from "../../../keepers/src/datasets/manifest.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";

async function rawCid(text: string): Promise<CID> {
  return CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode(text)));
}

/** Two 3-byte records in one 2+1 stripe of 4-byte shards. */
async function tinyManifest(): Promise<Manifest> {
  return {
    version: 1,
    name: "tiny",
    recordSize: 3,
    recordCount: 2,
    fields: [
      { name: "label", offset: 0, length: 1, type: "uint8" },
      { name: "pixels", offset: 1, length: 2, type: "uint8" },
    ],
    splits: [{ name: "train", firstRecord: 0, recordCount: 2 }],
    layout: { k: 2, n: 3, shardSize: 4, stripeCount: 1, byteLength: 6 },
    shards: [[await rawCid("a"), await rawCid("b"), await rawCid("p")]],
    columnTreeDepth: 4,
    columnRoots: [`0x${"01".repeat(32)}`, `0x${"02".repeat(32)}`, `0x${"03".repeat(32)}`],
    datasetRoot: `0x${"04".repeat(32)}`,
  };
}

const invalidField = (field: string) => (error: unknown) =>
  error instanceof VeritrainError && error.code === "MANIFEST_INVALID" && error.details.field === field;

describe("manifest", () => {
  it("round-trips through dag-cbor under a CIDv1 dag-cbor sha2-256 (test vector)", async () => {
    const manifest = await tinyManifest();
    const { bytes, cid } = await encodeManifest(manifest);
    assert.equal(cid.version, 1);
    assert.equal(cid.code, 0x71);
    assert.equal(cid.multihash.code, 0x12);
    assert.equal(cid.toString(), "bafyreidq3pghscwcpvjd2rzq7gxrjyr7ilwnpavujflkls4eudnmi6zyum");
    assert.deepEqual(await decodeManifest(bytes, cid), manifest);
  });

  it("detects bytes that do not hash to the CID", async () => {
    const { bytes, cid } = await encodeManifest(await tinyManifest());
    const tampered = bytes.slice();
    tampered[tampered.length - 1]! ^= 1;
    await assert.rejects(decodeManifest(tampered, cid), (e: unknown) => e instanceof VeritrainError && e.code === "MANIFEST_HASH_MISMATCH");
  });

  it("rejects each broken field by name", async () => {
    const base = await tinyManifest();
    const cases: [string, Partial<Record<keyof Manifest, unknown>>][] = [
      ["version", { version: 2 }],
      ["name", { name: "" }],
      ["recordSize", { recordSize: 0 }],
      ["recordCount", { recordCount: -1 }],
      ["fields", { fields: [{ name: "x", offset: 2, length: 2, type: "uint8" }] }],
      ["splits", { splits: [{ name: "train", firstRecord: 1, recordCount: 2 }] }],
      ["layout", { layout: { ...base.layout, n: 2 } }],
      ["layout.stripeCount", { layout: { ...base.layout, stripeCount: 2 } }],
      ["layout.byteLength", { layout: { ...base.layout, byteLength: 7 } }],
      ["shards", { shards: [] }],
      ["shards", { shards: [base.shards[0]!.slice(0, 2)] }],
      ["columnTreeDepth", { columnTreeDepth: 17 }],
      ["columnRoots", { columnRoots: base.columnRoots.slice(1) }],
      ["datasetRoot", { datasetRoot: "0x04" }],
    ];
    for (const [field, change] of cases) {
      assert.throws(() => validateManifest({ ...base, ...change }), invalidField(field), field);
    }
  });

  it("rejects bytes that are not dag-cbor", async () => {
    const bytes = new TextEncoder().encode("not cbor at all");
    const cid = CID.create(1, 0x71, await sha256.digest(bytes));
    await assert.rejects(decodeManifest(bytes, cid), invalidField("(root)"));
  });
});
