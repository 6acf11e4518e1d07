import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keccak256, stringToHex } from "viem";
import { committeeVerdict, UNSERVED_CLAIM } from "../../../keepers/src/roundJobs/roundJudgement.ts";

describe("committeeVerdict: what a validator signs on a round's dispute", () => {
  const digest = keccak256(stringToHex("the right update"));

  it("does not condemn a blob it could not fetch: its availability is the chain's to decide (challengeUpdate)", () => {
    // What judgeOwnedSlot returns when no peer serves an owner's masked input, and judgeSlot a right but unserved update.
    for (const correct of [UNSERVED_CLAIM, digest]) {
      const verdict = committeeVerdict({ wrong: true, correct, reason: "round 0 slot 6's masked input: no connected peer served it", unserved: true });
      assert.deepEqual(verdict, {
        providerWrong: false,
        reason: "round 0 slot 6's masked input: no connected peer served it; whether it is served is decided on-chain (challengeUpdate), not by a committee",
      });
    }
  });

  it("condemns what it found wrong otherwise (a wrong digest, a message that is not one), and clears what it found right", () => {
    assert.deepEqual(committeeVerdict({ wrong: true, correct: digest, reason: "re-execution gives another digest" }), { providerWrong: true, reason: "re-execution gives another digest" });
    assert.deepEqual(committeeVerdict({ wrong: true, correct: UNSERVED_CLAIM, reason: "not a masked input", unserved: false }), { providerWrong: true, reason: "not a masked input" });
    assert.deepEqual(committeeVerdict({ wrong: false, correct: digest, reason: "re-execution gives the committed digest" }), { providerWrong: false, reason: "re-execution gives the committed digest" });
  });
});
