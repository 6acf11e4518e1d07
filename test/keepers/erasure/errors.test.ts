import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { decodeStripe, encodeStripe, MAX_SHARD_BYTES } from "../../../keepers/src/erasure/index.ts";

/** Asserts a VeritrainError with this code whose message matches. */
const rejects = (run: () => unknown, code: string, message: RegExp) =>
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof VeritrainError, `expected a VeritrainError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });

const shards = (count: number, size = 16) => Array.from({ length: count }, () => new Uint8Array(size));

describe("encodeStripe rejects bad input with a clear error", () => {
  it("k < 1", () => rejects(() => encodeStripe({ dataShards: [], parityCount: 2 }), "ERASURE_STRIPE_INVALID", /dataShards.length must be an integer >= 1, got 0/));
  it("parityCount < 1 or not an integer", () => {
    rejects(() => encodeStripe({ dataShards: shards(4), parityCount: 0 }), "ERASURE_STRIPE_INVALID", /parityCount must be an integer >= 1, got 0/);
    rejects(() => encodeStripe({ dataShards: shards(4), parityCount: 1.5 }), "ERASURE_STRIPE_INVALID", /parityCount must be an integer >= 1, got 1.5/);
  });
  it("n > 255", () => rejects(() => encodeStripe({ dataShards: shards(200), parityCount: 56 }), "ERASURE_STRIPE_INVALID", /n = k \+ parity must be <= 255, got 200 \+ 56 = 256/));
  it("unequal shard lengths", () =>
    rejects(() => encodeStripe({ dataShards: [new Uint8Array(16), new Uint8Array(15)], parityCount: 1 }), "ERASURE_SHARD_INVALID", /dataShards\[1\] has 15 bytes, dataShards\[0\] has 16/));
  it("shard over 1 MiB", () =>
    rejects(() => encodeStripe({ dataShards: shards(2, MAX_SHARD_BYTES + 1), parityCount: 1 }), "ERASURE_SHARD_INVALID", /dataShards\[0\] must be 1\.\.1048576 bytes, got 1048577/));
  it("empty shard", () => rejects(() => encodeStripe({ dataShards: shards(2, 0), parityCount: 1 }), "ERASURE_SHARD_INVALID", /dataShards\[0\] must be 1\.\.1048576 bytes, got 0/));
  it("non-Uint8Array shard or non-array input", () => {
    rejects(() => encodeStripe({ dataShards: [new Uint8Array(4), "abcd" as unknown as Uint8Array], parityCount: 1 }), "ERASURE_SHARD_INVALID", /dataShards\[1\] must be a Uint8Array/);
    rejects(() => encodeStripe({ dataShards: "x" as unknown as Uint8Array[], parityCount: 1 }), "ERASURE_STRIPE_INVALID", /dataShards must be an array/);
  });
});

describe("decodeStripe rejects bad input with a clear error", () => {
  it("fewer than k shards names how many were present and needed", () =>
    rejects(() => decodeStripe({ shards: [...shards(7), undefined, undefined, undefined, undefined], k: 8 }), "ERASURE_TOO_FEW_SHARDS", /fewer than k shards: 7 present, 8 needed/));
  it("no parity slots (n = k) and n > 255", () => {
    rejects(() => decodeStripe({ shards: shards(4), k: 4 }), "ERASURE_STRIPE_INVALID", /shards.length - k must be an integer >= 1, got 0/);
    rejects(() => decodeStripe({ shards: shards(256, 1), k: 250 }), "ERASURE_STRIPE_INVALID", /n = k \+ parity must be <= 255/);
  });
  it("k < 1", () => rejects(() => decodeStripe({ shards: shards(3), k: 0 }), "ERASURE_STRIPE_INVALID", /k must be an integer >= 1, got 0/));
  it("present shards of unequal length", () =>
    rejects(() => decodeStripe({ shards: [undefined, new Uint8Array(8), new Uint8Array(9)], k: 2 }), "ERASURE_SHARD_INVALID", /shards\[2\] has 9 bytes, shards\[1\] has 8/));
  it("shard over 1 MiB", () =>
    rejects(() => decodeStripe({ shards: [undefined, ...shards(2, MAX_SHARD_BYTES + 1)], k: 2 }), "ERASURE_SHARD_INVALID", /shards\[1\] must be 1\.\.1048576 bytes/));
});
