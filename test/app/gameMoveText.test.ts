import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gameMoveText, gameOutcome, type GameMoveData } from "../../app/src/jobs/gameMoveText.ts";

const PROVIDER = "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65";
const HASH = `0x${"ab".repeat(16)}${"cd".repeat(16)}`;
const OTHER = `0x${"12".repeat(32)}`;
const none = { level: null, mid: null, midHash: null, agreed: null, lo: null, hi: null, step: null, operator: null, count: null, instruction: null, postState: null, claimedState: null };
const move = (fields: Partial<GameMoveData>): GameMoveData => ({ number: 1, kind: "Bisect", mover: PROVIDER, ...none, ...fields });

describe("gameMoveText", () => {
  it("counts a midpoint in its level's units from the range's start and shortens the claimed state", () => {
    assert.equal(gameMoveText(move({ kind: "Bisect", level: 0, mid: "25", midHash: HASH })), "the provider claimed state 0xabababab…cdcdcdcd after 25 of the game's steps");
    assert.equal(gameMoveText(move({ kind: "Bisect", level: 1, mid: "7", midHash: HASH })), "the provider claimed state 0xabababab…cdcdcdcd after 7 operators of the step");
    assert.equal(gameMoveText(move({ kind: "Bisect", level: 2, mid: "368", midHash: HASH })), "the provider claimed state 0xabababab…cdcdcdcd after 368 instructions of the operator");
  });

  it("says whether the challenger agreed and where the range went", () => {
    assert.equal(gameMoveText(move({ kind: "Choose", agreed: true, lo: "25", hi: "50" })), "the challenger agreed: the range is now [25, 50]");
    assert.equal(gameMoveText(move({ kind: "Choose", agreed: false, lo: "0", hi: "25" })), "the challenger disputed it: the range is now [0, 25]");
  });

  it("names the unit a descent opens", () => {
    assert.equal(gameMoveText(move({ kind: "Descend", level: 1, step: "2", operator: "0", count: "12" })), "the provider opened step 2 into its 12 operators");
    assert.equal(gameMoveText(move({ kind: "Descend", level: 2, step: "2", operator: "5", count: "9000" })), "the provider opened step 2's operator 5 into its 9000 instructions");
  });

  it("compares the chain's state after the last instruction with the provider's claim", () => {
    assert.equal(gameMoveText(move({ kind: "Step", instruction: "368", postState: HASH, claimedState: OTHER })), "the chain executed instruction 368: it gives 0xabababab…cdcdcdcd, the provider claimed 0x12121212…12121212");
    assert.equal(gameMoveText(move({ kind: "Step", instruction: "368", postState: HASH, claimedState: HASH })), "the chain executed instruction 368: it gives 0xabababab…cdcdcdcd, as the provider claimed");
  });
});

describe("gameOutcome", () => {
  it("counts the moves of a game in play, and names the winner of an ended one and whether time decided it", () => {
    assert.equal(gameOutcome({ status: "Open", timedOut: null, moveCount: 1 }), "in play: 1 move so far");
    assert.equal(gameOutcome({ status: "ChallengerWon", timedOut: null, moveCount: 39 }), "the challenger won after 39 moves");
    assert.equal(gameOutcome({ status: "ProviderWon", timedOut: "0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc", moveCount: 4 }), "the provider won on time after 4 moves: the other side stopped answering");
  });
});
