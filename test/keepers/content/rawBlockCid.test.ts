import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import {
  assertBlockFits,
  MAX_BLOCK_BYTES,
  rawBlockCid,
  verifyBlock,
} from "../../../keepers/src/content/contentStore.ts";
import { CID } from "multiformats/cid";

const text = (s: string) => new TextEncoder().encode(s);

/** Computed once with multiformats and committed: the shard CID rule must never drift. */
const VERITRAIN_CID = "bafkreiajt5hatjxgj2w7qwrc5mtfiswd5yhhj7xnb2zlwdbjlvsbdgde5y";
/** The widely published CID of the empty raw block (e.g. what Kubo gives `block put` of nothing). */
const EMPTY_RAW_CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

describe("rawBlockCid", () => {
  it("gives the committed test vectors", async () => {
    assert.equal((await rawBlockCid(text("veritrain"))).toString(), VERITRAIN_CID);
    assert.equal((await rawBlockCid(new Uint8Array())).toString(), EMPTY_RAW_CID);
  });

  it("is CIDv1, raw codec 0x55, sha2-256 of the bytes (checked against node:crypto)", async () => {
    const cid = await rawBlockCid(text("veritrain"));
    assert.equal(cid.version, 1);
    assert.equal(cid.code, 0x55);
    assert.equal(cid.multihash.code, 0x12);
    assert.equal(Buffer.from(cid.multihash.digest).toString("hex"), createHash("sha256").update("veritrain").digest("hex"));
  });
});

describe("verifyBlock", () => {
  it("returns bytes that hash to the CID", async () => {
    const bytes = text("veritrain");
    assert.equal(await verifyBlock({ cid: CID.parse(VERITRAIN_CID), bytes, source: "test" }), bytes);
  });

  it("rejects bytes that do not hash to the CID with CONTENT_HASH_MISMATCH", async () => {
    await assert.rejects(verifyBlock({ cid: CID.parse(VERITRAIN_CID), bytes: text("veritrail"), source: "test" }), {
      code: "CONTENT_HASH_MISMATCH",
      message: /bytes served by test for bafkrei\w+ do not hash to that CID/,
    });
  });

  it("rejects CIDs hashed with anything but sha2-256", async () => {
    const identity = CID.parse("bafkqaaa"); // raw, identity multihash of no bytes
    await assert.rejects(verifyBlock({ cid: identity, bytes: new Uint8Array(), source: "test" }), { code: "CONTENT_CID_UNSUPPORTED" });
  });
});

describe("assertBlockFits", () => {
  it("accepts exactly 1 MiB and rejects one byte more", () => {
    assert.doesNotThrow(() => assertBlockFits(new Uint8Array(MAX_BLOCK_BYTES)));
    assert.throws(() => assertBlockFits(new Uint8Array(MAX_BLOCK_BYTES + 1)), {
      code: "CONTENT_BLOCK_TOO_LARGE",
      message: /1048577 bytes exceeds the 1048576-byte limit/,
    });
  });
});
