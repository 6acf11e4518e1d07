import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dataOrder } from "../../../keepers/src/training/dataOrder.ts";
import type { EngineVersion } from "../../../keepers/src/training/jobSpec.ts";
import { PRNG_DOMAIN, SplitMix64 } from "../../../keepers/src/training/prng.ts";
import { epochPermutation } from "../../../keepers/src/training/shuffle.ts";

describe("SplitMix64", () => {
  it("matches the reference SplitMix64 outputs for state 0", () => {
    const rng = new SplitMix64(0n);
    assert.deepEqual(
      [rng.nextUint64(), rng.nextUint64(), rng.nextUint64()],
      [0xe220a8397b1dcdafn, 0x6e789e6aa1b965f4n, 0x06c45d188009454fn],
    );
  });

  it("derives keyed streams from (seed, domain, index)", () => {
    const rng = SplitMix64.keyed({ seed: 42n, domain: PRNG_DOMAIN.shuffle, index: 3n });
    assert.equal(rng.nextUint64(), 0x531e9439fa193469n);
    assert.equal(rng.nextUint32(), 2818307780);
    assert.equal(rng.nextBelow(10), 9);
    assert.equal(rng.nextUnit(), 0.22520782039782805);
    const other = SplitMix64.keyed({ seed: 42n, domain: PRNG_DOMAIN.init, index: 3n });
    assert.notEqual(other.nextUint64(), 0x531e9439fa193469n);
  });

  it("draws bounded integers inside the range", () => {
    const rng = new SplitMix64(5n);
    for (let i = 0; i < 1000; i++) {
      const n = 1 + (i % 97);
      const value = rng.nextBelow(n);
      assert.ok(value >= 0 && value < n && Number.isInteger(value));
    }
  });
});

describe("epochPermutation", () => {
  it("is the specified Fisher–Yates shuffle (test vectors)", () => {
    assert.deepEqual(Array.from(epochPermutation({ seed: 42n, epoch: 0, size: 10 })), [8, 0, 9, 1, 6, 3, 5, 2, 4, 7]);
    assert.deepEqual(Array.from(epochPermutation({ seed: 42n, epoch: 1, size: 10 })), [5, 4, 3, 7, 8, 0, 2, 1, 6, 9]);
  });

  it("is a permutation", () => {
    const order = epochPermutation({ seed: 9n, epoch: 2, size: 5000 });
    assert.deepEqual(Array.from(order).sort((a, b) => a - b), Array.from({ length: 5000 }, (_, i) => i));
  });
});

describe("dataOrder", () => {
  it("is Fisher–Yates under engine version 1 and the random-access order under version 2 (test vectors, docs/training.md §3)", () => {
    const first = (engineVersion: EngineVersion, seed: bigint, epoch: number, size: number, count: number) => {
      const order = dataOrder({ engineVersion, seed, epoch, size });
      return Array.from({ length: count }, (_, p) => order(p));
    };
    assert.deepEqual(first("veritrain-train/1", 42n, 0, 10, 10), [8, 0, 9, 1, 6, 3, 5, 2, 4, 7]);
    assert.deepEqual(first("veritrain-train/1", 42n, 1, 10, 10), [5, 4, 3, 7, 8, 0, 2, 1, 6, 9]);
    assert.deepEqual(first("veritrain-train/2", 1n, 0, 55000, 8), [6468, 16525, 26769, 28592, 26458, 42093, 20195, 38176]);
  });
});
