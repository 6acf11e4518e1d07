import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FIELD_MODULUS } from "../../../keepers/src/commitments/field.ts";
import { boundSeed } from "../../../keepers/src/proofs/boundSeed.ts";
import { challengeIndices } from "../../../keepers/src/proofs/challengeIndices.ts";
import { referencePoseidon } from "../commitments/referenceCommitment.ts";

/** The draw of docs/storage-proofs.md written out with circomlibjs and bit strings, independently. */
function referenceIndices(seed: bigint, leafCount: number, samples: number): number[] {
  const indices: number[] = [];
  for (let i = 0; i < samples; i++) {
    const bits = referencePoseidon([seed, BigInt(Math.floor(i / 3))]).toString(2).padStart(256, "0");
    const lowFirst = [...bits].reverse().join("");
    const u = BigInt(`0b${[...lowFirst.slice(64 * (i % 3), 64 * (i % 3) + 64)].reverse().join("")}`);
    indices.push(Number(u % BigInt(leafCount)));
  }
  return indices;
}

describe("challengeIndices", () => {
  it("matches the reference draw for many seeds and leaf counts", () => {
    for (const leafCount of [1, 2, 3, 1000, 14_001, 4 ** 13]) {
      for (const seed of [0n, 1n, 123456789n, FIELD_MODULUS - 1n]) {
        assert.deepEqual(challengeIndices({ boundSeed: seed, leafCount }), referenceIndices(seed, leafCount, 13), `${seed} ${leafCount}`);
      }
    }
  });

  it("has a fixed test vector", () => {
    assert.deepEqual(challengeIndices({ boundSeed: 123456789n, leafCount: 1001 }), [748, 889, 869, 107, 303, 878, 87, 772, 124, 760, 249, 808, 817]);
  });

  it("stays within the real leaves and covers them evenly", () => {
    const leafCount = 7;
    const counts = new Array<number>(leafCount).fill(0);
    for (let seed = 0n; seed < 400n; seed++) for (const index of challengeIndices({ boundSeed: seed, leafCount })) counts[index]! += 1;
    // 5200 draws over 7 leaves: each count is ~743; a 6-sigma band is ±151.
    for (const count of counts) assert.ok(count > 592 && count < 894, `${counts}`);
  });

  it("rejects a seed outside the field and leaf counts outside [1, 4^13]", () => {
    assert.throws(() => challengeIndices({ boundSeed: FIELD_MODULUS, leafCount: 5 }), { code: "FIELD_ELEMENT_INVALID" });
    for (const leafCount of [0, 4 ** 13 + 1, 1.5, -1]) {
      assert.throws(() => challengeIndices({ boundSeed: 1n, leafCount }), { code: "LEAF_COUNT_INVALID" });
    }
  });
});

describe("boundSeed", () => {
  const base = { seed: 42n, datasetId: 1n, column: 3, prover: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" } as const;

  it("is a field element with a fixed test vector", () => {
    const value = boundSeed(base);
    assert.ok(value < FIELD_MODULUS);
    assert.equal(value, 0x485e15b4c8db6c57c98619700d6a4182b58204dab87a4f9c845197e1bb3ec7n);
  });

  it("changes with the seed, the dataset, the column and the prover", () => {
    const value = boundSeed(base);
    assert.notEqual(boundSeed({ ...base, seed: 43n }), value);
    assert.notEqual(boundSeed({ ...base, datasetId: 2n }), value);
    assert.notEqual(boundSeed({ ...base, column: 4 }), value);
    assert.notEqual(boundSeed({ ...base, prover: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" }), value);
  });
});
