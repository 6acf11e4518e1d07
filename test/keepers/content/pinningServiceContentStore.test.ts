/**
 * The Pinning Service backend against pinningServiceStandIn.ts: a PROTOCOL STAND-IN that
 * implements the Pinning Service API endpoints in memory, NOT a real (Filecoin-backed) pinning
 * service, and it fetches nothing from `origins`. Bytes are held and served by a real local
 * Helia node, as in production.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { rawBlockCid, type ContentStore } from "../../../keepers/src/content/contentStore.ts";
import { createHeliaContentStore, type HeliaContentStore } from "../../../keepers/src/content/heliaContentStore.ts";
import { createPinningServiceContentStore } from "../../../keepers/src/content/pinningServiceContentStore.ts";
import { startPinningServiceStandIn, type PinningServiceStandIn } from "./pinningServiceStandIn.ts";

const text = (s: string) => new TextEncoder().encode(s);
const TOKEN = "test-token-never-logged";

describe("Pinning Service content store (against the Pinning Service API stand-in)", () => {
  let root: string;
  let service: PinningServiceStandIn;
  let local: HeliaContentStore;
  let store: ContentStore;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "veritrain-pinning-"));
    service = await startPinningServiceStandIn({ token: TOKEN });
    local = await createHeliaContentStore({ directory: join(root, "local"), listen: true });
    store = createPinningServiceContentStore({
      endpointUrl: service.endpointUrl,
      accessToken: TOKEN,
      local,
      origins: () => local.multiaddrs().map(String),
    });
  });
  after(async () => {
    await store?.close();
    await service?.close();
    await rm(root, { recursive: true, force: true });
  });

  it("stores and serves bytes through the local node under the shard CID", async () => {
    const bytes = text("veritrain");
    const cid = await store.put(bytes);
    assert.equal(cid.toString(), (await rawBlockCid(bytes)).toString());
    assert.equal(await store.has(cid), true);
    assert.deepEqual(await store.get(cid), bytes);
    assert.equal(service.pins.size, 0, "put alone asks the service for nothing");
  });

  it("pin pins locally and posts one remote pin with the local node as origin; repeating it adds none", async () => {
    const cid = await store.put(text("remote shard"));
    await store.pin(cid);
    await store.pin(cid);
    const remote = [...service.pins.values()].filter((p) => p.pin.cid === cid.toString());
    assert.equal(remote.length, 1);
    assert.deepEqual(remote[0]?.pin.origins, local.multiaddrs().map(String));
    assert.equal(await local.isPinned(cid), true);
    assert.equal(await store.isPinned(cid), true);
    assert.ok(service.authorizations.every((header) => header === `Bearer ${TOKEN}`));
  });

  it("unpin deletes the remote pin requests and the local pin", async () => {
    const cid = await store.put(text("unpinned shard"));
    await store.pin(cid);
    await store.unpin(cid);
    assert.equal([...service.pins.values()].some((p) => p.pin.cid === cid.toString()), false);
    assert.equal(await store.isPinned(cid), false);
    assert.equal(await local.isPinned(cid), false);
    await store.unpin(cid);
  });

  it("remove deletes the remote pin requests, the local pin and the local block", async () => {
    const cid = await store.put(text("removed shard"));
    await store.pin(cid);
    await store.remove(cid);
    assert.equal([...service.pins.values()].some((p) => p.pin.cid === cid.toString()), false);
    assert.deepEqual([await local.isPinned(cid), await local.has(cid)], [false, false]);
    await store.remove(cid);
  });

  it("detects corrupted bytes returned by the wrapped store (CONTENT_HASH_MISMATCH)", async () => {
    const cid = await rawBlockCid(text("what was asked for"));
    const lying: ContentStore = { ...local, get: async () => text("something else") };
    const wrapped = createPinningServiceContentStore({ endpointUrl: service.endpointUrl, accessToken: TOKEN, local: lying });
    await assert.rejects(wrapped.get(cid), { code: "CONTENT_HASH_MISMATCH" });
  });

  it("a wrong token fails with the HTTP status and without the token in the error", async () => {
    const cid = await store.put(text("bad token"));
    const wrongToken = "wrong-secret-token";
    const unauthorized = createPinningServiceContentStore({ endpointUrl: service.endpointUrl, accessToken: wrongToken, local });
    const error = await unauthorized.pin(cid).then(
      () => assert.fail("pin with a wrong token succeeded"),
      (caught: unknown) => caught,
    );
    assert.equal((error as { code?: string }).code, "CONTENT_BACKEND_FAILED");
    assert.equal((error as { details?: { status?: number } }).details?.status, 401);
    const everything = JSON.stringify(error, Object.getOwnPropertyNames(error)) + String(error);
    assert.equal(everything.includes(wrongToken), false);
  });

  it("an unknown CID cannot be pinned: the local node must hold what the service will fetch", async () => {
    const missing = await rawBlockCid(text("not held locally"));
    await assert.rejects(store.pin(missing, { signal: AbortSignal.timeout(1_000) }), { code: "CONTENT_NOT_FOUND" });
    assert.equal([...service.pins.values()].some((p) => p.pin.cid === missing.toString()), false);
  });
});
