import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeStripe, encodeStripe } from "../../../keepers/src/erasure/index.ts";
import { ronomon } from "./ronomon.ts";
import { seededRandom } from "./seededRandom.ts";



/** All m parity shards of @ronomon/reed-solomon for k data shards (shard size a multiple of 8). */
async function ronomonParity(data: Uint8Array[], m: number): Promise<Uint8Array[]> {
  const k = data.length;
  const size = data[0]!.length;
  const buffer = Buffer.concat(data);
  const parity = Buffer.alloc(size * m);
  const sources = (1 << k) - 1;
  const targets = ((1 << (k + m)) - 1) ^ sources;
  await new Promise<void>((resolve, reject) =>
    ronomon.encode(ronomon.create(k, m), sources, targets, buffer, 0, buffer.length, parity, 0, parity.length, (error) => (error ? reject(error) : resolve())),
  );
  return Array.from({ length: m }, (_, i) => new Uint8Array(parity.subarray(i * size, (i + 1) * size)));
}

// @ronomon/reed-solomon 6 is a Cauchy *bit-matrix* code (w = 2, 4 or 8 depending on k and m,
// packet layout depending on the shard size), so only its first parity row — all ones, plain
// XOR — is a GF(2^8) row it shares with this codec. That shard is interchangeable; the others
// are not (docs/erasure.md, "Relation to @ronomon/reed-solomon").
describe("agreement with @ronomon/reed-solomon", () => {
  it(`parity shard 0 is byte-identical for every k <= ${ronomon.MAX_K}, m <= ${ronomon.MAX_M}`, async () => {
    const random = seededRandom(31);
    for (let k = 1; k <= ronomon.MAX_K; k++) {
      for (let m = 1; m <= ronomon.MAX_M; m++) {
        const size = 8 * (1 + random.int(300));
        const data = Array.from({ length: k }, () => random.bytes(size));
        const [theirs] = await ronomonParity(data, m);
        const [ours] = encodeStripe({ dataShards: data, parityCount: m });
        assert.deepEqual(ours, theirs, `k=${k} m=${m}`);
      }
    }
  });

  it("a stripe with @ronomon's parity shard 0 in place of ours decodes a lost data shard", async () => {
    const random = seededRandom(32);
    const data = Array.from({ length: 8 }, () => random.bytes(65536));
    const [theirs] = await ronomonParity(data, 3);
    const shards = [...data.map((s, i) => (i === 5 ? undefined : s)), theirs, undefined, undefined];
    assert.deepEqual(decodeStripe({ shards, k: 8 }), data);
  });

  it("parity shards 1.. differ from @ronomon's (documented, not interchangeable)", async () => {
    const random = seededRandom(33);
    const data = Array.from({ length: 8 }, () => random.bytes(4096));
    const theirs = await ronomonParity(data, 3);
    const ours = encodeStripe({ dataShards: data, parityCount: 3 });
    assert.notDeepEqual(ours[1], theirs[1]);
    assert.notDeepEqual(ours[2], theirs[2]);
  });
});
