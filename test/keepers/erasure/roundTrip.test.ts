import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeStripe, encodeStripe } from "../../../keepers/src/erasure/index.ts";
import { parityMatrix } from "../../../keepers/src/erasure/parityMatrix.ts";
import { referenceMultiply } from "./referenceMultiply.ts";
import { seededRandom } from "./seededRandom.ts";

const SHAPES: [k: number, n: number][] = [
  [1, 2], [2, 3], [3, 5], [4, 6], [5, 9], [8, 11], [10, 14], [16, 20], [24, 30], [32, 48], [100, 130], [200, 255], [1, 255], [254, 255],
];

const encodeAll = (data: Uint8Array[], n: number) => [...data, ...encodeStripe({ dataShards: data, parityCount: n - data.length })];

describe("encodeStripe/decodeStripe round trip", () => {
  for (const [k, n] of SHAPES) {
    it(`${k}+${n - k}: parity equals the byte-wise definition, any ${n - k} lost shards decode`, () => {
      const random = seededRandom(k * 1000 + n);
      const data = Array.from({ length: k }, () => random.bytes(777));
      const shards = encodeAll(data, n);
      assert.deepEqual(shards.slice(k), referenceMultiply(parityMatrix({ dataCount: k, parityCount: n - k }), data));
      for (let trial = 0; trial < 5; trial++) {
        const lost = new Set(random.pick(n, n - k));
        const decoded = decodeStripe({ shards: shards.map((s, i) => (lost.has(i) ? undefined : s)), k });
        assert.deepEqual(decoded, data);
      }
    });
  }

  it("all data present: returns the given shards without decoding", () => {
    const data = [Uint8Array.of(1, 2), Uint8Array.of(3, 4)];
    const decoded = decodeStripe({ shards: [...data, undefined], k: 2 });
    assert.equal(decoded[0], data[0]);
    assert.equal(decoded[1], data[1]);
  });

  it("300 random stripes (random k, n, shard size up to 70 KiB, random n−k lost) decode bit-identically", () => {
    const random = seededRandom(20261122);
    for (let stripe = 0; stripe < 300; stripe++) {
      const k = 1 + random.int(stripe % 10 === 0 ? 60 : 12);
      const n = k + 1 + random.int(Math.min(stripe % 10 === 0 ? 40 : 6, 255 - k));
      const size = 1 + random.int(stripe % 25 === 0 ? 70_000 : 3000);
      const data = Array.from({ length: k }, () => random.bytes(size));
      const shards = encodeAll(data, n);
      const lost = new Set(random.pick(n, n - k));
      const decoded = decodeStripe({ shards: shards.map((s, i) => (lost.has(i) ? undefined : s)), k });
      assert.deepEqual(decoded, data, `stripe ${stripe}: k=${k} n=${n} size=${size} lost=${[...lost]}`);
    }
  });

  it("1 MiB shards (several kernel blocks per shard), 8+3 with 3 data shards lost", () => {
    const random = seededRandom(7);
    const data = Array.from({ length: 8 }, () => random.bytes(1024 * 1024));
    const shards = encodeAll(data, 11);
    assert.deepEqual(shards.slice(8), referenceMultiply(parityMatrix({ dataCount: 8, parityCount: 3 }), data));
    const decoded = decodeStripe({ shards: shards.map((s, i) => (i === 0 || i === 3 || i === 7 ? undefined : s)), k: 8 });
    assert.deepEqual(decoded, data);
  });
});
