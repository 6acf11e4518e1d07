import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { bytesToHex, type Hex } from "viem";
import {
  blobDigest,
  CHUNK_BYTES,
  chunkedBlob,
  getBlob,
  HEADER_BYTES,
  putBlob,
  removeBlob,
  verifyChunk,
} from "../../../keepers/src/content/chunkedBlob.ts";
import { rawBlockCid, type ContentStore } from "../../../keepers/src/content/contentStore.ts";
import { memoryStore } from "../../harness/memoryContentStore.ts";

/** The vectors' content: byte i = (31 i + 7) mod 251 (period 251, so no two chunks are equal). */
const pattern = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + 7) % 251);

/** Computed once and committed (and recomputed independently with Python's hashlib): the format must never drift. */
const VECTORS: [length: number, digest: Hex][] = [
  [1, "0xce7badf21af8d6543acba0893d112ffd5dcabe26b7557a22400f724a984ede63"],
  [CHUNK_BYTES, "0x6308a05d05f7fc1a14ab5845036e33e159500bdedde15e4811dc2bc54a85831c"],
  [CHUNK_BYTES + 1, "0xdb0f3ada6bcc25bc5f80e26544af46be35b3ab74bb185656a466106f2dcc1eb6"],
  [5 * CHUNK_BYTES + 7, "0x2599a01f71ab36068fb7a12f4a6b8e123806f3e46028bf94d5db8b4262885fb2"],
];

const ZERO = `0x${"00".repeat(32)}` as const;

/** Stores `blocks` and returns the digest of the first (the header). */
async function putCrafted(store: ContentStore, ...blocks: Uint8Array[]): Promise<Hex> {
  for (const block of blocks) await store.put(block);
  return bytesToHex((await rawBlockCid(blocks[0]!)).multihash.digest);
}

const sha = (...parts: Uint8Array[]) => new Uint8Array(createHash("sha256").update(Buffer.concat(parts)).digest());

/** The 64-byte internal node block `left ‖ right` (right empty when omitted). */
function pair(left: Uint8Array, right = new Uint8Array(32)): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes.set(left);
  bytes.set(right, 32);
  return bytes;
}

/** A header block: `magic`, `length` as uint64 big-endian, `root`, and `extra` zero bytes. */
function header(magic: string, length: bigint, root: Uint8Array, extra = 0): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + extra);
  bytes.set(new TextEncoder().encode(magic));
  new DataView(bytes.buffer).setBigUint64(4, length);
  bytes.set(root, 12);
  return bytes;
}

describe("chunkedBlob", () => {
  it("gives the committed digests", () => {
    for (const [length, digest] of VECTORS) assert.equal(blobDigest(pattern(length)), digest, `${length} bytes`);
    assert.deepEqual(
      VECTORS.map(([length]) => chunkedBlob(pattern(length))).map(({ chunkCount, depth }) => [chunkCount, depth]),
      [[1, 0], [1, 0], [2, 1], [6, 3]],
    );
  });

  it("matches an independent recomputation with node:crypto (5 · 32768 + 7 bytes: 6 chunks, 2 empty leaves)", () => {
    const bytes = pattern(5 * CHUNK_BYTES + 7);
    const empty = new Uint8Array(32);
    let level = [0, 1, 2, 3, 4, 5].map((i) => sha(bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES)));
    level.push(empty, empty);
    while (level.length > 1) {
      level = level.flatMap((left, j) => (j % 2 === 1 ? [] : [left.some(Boolean) || level[j + 1]!.some(Boolean) ? sha(left, level[j + 1]!) : empty]));
    }
    const length = new Uint8Array(8);
    new DataView(length.buffer).setBigUint64(0, BigInt(bytes.length));
    const expected = sha(new TextEncoder().encode("VTB1"), length, level[0]!);
    assert.equal(blobDigest(bytes), bytesToHex(expected));
    assert.equal(chunkedBlob(bytes).root, bytesToHex(level[0]!));
  });

  it("has a single chunk's SHA-256 as the root of a one-chunk blob, and lays the header out as specified", () => {
    const bytes = pattern(CHUNK_BYTES);
    const blob = chunkedBlob(bytes);
    assert.equal(blob.root, bytesToHex(sha(bytes)));
    assert.deepEqual(blob.proof(0), []);
    assert.equal(blob.header.length, HEADER_BYTES);
    assert.equal(bytesToHex(blob.header), `0x565442310000000000008000${blob.root.slice(2)}`);
    assert.equal(blob.digest, bytesToHex(sha(blob.header)));
  });

  it("lists each block once (a blob of zeros has one distinct full chunk and one node per level)", async () => {
    const bytes = new Uint8Array(4 * CHUNK_BYTES);
    const blob = chunkedBlob(bytes);
    assert.deepEqual(blob.blocks.map((block) => block.length), [HEADER_BYTES, CHUNK_BYTES, 64, 64]);
    assert.equal(blob.cids.length, blob.blocks.length);
    const { store } = memoryStore();
    assert.deepEqual(await getBlob(store, await putBlob(store, bytes)), bytes);
  });

  it("refuses an empty blob, and chunk indices outside the blob", () => {
    assert.throws(() => chunkedBlob(new Uint8Array()), { code: "BLOB_INVALID", message: /1 to 2\^40 bytes, not 0/ });
    const blob = chunkedBlob(pattern(CHUNK_BYTES + 1));
    for (const index of [-1, 2, 0.5]) {
      assert.throws(() => blob.chunk(index), RangeError);
      assert.throws(() => blob.proof(index), RangeError);
    }
  });
});

describe("verifyChunk", () => {
  for (const length of [1, CHUNK_BYTES + 1, 5 * CHUNK_BYTES + 7, 200_000]) {
    it(`accepts every chunk's proof and refuses tampered ones (${length} bytes)`, () => {
      const blob = chunkedBlob(pattern(length));
      const { root } = blob;
      for (let index = 0; index < blob.chunkCount; index++) {
        const chunk = blob.chunk(index);
        const proof = blob.proof(index);
        assert.equal(proof.length, blob.depth);
        assert.equal(verifyChunk({ length, root, index, chunk, proof }), true, `chunk ${index}`);
        const flipped = chunk.slice();
        flipped[flipped.length - 1]! ^= 1;
        assert.equal(verifyChunk({ length, root, index, chunk: flipped, proof }), false, "flipped byte");
        assert.equal(verifyChunk({ length, root, index: index ^ 1, chunk, proof }), false, "wrong index");
        assert.equal(verifyChunk({ length, root, index: index + blob.chunkCount, chunk, proof }), false, "index past the end");
        // The length is the header's (bound by the digest, not the root): the last chunk's must match it.
        if (index === blob.chunkCount - 1) assert.equal(verifyChunk({ length: length + 1, root, index, chunk, proof }), false, "wrong blob length");
        assert.equal(verifyChunk({ length, root, index, chunk: chunk.subarray(1), proof }), false, "short chunk");
        if (proof.length > 0) {
          assert.equal(verifyChunk({ length, root, index, chunk, proof: proof.slice(0, -1) }), false, "truncated proof");
        }
        assert.equal(verifyChunk({ length, root, index, chunk, proof: [...proof, ZERO] }), false, "extended proof");
      }
    });
  }

  it("gives an empty subtree as bytes32(0) in a proof", () => {
    const blob = chunkedBlob(pattern(5 * CHUNK_BYTES + 7)); // 6 chunks: level 1 position 3 (chunks 6, 7) is empty
    assert.equal(blob.proof(5)[1], ZERO);
    assert.notEqual(blob.proof(5)[0], ZERO);
  });
});

describe("putBlob / getBlob / removeBlob", () => {
  for (const length of [1, CHUNK_BYTES, CHUNK_BYTES + 1, 200_000]) {
    it(`round-trip ${length} bytes, pinning every block of at most 32 KiB, and remove them all`, async () => {
      const { store, blocks, pins } = memoryStore();
      const bytes = pattern(length);
      const digest = await putBlob(store, bytes);
      assert.equal(digest, blobDigest(bytes));
      assert.deepEqual(await getBlob(store, digest), bytes);
      const cids = chunkedBlob(bytes).cids.map(String);
      assert.deepEqual([...blocks.keys()].sort(), [...cids].sort());
      assert.deepEqual([...pins].sort(), [...cids].sort());
      for (const block of blocks.values()) assert.ok(block.length <= CHUNK_BYTES, `a block of ${block.length} bytes`);
      await removeBlob(store, bytes);
      assert.deepEqual([blocks.size, pins.size], [0, 0]);
    });
  }

  it("passes the store's errors on unchanged", async () => {
    const { store } = memoryStore();
    await assert.rejects(getBlob(store, blobDigest(pattern(1))), { code: "CONTENT_NOT_FOUND" });
    const blob = chunkedBlob(pattern(CHUNK_BYTES + 1));
    await store.put(blob.header); // no nodes, no chunks
    await assert.rejects(getBlob(store, blob.digest), { code: "CONTENT_NOT_FOUND" });
  });

  describe("refuses, with BLOB_INVALID, a blob that contradicts its digest:", () => {
    const chunk0 = pattern(CHUNK_BYTES);
    const leaf0 = sha(chunk0);
    const refuses = async (blocks: Uint8Array[], message: RegExp) => {
      const { store } = memoryStore();
      await assert.rejects(getBlob(store, await putCrafted(store, ...blocks)), { code: "BLOB_INVALID", message });
    };

    it("a header of the wrong magic", () => refuses([header("VTB2", 1n, leaf0)], /header is not 44 bytes starting "VTB1"/));
    it("a header of the wrong size", () => refuses([header("VTB1", 1n, leaf0, 1)], /header is not 44 bytes/));
    it("a header of length 0 or over 2^40", async () => {
      await refuses([header("VTB1", 0n, leaf0)], /length 0 is not 1 to 2\^40/);
      await refuses([header("VTB1", 2n ** 40n + 1n, leaf0)], /length 1099511627777 is not/);
    });
    it("an empty root", () => refuses([header("VTB1", 1n, new Uint8Array(32))], /root is empty/));

    it("a node block of the wrong size", async () => {
      const node = new Uint8Array(65).fill(1);
      await refuses([header("VTB1", BigInt(CHUNK_BYTES + 1), sha(node)), node], /level-1 node is 65 bytes, not 64/);
    });

    it("an empty child where the length puts a chunk, or a non-empty one where it puts none", async () => {
      const leftOnly = pair(leaf0);
      await refuses([header("VTB1", BigInt(CHUNK_BYTES + 1), sha(leftOnly)), leftOnly], /level 0 position 1 is empty, but the length puts chunks under positions 0 to 1/);
      const low = pair(leaf0, leaf0);
      const high = pair(leaf0, leaf0); // 3 chunks under 4 positions: position 3 must be empty
      const top = pair(sha(low), sha(high));
      await refuses([header("VTB1", BigInt(3 * CHUNK_BYTES), sha(top)), top, low, high, chunk0], /level 0 position 3 is not empty/);
    });

    it("a chunk of the wrong length", async () => {
      await refuses([header("VTB1", BigInt(CHUNK_BYTES / 2), leaf0), chunk0], /chunk 0 is 32768 bytes, not 16384/);
      const node = pair(leaf0, leaf0);
      await refuses([header("VTB1", BigInt(CHUNK_BYTES + 1), sha(node)), node, chunk0], /chunk 1 is 32768 bytes, not 1/);
    });
  });
});
