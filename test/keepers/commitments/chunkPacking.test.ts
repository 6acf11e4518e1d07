import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHUNK_BYTES, columnLeaves, leafCountOf, packChunk } from "../../../keepers/src/commitments/chunkPacking.ts";
import { referencePoseidon } from "./referenceCommitment.ts";

describe("packChunk / columnLeaves", () => {
  it("reads each 31-byte piece little-endian and zero-pads to 16 elements", () => {
    const chunk = new Uint8Array(33);
    chunk[0] = 0x01;
    chunk[1] = 0x02;
    chunk[30] = 0xff;
    chunk[31] = 0x07;
    const elements = packChunk(chunk);
    assert.equal(elements.length, 16);
    assert.equal(elements[0], 0x0201n | (0xffn << 240n));
    assert.equal(elements[1], 0x07n);
    assert.deepEqual(elements.slice(2), new Array<bigint>(14).fill(0n));
  });

  it("packs 496 bytes of 0xff into 16 elements of 2^248 - 1", () => {
    assert.deepEqual(packChunk(new Uint8Array(CHUNK_BYTES).fill(0xff)), new Array<bigint>(16).fill((1n << 248n) - 1n));
  });

  it("rejects a chunk longer than 496 bytes", () => {
    assert.throws(() => packChunk(new Uint8Array(497)), /chunk must be at most 496 bytes, got 497/);
  });

  it("counts leaves as ceil(bytes / 496): 0, 1, 496, 497 bytes", () => {
    assert.deepEqual([0, 1, 496, 497].map(leafCountOf), [0, 1, 1, 2]);
  });

  it("hashes each chunk with Poseidon16, the 497-byte column having a 1-byte second chunk", () => {
    const column = new Uint8Array(497).fill(3);
    const leaves = columnLeaves(column);
    assert.equal(leaves.length, 2);
    assert.equal(leaves[0], referencePoseidon(packChunk(column.subarray(0, 496))));
    assert.equal(leaves[1], referencePoseidon([3n, ...new Array<bigint>(15).fill(0n)]));
    assert.deepEqual(columnLeaves(new Uint8Array(0)), []);
  });
});
