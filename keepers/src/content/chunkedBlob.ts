import { sha256 } from "@noble/hashes/sha2.js";
import type { CID } from "multiformats/cid";
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { VeritrainError } from "../errors.ts";
import type { ContentStore, ContentStoreCallOptions } from "./contentStore.ts";
import { rawDigestCid } from "./rawDigestCid.ts";

/** Bytes of every chunk of a blob but its last: each chunk is one raw IPFS block, and a calldata-sized piece to publish on-chain. */
export const CHUNK_BYTES = 32_768;

/** Bytes of a blob's header: `"VTB1"`, the length as uint64 big-endian, the Merkle root. */
export const HEADER_BYTES = 44;

const MAGIC = [0x56, 0x54, 0x42, 0x31];
const MAX_LENGTH = 1_099_511_627_776; // 2^40
const EMPTY = new Uint8Array(32);

/** A blob cut into chunks under a SHA-256 Merkle tree (docs/distributed-training.md, "Chunked blobs"). */
export type ChunkedBlob = {
  /** SHA-256 of the header: what a contract stores, and the header's raw-block digest. */
  digest: Hex;
  /** Bytes of the blob, L. */
  length: number;
  /** The Merkle root over the chunks' SHA-256 (chunk 0's SHA-256 when there is one chunk). */
  root: Hex;
  /** The {@link HEADER_BYTES}-byte header. */
  header: Uint8Array;
  /** n = ⌈L / {@link CHUNK_BYTES}⌉. */
  chunkCount: number;
  /** d = ⌈log2 n⌉: the number of siblings in a proof. */
  depth: number;
  /** Every block to store, each once: the header, the chunks, the non-empty internal nodes. */
  blocks: Uint8Array[];
  /** The raw-block CID of each of `blocks`, in the same order. */
  cids: CID[];
  /** Chunk `index` (a RangeError outside 0 … n − 1). */
  chunk(index: number): Uint8Array;
  /** The d siblings that prove chunk `index`, from the leaves up; empty subtrees are bytes32(0). */
  proof(index: number): Hex[];
};

/**
 * `bytes` (1 … 2^40 of them; `BLOB_INVALID` otherwise) as a chunked blob: its chunks, Merkle
 * tree, header, digest and every block to store.
 *
 * @example
 * const { digest, chunkCount, proof } = chunkedBlob(modelBytes);
 */
export function chunkedBlob(bytes: Uint8Array): ChunkedBlob {
  const length = bytes.byteLength;
  if (length < 1 || length > MAX_LENGTH) {
    throw new VeritrainError(`a chunked blob holds 1 to 2^40 bytes, not ${length}`, { code: "BLOB_INVALID", details: { length } });
  }
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < length; start += CHUNK_BYTES) chunks.push(bytes.slice(start, start + CHUNK_BYTES));
  const nodes = new Map<Hex, Uint8Array>(); // internal node blocks by hash
  const levels: Uint8Array[][] = [chunks.map((chunk) => sha256(chunk))];
  for (let below = levels[0]!; below.length > 1; ) {
    const level: Uint8Array[] = [];
    for (let j = 0; 2 * j < below.length; j++) {
      const block = concat(below[2 * j]!, below[2 * j + 1] ?? EMPTY);
      const hash = sha256(block);
      nodes.set(bytesToHex(hash), block);
      level.push(hash);
    }
    levels.push(level);
    below = level;
  }
  const depth = levels.length - 1;
  const root = levels[depth]![0]!;
  const header = encodeHeader(length, root);
  const digest = bytesToHex(sha256(header));
  const leafBlocks = chunks.map((chunk, i) => [bytesToHex(levels[0]![i]!), chunk] as const);
  const ordered = new Map([[digest, header], ...leafBlocks, ...nodes]);
  const checked = (index: number) => {
    if (!Number.isInteger(index) || index < 0 || index >= chunks.length) throw new RangeError(`chunk ${index} is not in a blob of ${chunks.length} chunks`);
    return index;
  };
  return {
    digest,
    length,
    root: bytesToHex(root),
    header,
    chunkCount: chunks.length,
    depth,
    blocks: [...ordered.values()],
    cids: [...ordered.keys()].map(rawDigestCid),
    chunk: (index) => chunks[checked(index)]!,
    proof: (index) => {
      const i = checked(index);
      return levels.slice(0, depth).map((level, k) => bytesToHex(level[(i >> k) ^ 1] ?? EMPTY));
    },
  };
}

/**
 * The digest of `bytes` as a chunked blob: SHA-256 of its header.
 *
 * @example
 * const digest = blobDigest(modelBytes); // what the contract stores
 */
export function blobDigest(bytes: Uint8Array): Hex {
  return chunkedBlob(bytes).digest;
}

/** Parameters of {@link verifyChunk}. */
export type VerifyChunkParameters = {
  /** The blob's length L, from its header. */
  length: number;
  /** The blob's Merkle root, from its header. */
  root: Hex;
  index: number;
  chunk: Uint8Array;
  /** The siblings from the leaves up, as {@link ChunkedBlob.proof} gives them. */
  proof: readonly Hex[];
};

/**
 * Whether `chunk` is chunk `index` of the blob of `length` bytes under `root`: the check a
 * contract makes before it accepts a published chunk.
 *
 * @example
 * verifyChunk({ length: blob.length, root: blob.root, index: 2, chunk: blob.chunk(2), proof: blob.proof(2) }); // true
 */
export function verifyChunk({ length, root, index, chunk, proof }: VerifyChunkParameters): boolean {
  if (!Number.isInteger(length) || length < 1 || length > MAX_LENGTH) return false;
  const count = chunkCount(length);
  if (!Number.isInteger(index) || index < 0 || index >= count) return false;
  if (chunk.byteLength !== chunkLength(length, index) || proof.length !== depthOf(count)) return false;
  let hash: Uint8Array = sha256(chunk);
  for (const [k, sibling] of proof.entries()) {
    if (!/^0x[0-9a-f]{64}$/i.test(sibling)) return false;
    const siblingBytes = hexToBytes(sibling);
    hash = ((index >> k) & 1) === 0 ? node(hash, siblingBytes) : node(siblingBytes, hash);
  }
  return bytesToHex(hash) === root.toLowerCase();
}

/**
 * Stores and pins every block of `bytes` as a chunked blob; returns its digest.
 *
 * @example
 * const digest = await putBlob(store, modelBytes);
 */
export async function putBlob(store: ContentStore, bytes: Uint8Array, options?: ContentStoreCallOptions): Promise<Hex> {
  const blob = chunkedBlob(bytes);
  for (const block of blob.blocks) await store.pin(await store.put(block, options), options);
  return blob.digest;
}

/**
 * Unpins and deletes this store's copy of every block of `bytes` as a chunked blob (blocks are
 * content-addressed: one another blob shares goes too).
 *
 * @example
 * await removeBlob(store, modelBytes);
 */
export async function removeBlob(store: ContentStore, bytes: Uint8Array, options?: ContentStoreCallOptions): Promise<void> {
  for (const cid of chunkedBlob(bytes).cids) await store.remove(cid, options);
}

/**
 * The blob whose digest is `digest`: its header, then the tree from the root down to the chunks
 * (each level's blocks fetched concurrently), each checked against what the header commits to.
 *
 * With `length`, a header declaring another length is refused before anything more is fetched.
 *
 * @throws VeritrainError `BLOB_INVALID` (a header, node or chunk that contradicts the digest, or a length other than
 * `length`); the store's errors as they are.
 * @example
 * const modelBytes = await getBlob(store, job.modelDigest, { signal });
 */
export async function getBlob(store: ContentStore, digest: Hex, options?: ContentStoreCallOptions & { length?: number }): Promise<Uint8Array> {
  const header = await store.get(rawDigestCid(digest), options);
  const invalid = (rule: string) =>
    new VeritrainError(`blob ${digest} contradicts its commitment: ${rule}`, { code: "BLOB_INVALID", details: { digest, rule } });
  if (header.byteLength !== HEADER_BYTES || MAGIC.some((byte, i) => header[i] !== byte)) {
    throw invalid(`its header is not ${HEADER_BYTES} bytes starting "VTB1"`);
  }
  const declared = new DataView(header.buffer, header.byteOffset, HEADER_BYTES).getBigUint64(4);
  if (declared < 1n || declared > BigInt(MAX_LENGTH)) throw invalid(`its header's length ${declared} is not 1 to 2^40`);
  const length = Number(declared);
  if (options?.length !== undefined && length !== options.length) throw invalid(`its header's length ${length} is not the ${options.length} expected`);
  const count = chunkCount(length);
  let hashes = [header.subarray(12)];
  if (isEmpty(hashes[0]!)) throw invalid("its root is empty");
  for (let k = depthOf(count); k > 0; k--) {
    const nodes = await Promise.all(hashes.map((hash) => store.get(rawDigestCid(bytesToHex(hash)), options)));
    const width = ((count - 1) >> (k - 1)) + 1; // positions at level k − 1 holding chunks: ⌈n / 2^(k−1)⌉
    const size = nodes.find((block) => block.byteLength !== 64)?.byteLength;
    if (size !== undefined) throw invalid(`a level-${k} node is ${size} bytes, not 64`);
    hashes = nodes.flatMap((block) => [block.subarray(0, 32), block.subarray(32)]);
    const wrong = hashes.findIndex((hash, j) => isEmpty(hash) !== j >= width);
    if (wrong >= 0) {
      throw invalid(`level ${k - 1} position ${wrong} is ${wrong < width ? "empty" : "not empty"}, but the length puts chunks under positions 0 to ${width - 1}`);
    }
    hashes = hashes.slice(0, width);
  }
  const chunks = await Promise.all(hashes.map((hash) => store.get(rawDigestCid(bytesToHex(hash)), options)));
  const bytes = new Uint8Array(length);
  for (const [i, chunk] of chunks.entries()) {
    if (chunk.byteLength !== chunkLength(length, i)) throw invalid(`chunk ${i} is ${chunk.byteLength} bytes, not ${chunkLength(length, i)}`);
    bytes.set(chunk, i * CHUNK_BYTES);
  }
  return bytes;
}

function encodeHeader(length: number, root: Uint8Array): Uint8Array {
  const header = new Uint8Array(HEADER_BYTES);
  header.set(MAGIC);
  new DataView(header.buffer).setBigUint64(4, BigInt(length));
  header.set(root, 12);
  return header;
}

function chunkCount(length: number): number {
  return Math.ceil(length / CHUNK_BYTES);
}

function chunkLength(length: number, index: number): number {
  return Math.min(CHUNK_BYTES, length - index * CHUNK_BYTES);
}

function depthOf(count: number): number {
  let depth = 0;
  while (1 << depth < count) depth++;
  return depth;
}

function node(left: Uint8Array, right: Uint8Array): Uint8Array {
  return isEmpty(left) && isEmpty(right) ? EMPTY : sha256(concat(left, right));
}

function concat(left: Uint8Array, right: Uint8Array): Uint8Array {
  const joined = new Uint8Array(64);
  joined.set(left);
  joined.set(right, 32);
  return joined;
}

function isEmpty(hash: Uint8Array): boolean {
  return hash.every((byte) => byte === 0);
}
