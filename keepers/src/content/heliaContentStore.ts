import { join } from "node:path";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { withBitswap } from "@helia/bitswap";
import { withLibp2p } from "@helia/libp2p";
import { identify } from "@libp2p/identify";
import { tcp } from "@libp2p/tcp";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import { FsBlockstore } from "blockstore-fs";
import { FsDatastore } from "datastore-fs";
import { createHeliaLight, type Helia } from "helia";
import type { CID } from "multiformats/cid";
import { VeritrainError } from "../errors.ts";
import { contentBackendFailed, contentNotFound } from "./contentErrors.ts";
import {
  assertBlockFits,
  rawBlockCid,
  verifyBlock,
  type ContentStore,
  type ContentStoreCallOptions,
} from "./contentStore.ts";

/** How long `get` searches connected peers when the caller gives no signal. */
export const DEFAULT_HELIA_FETCH_TIMEOUT_MS = 30_000;
/**
 * How long a loopback connection's set-up steps may wait for a busy node: the dial and its upgrade (libp2p's
 * defaults: 10 s in all, 6 s per address, 10 s inbound), each stream's protocol negotiation (10 s) and identify
 * (5 s). A peer that is down refuses the TCP connection at once, so only a slow one waits this long.
 */
const BUSY_PEER_TIMEOUT_MS = 60_000;

/** Parameters of {@link createHeliaContentStore}. */
export type HeliaContentStoreParameters = {
  /** Directory holding `blocks/` (blockstore-fs) and `data/` (datastore-fs, incl. the peer key). */
  directory: string;
  /**
   * Listen on 127.0.0.1 and speak bitswap with the peers it dials or that dial it. When false
   * (the default) the node is offline: it serves and fetches nothing over the network.
   */
  listen?: boolean;
  /** TCP port on 127.0.0.1 (default 0: any free port). Fix it when the address is announced, e.g. on-chain. */
  port?: number;
  /** Peers to dial at start (need `listen`), e.g. another node's {@link HeliaContentStore.multiaddrs}. */
  peers?: ReadonlyArray<Multiaddr | string>;
  /** Bound of a `get` that has no caller signal. */
  fetchTimeoutMs?: number;
};

/** A {@link ContentStore} backed by an embedded Helia node, plus what other nodes need to reach it. */
export type HeliaContentStore = ContentStore & {
  /** Addresses (with `/p2p/<peer id>`) another node can dial; empty when offline. */
  multiaddrs(): Multiaddr[];
  /** Connects to a peer so `get` can fetch from it over bitswap. */
  dial(address: Multiaddr | string, options?: ContentStoreCallOptions): Promise<void>;
};

/**
 * Opens (or creates) a persistent Helia node under `directory`. With `listen` it is a
 * loopback-only bitswap peer: TCP on 127.0.0.1, noise, yamux, identify, and nothing that
 * reaches out on its own (no bootstrap list, mDNS, DHT, delegated routers or HTTP gateways),
 * so blocks move only between nodes that were explicitly dialed.
 *
 * @example
 * const a = await createHeliaContentStore({ directory: "/var/lib/veritrain/a", listen: true });
 * const b = await createHeliaContentStore({ directory: "/var/lib/veritrain/b", listen: true, peers: a.multiaddrs() });
 * const bytes = await b.get(await a.put(shard), { signal: AbortSignal.timeout(10_000) });
 */
export async function createHeliaContentStore({
  directory,
  listen = false,
  port = 0,
  peers = [],
  fetchTimeoutMs = DEFAULT_HELIA_FETCH_TIMEOUT_MS,
}: HeliaContentStoreParameters): Promise<HeliaContentStore> {
  if (peers.length > 0 && !listen) {
    throw new VeritrainError("peers were given to an offline Helia content store; set listen: true to dial them", {
      code: "CONTENT_STORE_CONFIG_INVALID",
      details: { field: "peers", directory },
    });
  }
  const init = {
    blockstore: new FsBlockstore(join(directory, "blocks")),
    datastore: new FsDatastore(join(directory, "data")),
  };
  const helia = listen ? withLoopbackBitswap(createHeliaLight(init), port) : createHeliaLight(init);
  try {
    await helia.start();
  } catch (cause) {
    await helia.stop().catch(() => undefined);
    throw contentBackendFailed({ backend: "helia", operation: "start", details: { directory }, cause });
  }
  const store = heliaContentStore({ helia, blocks: init.blockstore, listen, fetchTimeoutMs });
  try {
    for (const peer of peers) await store.dial(peer, { signal: AbortSignal.timeout(fetchTimeoutMs) });
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function withLoopbackBitswap(helia: Helia, port: number): Helia & { libp2p: LoopbackLibp2p } {
  // `replace` (the default) swaps each listed key of Helia's libp2p defaults wholesale, so
  // none of the default transports, discovery or services survive.
  return withBitswap(
    withLibp2p(helia, {
      addresses: { listen: [`/ip4/127.0.0.1/tcp/${port}`] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery: [],
      // Every peer of a loopback network is the same host: libp2p's per-host rate limit
      // (5 inbound connections a second) would refuse a dozen keepers starting together.
      // A dial's upgrade and a stream's protocol negotiation may wait as long as identify: a CI run's dial from a
      // test beside a devnet timed out at libp2p's 6 s per address.
      connectionManager: {
        allow: ["/ip4/127.0.0.1"],
        dialTimeout: BUSY_PEER_TIMEOUT_MS,
        addressDialTimeout: BUSY_PEER_TIMEOUT_MS,
        inboundUpgradeTimeout: BUSY_PEER_TIMEOUT_MS,
        inboundStreamProtocolNegotiationTimeout: BUSY_PEER_TIMEOUT_MS,
        outboundStreamProtocolNegotiationTimeout: BUSY_PEER_TIMEOUT_MS,
      },
      // libp2p pings every connection each 10 s and aborts it when an answer takes over 5 s: a keeper busy that
      // long (computing a program, a proof) lost every peer it had, for good, as peers are dialed only at start.
      connectionMonitor: { enabled: false },
      // A peer learns that another speaks bitswap only from identify, which runs once per connection and whose
      // failure libp2p drops silently: its default 5 s bound, missed by a node busy right after it dialed (`job
      // post` computing its program), left that connection useless, so no block was ever asked of that node.
      services: { identify: identify({ timeout: BUSY_PEER_TIMEOUT_MS }) },
    }),
  );
}

type LoopbackLibp2p = {
  getMultiaddrs(): Multiaddr[];
  dial(address: Multiaddr, options?: { signal?: AbortSignal }): Promise<unknown>;
};

type HeliaStoreParts = {
  helia: Helia & { libp2p?: LoopbackLibp2p };
  /** The node's own blockstore, under Helia's. */
  blocks: FsBlockstore;
  listen: boolean;
  fetchTimeoutMs: number;
};

function heliaContentStore({ helia, blocks, listen, fetchTimeoutMs }: HeliaStoreParts): HeliaContentStore {
  const backend = "helia";

  async function get(cid: CID, { signal = AbortSignal.timeout(fetchTimeoutMs) }: ContentStoreCallOptions = {}): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      // offline: true keeps a node without networking from waiting on brokers it has none of.
      bytes = await drainBytes(helia.blockstore.get(cid, { signal, offline: !listen }));
    } catch (cause) {
      throw contentNotFound({ cid, backend, cause });
    }
    return verifyBlock({ cid, bytes, source: backend });
  }

  async function unpin(cid: CID, { signal }: ContentStoreCallOptions = {}): Promise<void> {
    if (!(await helia.pins.isPinned(cid, { signal }))) return;
    for await (const _ of helia.pins.rm(cid, { signal }));
  }

  return {
    backend,

    async put(bytes, options = {}) {
      assertBlockFits(bytes);
      const cid = await rawBlockCid(bytes);
      await helia.blockstore.put(cid, bytes, options);
      return cid;
    },

    get,

    async has(cid, options = {}) {
      return helia.blockstore.has(cid, options);
    },

    async pin(cid, options = {}) {
      if (await helia.pins.isPinned(cid, options)) return;
      // Fetch (bounded, hash-verified) first: pins.add would fetch an unbounded, unverified
      // block itself, and on an offline node it fails in a background job.
      await get(cid, options);
      try {
        // pins.add is lazy: nothing is pinned until the generator is drained.
        for await (const _ of helia.pins.add(cid, options));
      } catch (cause) {
        throw contentBackendFailed({ backend, operation: "pins.add", details: { cid: cid.toString() }, cause });
      }
    },

    unpin,

    async remove(cid, { signal } = {}) {
      await unpin(cid, { signal });
      // From the node's own blockstore: Helia's `delete` first cancels the block's re-providing, and throws when
      // the node has no content router (ours has none; it provides nothing).
      await blocks.delete(cid, { signal });
    },

    async isPinned(cid, { signal } = {}) {
      return helia.pins.isPinned(cid, { signal });
    },

    async close() {
      await helia.stop();
    },

    multiaddrs() {
      return listen && helia.libp2p !== undefined ? helia.libp2p.getMultiaddrs() : [];
    },

    async dial(address, { signal } = {}) {
      if (!listen || helia.libp2p === undefined) {
        throw new VeritrainError("cannot dial from an offline Helia content store; create it with listen: true", {
          code: "CONTENT_STORE_OFFLINE",
          details: { address: address.toString() },
        });
      }
      try {
        await helia.libp2p.dial(typeof address === "string" ? multiaddr(address) : address, { signal });
      } catch (cause) {
        throw contentBackendFailed({ backend, operation: "dial", details: { address: address.toString() }, cause });
      }
    },
  };
}

/** The chunks as one plain Uint8Array (blockstore-fs yields Buffers; callers get one type from every backend). */
async function drainBytes(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  const joined = Buffer.concat(parts);
  return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
}
