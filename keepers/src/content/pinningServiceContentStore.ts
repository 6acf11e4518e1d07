import { Configuration, RemotePinningServiceClient, Status, type PinStatus } from "@ipfs-shipyard/pinning-service-client";
import type { CID } from "multiformats/cid";
import { VeritrainError } from "../errors.ts";
import { contentBackendFailed } from "./contentErrors.ts";
import { verifyBlock, type ContentStore, type ContentStoreCallOptions } from "./contentStore.ts";

/** Parameters of {@link createPinningServiceContentStore}. */
export type PinningServiceContentStoreParameters = {
  /** Pinning Service API base, e.g. `https://api.pinning.example/psa` (`/pins` is appended). */
  endpointUrl: string;
  /** Bearer token of the account. Sent only in the Authorization header, never logged or put in errors. */
  accessToken: string;
  /**
   * The store that holds and serves the bytes (typically a listening Helia node). A pinning
   * service only accepts CIDs and fetches the blocks from the IPFS network; this store is
   * where they are fetched from. Owned: `close()` closes it.
   */
  local: ContentStore;
  /** Multiaddrs (ending in `/p2p/<peer id>`) the service should fetch from: the local node's public addresses. */
  origins?: () => string[];
  /** Name given to each remote pin, for the service's dashboard. */
  pinName?: (cid: CID) => string;
};

/** Largest page the spec allows; one CID never has more pin requests than this from us. */
const MAX_PAGE = 1000;

/** Remote pins that count as "the service has (or is getting) this CID". */
const LIVE_STATUSES = [Status.Queued, Status.Pinning, Status.Pinned];

/**
 * A {@link ContentStore} that stores and serves bytes through `local` and, on `pin`, also asks
 * an IPFS Pinning Service API provider (e.g. a Filecoin-backed one) to pin the CID remotely,
 * pointing it at `origins`. `isPinned` is true only once the service reports `pinned`;
 * `unpin` deletes every remote pin request for the CID and the local pin.
 *
 * @example
 * const local = await createHeliaContentStore({ directory, listen: true });
 * const store = createPinningServiceContentStore({
 *   endpointUrl: "https://api.pinning.example/psa",
 *   accessToken: process.env.VERITRAIN_PINNING_TOKEN!,
 *   local,
 *   origins: () => publicAddresses,
 * });
 * await store.pin(await store.put(shard));
 */
export function createPinningServiceContentStore({
  endpointUrl,
  accessToken,
  local,
  origins = () => [],
  pinName = (cid) => `veritrain-shard-${cid}`,
}: PinningServiceContentStoreParameters): ContentStore {
  const client = new RemotePinningServiceClient(new Configuration({ endpointUrl, accessToken }));
  const backend = "pinning";

  async function remotePins(cid: CID, statuses: Status[], { signal }: ContentStoreCallOptions): Promise<PinStatus[]> {
    const { results } = await call("GET /pins", cid, () => client.pinsGet({ cid: [cid.toString()], status: statuses, limit: MAX_PAGE }, { signal }));
    return results;
  }

  async function call<T>(operation: string, cid: CID, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (cause) {
      // The generated client throws the fetch Response itself on a non-2xx answer; keep only
      // its status (its request headers carry the token).
      if (cause instanceof Response) {
        throw contentBackendFailed({
          backend,
          operation,
          details: { cid: cid.toString(), status: cause.status, reason: await failureReason(cause) },
        });
      }
      throw contentBackendFailed({ backend, operation, details: { cid: cid.toString() }, cause });
    }
  }

  async function unpin(cid: CID, options: ContentStoreCallOptions = {}): Promise<void> {
    for (const { requestid } of await remotePins(cid, [...LIVE_STATUSES, Status.Failed], options)) {
      await call("DELETE /pins/{requestid}", cid, () => client.pinsRequestidDelete({ requestid }, { signal: options.signal }));
    }
    await local.unpin(cid, options);
  }

  return {
    backend,

    put: (bytes, options) => local.put(bytes, options),
    // Re-verified because `local` may be any ContentStore; hashing a <= 1 MiB block is cheap.
    get: async (cid, options) => verifyBlock({ cid, bytes: await local.get(cid, options), source: `pinning (via ${local.backend})` }),
    has: (cid, options) => local.has(cid, options),

    async pin(cid, options = {}) {
      // Pinned locally first: the service fetches from us, so the block must not be collected.
      await local.pin(cid, options);
      if ((await remotePins(cid, LIVE_STATUSES, options)).length > 0) return;
      const status = await call("POST /pins", cid, () =>
        client.pinsPost({ pin: { cid: cid.toString(), name: pinName(cid), origins: origins() } }, { signal: options.signal }),
      );
      if (status.status === Status.Failed) {
        throw new VeritrainError(`the pinning service refused to pin ${cid}`, {
          code: "CONTENT_PIN_FAILED",
          details: { cid: cid.toString(), requestid: status.requestid, info: status.info ?? {} },
        });
      }
    },

    unpin,

    async remove(cid, options = {}) {
      await unpin(cid, options);
      await local.remove(cid, options);
    },

    async isPinned(cid, options = {}) {
      return (await remotePins(cid, [Status.Pinned], options)).length > 0;
    },

    close: () => local.close(),
  };
}

async function failureReason(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { reason?: string; details?: string } };
    return [body.error?.reason, body.error?.details].filter(Boolean).join(": ") || response.statusText;
  } catch {
    return response.statusText;
  }
}
