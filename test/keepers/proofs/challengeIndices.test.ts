import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FIELD_MODULUS } from "../../../keepers/src/commitments/field.ts";
import { challengeIndices } from "../../../keepers/src/proofs/challengeIndices.ts";
import { referencePoseidon } from "../commitments/referenceCommitment.ts";

const PROVER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
/** challengeIndices({ seed: 123456789n, prover: PROVER, leafCount: 1001 }), also in docs/storage-proofs.md. */
const VECTOR = [724, 700, 208, 122, 840, 691, 801, 697, 338, 45, 731, 251, 537];

/** The draw of docs/storage-proofs.md written out with circomlibjs and bit strings, independently. */
function referenceIndices(seed: bigint, prover: string, leafCount: number, samples: number): number[] {
  const indices: number[] = [];
  for (let i = 0; i < samples; i++) {
    const bits = referencePoseidon([seed, BigInt(prover), BigInt(Math.floor(i / 3))]).toString(2).padStart(256, "0");
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
        for (const prover of [PROVER, "0x0000000000000000000000000000000000000000", "0xffffffffffffffffffffffffffffffffffffffff"] as const) {
          assert.deepEqual(challengeIndices({ seed, prover, leafCount }), referenceIndices(seed, prover, leafCount, 13), `${seed} ${prover} ${leafCount}`);
        }
      }
    }
  });

  it("has a fixed test vector", () => {
    assert.deepEqual(challengeIndices({ seed: 123456789n, prover: PROVER, leafCount: 1001 }), VECTOR);
    assert.deepEqual(referenceIndices(123456789n, PROVER, 1001, 13), VECTOR);
  });

  it("changes with the seed and with the prover", () => {
    const indices = challengeIndices({ seed: 123456789n, prover: PROVER, leafCount: 1001 });
    assert.notDeepEqual(challengeIndices({ seed: 123456790n, prover: PROVER, leafCount: 1001 }), indices);
    assert.notDeepEqual(challengeIndices({ seed: 123456789n, prover: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", leafCount: 1001 }), indices);
  });

  it("stays within the real leaves and covers them evenly", () => {
    const leafCount = 7;
    const counts = new Array<number>(leafCount).fill(0);
    for (let seed = 0n; seed < 400n; seed++) for (const index of challengeIndices({ seed, prover: PROVER, leafCount })) counts[index]! += 1;
    // 5200 draws over 7 leaves: each count is ~743; a 6-sigma band is ±151.
    for (const count of counts) assert.ok(count > 592 && count < 894, `${counts}`);
  });

  it("never lands on the zero padding of a mostly padded tree, for any prover", () => {
    // 4^6 + 1 leaves fill a quarter of their depth-7 tree and one leaf more; the rest is padding.
    const leafCount = 4 ** 6 + 1;
    let highest = 0;
    for (const prover of [PROVER, "0x0000000000000000000000000000000000000000", "0xffffffffffffffffffffffffffffffffffffffff"] as const) {
      for (let seed = 0n; seed < 100n; seed++) {
        for (const index of challengeIndices({ seed, prover, leafCount })) {
          assert.ok(Number.isInteger(index) && index >= 0 && index < leafCount, `${index}`);
          highest = Math.max(highest, index);
        }
      }
    }
    // 3,900 draws reach the last real leaves: the largest is within 1% of the end.
    assert.ok(highest >= leafCount * 0.99, `${highest}`);
  });

  it("rejects a seed outside the field, a prover that is not an address, leaf counts outside [1, 4^13] and sample counts below 1", () => {
    assert.throws(() => challengeIndices({ seed: FIELD_MODULUS, prover: PROVER, leafCount: 5 }), { code: "FIELD_ELEMENT_INVALID" });
    for (const prover of ["0x1234", "70997970C51812dc3A010C7d01b50e0d17dc79C8"]) {
      assert.throws(() => challengeIndices({ seed: 1n, prover: prover as `0x${string}`, leafCount: 5 }), { code: "PROVER_INVALID" });
    }
    for (const leafCount of [0, 4 ** 13 + 1, 1.5, -1]) {
      assert.throws(() => challengeIndices({ seed: 1n, prover: PROVER, leafCount }), { code: "LEAF_COUNT_INVALID" });
    }
    for (const samples of [0, -1, 2.5, Number.NaN]) {
      assert.throws(() => challengeIndices({ seed: 1n, prover: PROVER, leafCount: 5, samples }), { code: "SAMPLES_INVALID" });
    }
    assert.deepEqual(challengeIndices({ seed: 1n, prover: PROVER, leafCount: 5, samples: 1 }), challengeIndices({ seed: 1n, prover: PROVER, leafCount: 5 }).slice(0, 1));
  });
});
