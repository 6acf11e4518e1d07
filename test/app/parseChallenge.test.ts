import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseChallenge } from "../../app/src/jobs/parseChallenge.ts";

const HASH = `0x${"ab".repeat(32)}`;

describe("parseChallenge", () => {
  it("accepts a checkpoint of the result and a 32-byte hash, lower-cased", () => {
    assert.deepEqual(parseChallenge({ checkpointIndex: " 4 ", claimedHash: HASH.toUpperCase().replace("0X", "0x") }, 5).value, { checkpointIndex: 4n, claimedHash: HASH });
  });

  describe("when the index is out of the result's checkpoints", () => {
    it("says which checkpoints there are", () => {
      assert.equal(parseChallenge({ checkpointIndex: "5", claimedHash: HASH }, 5).errors.checkpointIndex, "This result has checkpoints 0 to 4.");
    });
  });

  describe("when the number of checkpoints is unknown", () => {
    it("bounds the index by uint64 only", () => {
      assert.equal(parseChallenge({ checkpointIndex: "18446744073709551615", claimedHash: HASH }).value?.checkpointIndex, 2n ** 64n - 1n);
      assert.match(parseChallenge({ checkpointIndex: "18446744073709551616", claimedHash: HASH }).errors.checkpointIndex!, /uint64/);
    });
  });

  it("refuses a non-number index, a short or non-hex hash and the zero hash", () => {
    assert.match(parseChallenge({ checkpointIndex: "-1", claimedHash: HASH }, 5).errors.checkpointIndex!, /whole number/);
    assert.match(parseChallenge({ checkpointIndex: "1", claimedHash: "0xabc" }, 5).errors.claimedHash!, /64 hex digits/);
    assert.match(parseChallenge({ checkpointIndex: "1", claimedHash: `0x${"zz".repeat(32)}` }, 5).errors.claimedHash!, /64 hex digits/);
    assert.match(parseChallenge({ checkpointIndex: "1", claimedHash: `0x${"0".repeat(64)}` }, 5).errors.claimedHash!, /zero/);
  });
});
