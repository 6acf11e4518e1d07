import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { CID } from "multiformats/cid";
import { MAX_BLOCK_BYTES, rawBlockCid } from "../../../keepers/src/content/contentStore.ts";
import { createHeliaContentStore, type HeliaContentStore } from "../../../keepers/src/content/heliaContentStore.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** Overwrites every stored block file under a store directory: on-disk corruption. */
async function corruptBlockFiles(directory: string): Promise<void> {
  const blocks = join(directory, "blocks");
  for (const file of await readdir(blocks, { recursive: true })) {
    if (file.endsWith(".data")) await writeFile(join(blocks, file), "corrupted bytes");
  }
}

describe("Helia content store (offline)", () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "veritrain-helia-"));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("puts, gets, has, pins, unpins and removes a raw block under the shard CID", async () => {
    const store = await createHeliaContentStore({ directory: join(root, "basic") });
    try {
      const bytes = text("veritrain");
      const cid = await store.put(bytes);
      assert.equal(cid.toString(), (await rawBlockCid(bytes)).toString());
      assert.equal(await store.has(cid), true);
      assert.deepEqual(await store.get(cid), bytes);
      assert.equal(await store.isPinned(cid), false);
      await store.pin(cid);
      assert.equal(await store.isPinned(cid), true);
      await store.pin(cid);
      await store.unpin(cid);
      assert.equal(await store.isPinned(cid), false);
      await store.unpin(cid);
      await store.pin(cid);
      await store.remove(cid);
      assert.deepEqual([await store.has(cid), await store.isPinned(cid)], [false, false], "unpinned and deleted");
      await store.remove(cid);
      assert.deepEqual(store.multiaddrs(), []);
    } finally {
      await store.close();
    }
  });

  it("keeps blocks and pins across close and reopen of the same directory", async () => {
    const directory = join(root, "persist");
    const bytes = text("persisted shard");
    const first = await createHeliaContentStore({ directory });
    const cid = await first.put(bytes);
    await first.pin(cid);
    await first.close();
    const second = await createHeliaContentStore({ directory });
    try {
      assert.equal(await second.has(cid), true);
      assert.equal(await second.isPinned(cid), true);
      assert.deepEqual(await second.get(cid), bytes);
    } finally {
      await second.close();
    }
  });

  it("rejects a block over 1 MiB", async () => {
    const store = await createHeliaContentStore({ directory: join(root, "oversize") });
    try {
      await assert.rejects(store.put(new Uint8Array(MAX_BLOCK_BYTES + 1)), { code: "CONTENT_BLOCK_TOO_LARGE" });
    } finally {
      await store.close();
    }
  });

  it("reports an unknown CID as CONTENT_NOT_FOUND at once, and refuses to pin it", async () => {
    const store = await createHeliaContentStore({ directory: join(root, "unknown") });
    try {
      const missing = await rawBlockCid(text("never stored"));
      assert.equal(await store.has(missing), false);
      await assert.rejects(store.get(missing, { signal: AbortSignal.timeout(2_000) }), { code: "CONTENT_NOT_FOUND" });
      await assert.rejects(store.pin(missing, { signal: AbortSignal.timeout(2_000) }), { code: "CONTENT_NOT_FOUND" });
    } finally {
      await store.close();
    }
  });

  it("detects bytes corrupted on disk (CONTENT_HASH_MISMATCH)", async () => {
    const directory = join(root, "corrupt");
    const store = await createHeliaContentStore({ directory });
    try {
      const cid = await store.put(text("soon corrupted"));
      await corruptBlockFiles(directory);
      await assert.rejects(store.get(cid), { code: "CONTENT_HASH_MISMATCH" });
    } finally {
      await store.close();
    }
  });

  it("refuses peers on an offline node", async () => {
    await assert.rejects(
      createHeliaContentStore({ directory: join(root, "bad"), peers: ["/ip4/127.0.0.1/tcp/1"] }),
      { code: "CONTENT_STORE_CONFIG_INVALID" },
    );
  });
});

describe("Helia content store (two loopback nodes over bitswap)", () => {
  let root: string;
  let a: HeliaContentStore;
  let b: HeliaContentStore;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "veritrain-bitswap-"));
    a = await createHeliaContentStore({ directory: join(root, "a"), listen: true });
    b = await createHeliaContentStore({ directory: join(root, "b"), listen: true, peers: a.multiaddrs() });
  });
  after(async () => {
    await Promise.allSettled([a?.close(), b?.close()]);
    await rm(root, { recursive: true, force: true });
  });

  it("listens on 127.0.0.1 only, with a dialable /p2p address", () => {
    const addresses = a.multiaddrs().map(String);
    assert.ok(addresses.length > 0);
    for (const address of addresses) assert.match(address, /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3Koo\w+$/);
  });

  it("B fetches a block only A has, then holds it itself", async () => {
    const bytes = text("only on A");
    const cid = await a.put(bytes);
    assert.equal(await b.has(cid), false);
    assert.deepEqual(await b.get(cid, { signal: AbortSignal.timeout(10_000) }), bytes);
    assert.equal(await b.has(cid), true);
  });

  it("a node given A's address as a string (as in config files) dials it and fetches", async () => {
    const cid = await a.put(text("dialed by string"));
    const c = await createHeliaContentStore({ directory: join(root, "c"), listen: true, peers: a.multiaddrs().map(String) });
    try {
      assert.deepEqual(await c.get(cid, { signal: AbortSignal.timeout(10_000) }), text("dialed by string"));
    } finally {
      await c.close();
    }
  });

  it("B pins a block only A has by fetching it", async () => {
    const cid = await a.put(text("pinned by B"));
    await b.pin(cid, { signal: AbortSignal.timeout(10_000) });
    assert.equal(await b.isPinned(cid), true);
    assert.equal(await b.has(cid), true);
  });

  it("a CID neither node has ends in CONTENT_NOT_FOUND when the signal fires, no hang", async () => {
    const missing = await rawBlockCid(text("nobody has this"));
    const started = Date.now();
    await assert.rejects(b.get(missing, { signal: AbortSignal.timeout(1_000) }), { code: "CONTENT_NOT_FOUND" });
    assert.ok(Date.now() - started < 5_000);
  });

  it("fetches from a node that dialed it and then kept its event loop busy for 16 s (libp2p's identify bound is 5 s; its connection monitor aborted a connection whose 10-s ping took over 5 s)", async () => {
    const busy = new Worker(new URL("./busyPeerThread.ts", import.meta.url), {
      workerData: { directory: join(root, "busy"), peer: b.multiaddrs()[0]!.toString(), bytes: text("served by a busy node"), busyMs: 16_000 },
    });
    try {
      const { cid } = await new Promise<{ cid: string }>((resolve, reject) => busy.once("message", resolve).once("error", reject));
      // A generous bound: on a loaded machine the woken node takes a while to answer; with either default the
      // fetch never succeeds, however long.
      assert.deepEqual(await b.get(CID.parse(cid), { signal: AbortSignal.timeout(120_000) }), text("served by a busy node"));
    } finally {
      busy.postMessage("close");
      await new Promise((resolve) => busy.once("exit", resolve));
    }
  });

  it("corrupted bytes served by A never reach B: the block is refused and B times out", async () => {
    const cid = await a.put(text("corrupted on A"));
    await corruptBlockFiles(join(root, "a"));
    // A itself detects the corruption when reading ...
    await assert.rejects(a.get(cid), { code: "CONTENT_HASH_MISMATCH" });
    // ... and B, which Helia's bitswap hands only blocks that hash to the wanted CID, never stores it.
    await assert.rejects(b.get(cid, { signal: AbortSignal.timeout(1_500) }), { code: "CONTENT_NOT_FOUND" });
    assert.equal(await b.has(cid), false);
  });
});
