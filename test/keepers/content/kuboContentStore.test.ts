/**
 * The Kubo backend against kuboRpcStandIn.ts: a PROTOCOL STAND-IN that answers Kubo's
 * documented RPC shapes from memory, NOT a Kubo daemon (none can run on this machine). These
 * tests show the backend sends what Kubo's RPC reference specifies and handles its answers;
 * they do not prove a real Kubo accepts every parameter.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MAX_BLOCK_BYTES, rawBlockCid, type ContentStore } from "../../../keepers/src/content/contentStore.ts";
import { createKuboContentStore } from "../../../keepers/src/content/kuboContentStore.ts";
import { startKuboRpcStandIn, type KuboRpcStandIn } from "./kuboRpcStandIn.ts";

const text = (s: string) => new TextEncoder().encode(s);

describe("Kubo content store (against the Kubo RPC stand-in)", () => {
  let kubo: KuboRpcStandIn;
  let store: ContentStore;
  before(async () => {
    kubo = await startKuboRpcStandIn();
    store = createKuboContentStore({ url: kubo.url, timeoutMs: 5_000 });
  });
  after(async () => {
    await store?.close();
    await kubo?.close();
  });

  it("puts a raw CIDv1 sha2-256 block and gets the shard CID back", async () => {
    const bytes = text("veritrain");
    const cid = await store.put(bytes);
    assert.equal(cid.toString(), (await rawBlockCid(bytes)).toString());
    const put = kubo.requests.find((url) => url.pathname === "/api/v0/block/put");
    assert.equal(put?.searchParams.get("format"), "raw");
    assert.equal(put?.searchParams.get("mhtype"), "sha2-256");
    assert.equal(put?.searchParams.get("version"), "1");
    assert.deepEqual(kubo.blocks.get(cid.toString()), bytes);
  });

  it("gets, has, pins, unpins and removes", async () => {
    const bytes = text("kubo shard");
    const cid = await store.put(bytes);
    assert.deepEqual(await store.get(cid), bytes);
    assert.equal(await store.has(cid), true);
    assert.equal(await store.isPinned(cid), false);
    await store.pin(cid);
    assert.equal(await store.isPinned(cid), true);
    assert.ok(kubo.pins.has(cid.toString()));
    await store.unpin(cid);
    assert.equal(await store.isPinned(cid), false);
    await store.unpin(cid);
    await store.pin(cid);
    await store.remove(cid);
    assert.deepEqual([await store.has(cid), await store.isPinned(cid), kubo.blocks.has(cid.toString())], [false, false, false], "unpinned, then deleted with block/rm");
    await store.remove(cid);
  });

  it("has() asks Kubo offline and answers false for an unknown CID", async () => {
    const missing = await rawBlockCid(text("not in kubo"));
    assert.equal(await store.has(missing), false);
    assert.equal(kubo.requests.at(-1)?.searchParams.get("offline"), "true");
  });

  it("an unknown CID ends in CONTENT_NOT_FOUND when the signal fires, though Kubo keeps searching", async () => {
    const missing = await rawBlockCid(text("not anywhere"));
    const started = Date.now();
    await assert.rejects(store.get(missing, { signal: AbortSignal.timeout(500) }), { code: "CONTENT_NOT_FOUND" });
    await assert.rejects(store.pin(missing, { signal: AbortSignal.timeout(500) }), { code: "CONTENT_NOT_FOUND" });
    assert.ok(Date.now() - started < 5_000);
  });

  it("detects corrupted bytes served by Kubo (CONTENT_HASH_MISMATCH)", async () => {
    const cid = await store.put(text("honest bytes"));
    kubo.blocks.set(cid.toString(), text("forged bytes"));
    await assert.rejects(store.get(cid), { code: "CONTENT_HASH_MISMATCH" });
  });

  it("rejects a block over 1 MiB before sending it", async () => {
    const before = kubo.requests.length;
    await assert.rejects(store.put(new Uint8Array(MAX_BLOCK_BYTES + 1)), { code: "CONTENT_BLOCK_TOO_LARGE" });
    assert.equal(kubo.requests.length, before);
  });

  it("reports an unreachable Kubo as CONTENT_BACKEND_FAILED", async () => {
    const down = createKuboContentStore({ url: "http://127.0.0.1:1", timeoutMs: 2_000 });
    await assert.rejects(down.put(text("x")), { code: "CONTENT_BACKEND_FAILED", message: /kubo content store failed at block\/put/ });
  });
});
