import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getAddress, numberToHex, zeroAddress } from "viem";
import { committeeDraw, type CommitteeDrawEntry } from "../../../keepers/src/chain/committeeDraw.ts";
import { randomDraw } from "../../../keepers/src/chain/randomDraw.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";

/** The vector list (same as ValidatorCommittee.fuzz.t.sol's): validator i = 0x1000 + i joined at 100 + i; every fourth (i % 4 == 3) left at 105. */
const ENTRIES: CommitteeDrawEntry[] = Array.from({ length: 20 }, (_, i) => ({
  account: getAddress(numberToHex(0x1000 + i, { size: 20 })),
  joinedAt: 100 + i,
  leftAt: i % 4 === 3 ? 105 : 0,
}));
const v = (i: number) => ENTRIES[i]!.account;

describe("committeeDraw", () => {
  it("matches the contract's test vectors", () => {
    // Same as CommitteeDraw.draw on-chain: ValidatorCommitteeFuzzTest.test_draw_matchesVectors checks these lists.
    assert.deepEqual(committeeDraw({ seed: 42n, entries: ENTRIES, range: 18, requestedAt: 110, size: 5 }), [v(5), v(9), v(1), v(10), v(4)]);
    assert.deepEqual(committeeDraw({ seed: 7n, entries: ENTRIES, range: 20, requestedAt: 200, size: 9 }), [14, 16, 5, 8, 0, 6, 9, 13, 17].map(v));
    // Two eligible validators among 18 positions, one seat: the callback's 4 steps find neither, continueDraw's do.
    assert.deepEqual(committeeDraw({ seed: 1n, entries: ENTRIES, range: 18, requestedAt: 101, size: 1 }), [v(0)]);
    assert.deepEqual(committeeDraw({ seed: 2n, entries: ENTRIES, range: 18, requestedAt: 101, size: 1 }), [v(0)]);
  });

  it("keeps only validators eligible at the request, and no one past the range", () => {
    for (let seed = 0n; seed < 50n; seed++) {
      const members = committeeDraw({ seed, entries: ENTRIES, range: 18, requestedAt: 110, size: 5 });
      assert.equal(new Set(members).size, members.length);
      for (const member of members) {
        const i = ENTRIES.findIndex((e) => e.account === member);
        assert.ok(i <= 10 && i % 4 !== 3, `seed ${seed}: ${i} was not eligible at 110`);
      }
      // Nine eligible: the five seats are always filled.
      assert.equal(members.length, 5);
    }
  });

  it("takes the steps of RandomDraw's shuffle when everyone is eligible", () => {
    const everyone = ENTRIES.map((e) => ({ ...e, joinedAt: 0, leftAt: 0 }));
    const indices = randomDraw({ seed: 42n, count: 14, size: 3 });
    assert.deepEqual(committeeDraw({ seed: 42n, entries: everyone, range: 14, requestedAt: 0, size: 3 }), indices.map(v));
  });

  it("never picks an emptied slot, however many there are", () => {
    const emptied = { account: zeroAddress, joinedAt: 0, leftAt: 0 };
    const padded = [...ENTRIES.slice(0, 3), ...Array.from({ length: 60 }, () => emptied), ...ENTRIES.slice(3)];
    for (let seed = 0n; seed < 20n; seed++) {
      const members = committeeDraw({ seed, entries: padded, range: padded.length, requestedAt: 200, size: 9 });
      assert.equal(members.length, 9, `seed ${seed}`);
      assert.ok(!members.includes(zeroAddress));
    }
  });

  it("rejects a range longer than the list (the list never shrinks)", () => {
    assert.throws(
      () => committeeDraw({ seed: 1n, entries: ENTRIES, range: 21, requestedAt: 110, size: 5 }),
      (error: unknown) => error instanceof VeritrainError && error.code === "COMMITTEE_DRAW_INVALID" && /range 21 exceeds the list's 20 entries/.test(error.message),
    );
  });

  it("rejects a negative or fractional range, time or size", () => {
    for (const bad of [{ range: -1 }, { requestedAt: 1.5 }, { size: -2 }]) {
      assert.throws(
        () => committeeDraw({ seed: 1n, entries: ENTRIES, range: 18, requestedAt: 110, size: 5, ...bad }),
        (error: unknown) => error instanceof VeritrainError && error.code === "COMMITTEE_DRAW_INVALID",
      );
    }
  });
});
