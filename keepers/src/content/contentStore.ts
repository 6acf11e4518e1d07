import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { VeritrainError } from "../errors.ts";

/** Largest shard block a store accepts: IPFS peers refuse to exchange blocks above 1 MiB. */
export const MAX_BLOCK_BYTES = 1024 * 1024;

/** Options every network-facing call of a {@link ContentStore} accepts. */
export type ContentStoreCallOptions = {
  /** Aborts the call; a fetch that cannot find the block must be bounded by one. */
  signal?: AbortSignal;
};

/**
 * Where shards live: one raw IPFS block per shard, addressed by {@link rawBlockCid}. Every
 * backend (embedded Helia, Kubo RPC, Pinning Service API) implements this one interface and
 * returns the same CID for the same bytes.
 *
 * @example
 * const cid = await store.put(shardBytes);
 * const bytes = await store.get(cid, { signal: AbortSignal.timeout(10_000) });
 * await store.pin(cid);
 */
export type ContentStore = {
  /** Which backend this is (`helia`, `kubo`, `pinning`), for logs. */
  readonly backend: string;
  /** Stores `bytes` as one raw block (at most {@link MAX_BLOCK_BYTES}) and returns its CID. */
  put(bytes: Uint8Array, options?: ContentStoreCallOptions): Promise<CID>;
  /**
   * The bytes of `cid`, fetched from wherever the backend can reach, and verified to hash to
   * `cid` (`CONTENT_HASH_MISMATCH` otherwise); `CONTENT_NOT_FOUND` when it cannot be found
   * before `signal` aborts.
   */
  get(cid: CID, options?: ContentStoreCallOptions): Promise<Uint8Array>;
  /** Whether the block is held by this backend right now, without fetching it. */
  has(cid: CID, options?: ContentStoreCallOptions): Promise<boolean>;
  /** Keeps the block from being garbage-collected (or, for a pinning service, pinned remotely). */
  pin(cid: CID, options?: ContentStoreCallOptions): Promise<void>;
  /** Undoes {@link ContentStore.pin}; unpinning a block that is not pinned is not an error. */
  unpin(cid: CID, options?: ContentStoreCallOptions): Promise<void>;
  /**
   * Unpins the block and deletes this backend's copy, so that it no longer serves it; removing a block it does not
   * hold is not an error. Copies other peers fetched are theirs (a pinning service's too: its pin requests are
   * deleted, and it may serve the block until it collects it).
   */
  remove(cid: CID, options?: ContentStoreCallOptions): Promise<void>;
  /** Whether the block is pinned by this backend. */
  isPinned(cid: CID, options?: ContentStoreCallOptions): Promise<boolean>;
  /** Releases the node, connections and files; the store is unusable afterwards. */
  close(): Promise<void>;
};

/**
 * The CID of a shard: CIDv1, raw codec (0x55), sha2-256 over the bytes. This is the single
 * definition every backend is checked against, and the same CID Kubo gives for
 * `ipfs block put --cid-codec raw` or `ipfs add --cid-version 1 --raw-leaves` of a small file.
 *
 * @example
 * const cid = await rawBlockCid(new TextEncoder().encode("veritrain"));
 * cid.toString(); // "bafkrei…"
 */
export async function rawBlockCid(bytes: Uint8Array): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(bytes));
}

/**
 * Throws `CONTENT_BLOCK_TOO_LARGE` when `bytes` cannot be one block; shards must be sized
 * by the erasure coder to fit.
 *
 * @example
 * assertBlockFits(shardBytes);
 */
export function assertBlockFits(bytes: Uint8Array): void {
  if (bytes.byteLength > MAX_BLOCK_BYTES) {
    throw new VeritrainError(
      `block of ${bytes.byteLength} bytes exceeds the ${MAX_BLOCK_BYTES}-byte limit of one IPFS block; split the shard`,
      { code: "CONTENT_BLOCK_TOO_LARGE", details: { size: bytes.byteLength, limit: MAX_BLOCK_BYTES } },
    );
  }
}

/**
 * Returns `bytes` if they hash to `cid`, else throws `CONTENT_HASH_MISMATCH`: a backend or peer
 * serving corrupted or substituted bytes must never reach the prover. Only sha2-256 CIDs are
 * accepted (`CONTENT_CID_UNSUPPORTED`), since that is the only hash shards are stored under.
 *
 * @example
 * const bytes = await verifyBlock({ cid, bytes: await fetchSomehow(cid), source: "kubo" });
 */
export async function verifyBlock({ cid, bytes, source }: VerifyBlockParameters): Promise<Uint8Array> {
  if (cid.multihash.code !== sha256.code) {
    throw new VeritrainError(`CID ${cid} uses multihash 0x${cid.multihash.code.toString(16)}, only sha2-256 (0x12) is supported`, {
      code: "CONTENT_CID_UNSUPPORTED",
      details: { cid: cid.toString(), multihash: cid.multihash.code },
    });
  }
  const actual = await sha256.digest(bytes);
  if (!equalBytes(actual.digest, cid.multihash.digest)) {
    throw new VeritrainError(`bytes served by ${source} for ${cid} do not hash to that CID`, {
      code: "CONTENT_HASH_MISMATCH",
      details: { cid: cid.toString(), source, size: bytes.byteLength, actual: CID.createV1(raw.code, actual).toString() },
    });
  }
  return bytes;
}

/** Parameters of {@link verifyBlock}. */
export type VerifyBlockParameters = {
  /** The CID the bytes were requested by. */
  cid: CID;
  /** The bytes a backend returned. */
  bytes: Uint8Array;
  /** Who served them, for the error message (`helia`, `kubo`, a peer id). */
  source: string;
};

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}
