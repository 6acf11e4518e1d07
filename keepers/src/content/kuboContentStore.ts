import { create, type KuboRPCClient } from "kubo-rpc-client";
import type { CID } from "multiformats/cid";
import { VeritrainError } from "../errors.ts";
import { contentBackendFailed, contentNotFound } from "./contentErrors.ts";
import { assertBlockFits, rawBlockCid, verifyBlock, type ContentStore, type ContentStoreCallOptions } from "./contentStore.ts";

/** Bound of a call that has no caller signal; Kubo's own `block/get` searches the network forever. */
export const DEFAULT_KUBO_TIMEOUT_MS = 30_000;

/** Parameters of {@link createKuboContentStore}. */
export type KuboContentStoreParameters = {
  /** Kubo RPC API base, e.g. `http://127.0.0.1:5001` (the client appends `/api/v0`). */
  url: string;
  /** Bound of a call that has no caller signal. */
  timeoutMs?: number;
};

/**
 * A {@link ContentStore} over a Kubo node's RPC API (`kubo-rpc-client`): `block/put` with
 * codec raw, sha2-256, CIDv1; `block/get`; `block/stat` (offline) for `has`; `block/rm`; `pin/add`,
 * `pin/rm`, `pin/ls`. The CID Kubo returns is checked against {@link rawBlockCid} and the
 * bytes it serves against the CID, so a misconfigured or dishonest node is caught.
 *
 * @example
 * const store = createKuboContentStore({ url: "http://127.0.0.1:5001" });
 * const cid = await store.put(shard);
 * await store.pin(cid);
 */
export function createKuboContentStore({ url, timeoutMs = DEFAULT_KUBO_TIMEOUT_MS }: KuboContentStoreParameters): ContentStore {
  const client: KuboRPCClient = create({ url });
  const backend = "kubo";
  const bounded = (signal: AbortSignal | undefined): AbortSignal => signal ?? AbortSignal.timeout(timeoutMs);

  async function unpin(cid: CID, { signal }: ContentStoreCallOptions = {}): Promise<void> {
    try {
      await client.pin.rm(cid, { recursive: true, signal: bounded(signal) });
    } catch (cause) {
      if (isNotPinned(cause)) return;
      throw contentBackendFailed({ backend, operation: "pin/rm", details: { cid: cid.toString() }, cause });
    }
  }

  return {
    backend,

    async put(bytes, { signal } = {}) {
      assertBlockFits(bytes);
      const expected = await rawBlockCid(bytes);
      let returned: CID;
      try {
        returned = await client.block.put(bytes, { format: "raw", mhtype: "sha2-256", version: 1, signal: bounded(signal) });
      } catch (cause) {
        throw contentBackendFailed({ backend, operation: "block/put", details: { cid: expected.toString() }, cause });
      }
      // Compared as strings: the client may carry its own copy of multiformats' CID class.
      if (returned.toString() !== expected.toString()) {
        throw new VeritrainError(`Kubo stored the block as ${returned}, expected the raw CIDv1 ${expected}`, {
          code: "CONTENT_CID_MISMATCH",
          details: { returned: returned.toString(), expected: expected.toString() },
        });
      }
      return expected;
    },

    async get(cid, { signal } = {}) {
      let bytes: Uint8Array;
      try {
        bytes = await client.block.get(cid, { signal: bounded(signal) });
      } catch (cause) {
        throw isNotFound(cause) ? contentNotFound({ cid, backend, cause }) : contentBackendFailed({ backend, operation: "block/get", details: { cid: cid.toString() }, cause });
      }
      return verifyBlock({ cid, bytes, source: backend });
    },

    async has(cid, { signal } = {}) {
      try {
        // offline: only the node's own blockstore; otherwise Kubo would go looking on the network.
        await client.block.stat(cid, { signal: bounded(signal), offline: true } as Parameters<KuboRPCClient["block"]["stat"]>[1]);
        return true;
      } catch (cause) {
        if (isNotFound(cause)) return false;
        throw contentBackendFailed({ backend, operation: "block/stat", details: { cid: cid.toString() }, cause });
      }
    },

    async pin(cid, { signal } = {}) {
      try {
        await client.pin.add(cid, { recursive: true, signal: bounded(signal) });
      } catch (cause) {
        throw isNotFound(cause) ? contentNotFound({ cid, backend, cause }) : contentBackendFailed({ backend, operation: "pin/add", details: { cid: cid.toString() }, cause });
      }
    },

    unpin,

    async remove(cid, { signal } = {}) {
      await unpin(cid, { signal });
      try {
        // force: a block Kubo does not hold is no error.
        for await (const { error } of client.block.rm(cid, { force: true, signal: bounded(signal) })) if (error !== undefined) throw error;
      } catch (cause) {
        throw contentBackendFailed({ backend, operation: "block/rm", details: { cid: cid.toString() }, cause });
      }
    },

    async isPinned(cid, { signal } = {}) {
      try {
        for await (const pin of client.pin.ls({ paths: [cid], signal: bounded(signal) })) {
          if (pin.cid.toString() === cid.toString()) return true;
        }
        return false;
      } catch (cause) {
        if (isNotPinned(cause)) return false;
        throw contentBackendFailed({ backend, operation: "pin/ls", details: { cid: cid.toString() }, cause });
      }
    },

    async close() {
      // The RPC client holds no connection of its own beyond the shared HTTP agent.
    },
  };
}

// Kubo reports errors as HTTP 500 with a JSON `Message`; the client turns it into the error
// message. These are the texts Kubo uses for a missing block and an unpinned CID.
function isNotFound(error: unknown): boolean {
  return errorText(error).match(/not found|could not find|AbortError|aborted|timed out|deadline exceeded/i) !== null;
}

function isNotPinned(error: unknown): boolean {
  return errorText(error).match(/not pinned/i) !== null;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name} ${error.message}` : String(error);
}
