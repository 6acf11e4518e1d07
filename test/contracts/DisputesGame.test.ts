import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keccak256, parseEther, stringToHex, zeroHash, type Hex } from "viem";
import { GAME_PHASE } from "../../keepers/src/trainingVm/gameMoves.ts";
import { dishonest, openingOf, submittedBy, traceOf, truth } from "../harness/gameJob.ts";
import { playOut } from "../harness/vmGame.ts";
import { DisputeStatus, JobStatus, networkHelpers, ORDER, viem, type Protocol } from "./fixture.ts";

// Disputes decided by the bisection game over the training VM (docs/dispute-game.md §5), on the protocol as the
// local Ignition module deploys it, over the game job of test/harness/gameJob.ts.

const CLAIMED_HASH = keccak256(stringToHex("the checkpoint hash the challenger computed"));
const BOND = parseEther("100");
const FORCE_PERIOD = 12n * 3600n;
const CLOCK_BUDGET = 2n * 24n * 3600n;

const withDishonestResult = () => submittedBy(dishonest);
const withHonestResult = () => submittedBy(truth);
const withDishonestResultNoProgram = () => submittedBy(dishonest, zeroHash);
const withHonestResultNoProgram = () => submittedBy(truth, zeroHash);

/** Dispute 1: the challenger's committee challenge of checkpoint `checkpoint` of job 1. */
async function committeeDispute(p: Protocol & { jobId: bigint }, checkpoint: bigint) {
  await p.disputes.write.challenge([p.jobId, checkpoint, CLAIMED_HASH], { account: p.challenger.account });
  return 1n;
}

const sides = (p: Protocol) => ({ game: p.bisectionGame, provider: p.providerA, challenger: p.challenger });

describe("Disputes: games over the training VM", () => {
  it("deploys its own game over TrainingVm: Disputes is the referee, the challenge bond the level-0 move bond", async () => {
    const p = await networkHelpers.loadFixture(withHonestResult);
    assert.equal(await p.disputes.read.game(), p.bisectionGame.address);
    assert.equal((await p.bisectionGame.read.referee()).toLowerCase(), p.disputes.address.toLowerCase());
    assert.equal((await p.bisectionGame.read.machine()).toLowerCase(), p.trainingVm.address.toLowerCase());
    assert.deepEqual([await p.bisectionGame.read.moveBond(), await p.bisectionGame.read.clockBudget(), BigInt(await p.disputes.read.forcePeriod())], [BOND, CLOCK_BUDGET, FORCE_PERIOD]);
  });

  describe("when the challenger opens a game", () => {
    it("an honest challenger beats a provider wrong at one instruction, no committee drawn: slashed, refunded, every bond to the challenger", async () => {
      const p = await networkHelpers.loadFixture(withDishonestResult);
      const opening = openingOf(dishonest, 2);
      await viem.assertions.emitWithArgs(
        p.disputes.write.challengeByGame([p.jobId, 2n, CLAIMED_HASH, opening], { account: p.challenger.account }),
        p.disputes,
        "DisputeGameStarted",
        [1n, 1n, 2n, false],
      );
      const dispute = await p.disputes.read.getDispute([1n]);
      assert.deepEqual([dispute.status, dispute.gameId, dispute.verdictDeadline], [DisputeStatus.InGame, 1n, 0]);
      assert.equal(await p.disputes.read.disputeOfGame([1n]), 1n);
      assert.equal((await p.committee.getEvents.CommitteeRequested({}, { fromBlock: 0n })).length, 0, "no committee is requested");
      const game = await p.bisectionGame.read.getGame([1n]);
      assert.deepEqual([game.step, game.hi, game.hashLo, game.hashHi], [2n, 2n, truth.stateAt(2), dishonest.stateAt(4)], "the segment of checkpoint 2, from the agreed state");
      // Neither a verdict nor an expiry can touch a dispute in a game.
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.expire([1n]), p.disputes, "DisputesNotOpen", [1n, DisputeStatus.InGame]);
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.settle([1n, false, 31n, []]), p.disputes, "DisputesNotOpen", [1n, DisputeStatus.InGame]);

      const before = await p.token.read.balanceOf([p.challenger.account.address]);
      const outcome = await playOut({ ...sides(p), gameId: 1n, truth, claimed: dishonest, choice: "honest" });
      assert.equal(outcome.phase, GAME_PHASE.ChallengerWon);
      assert.deepEqual([Number(outcome.step), Number(outcome.operator), Number(outcome.lo)], [2, 5, 9 * 40 + 8], "the game ended on the wrong instruction");
      const [decided] = await p.disputes.getEvents.DisputeDecidedByGame({ disputeId: 1n }, { fromBlock: 0n });
      assert.deepEqual([decided!.args.gameId, decided!.args.providerWrong, decided!.args.bondRecipient?.toLowerCase()], [1n, true, p.challenger.account.address.toLowerCase()]);
      assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.ProviderWrong);
      const job = await p.jobRegistry.read.getJob([p.jobId]);
      assert.equal(job.status, JobStatus.Failed);
      const [failed] = await p.jobRegistry.getEvents.JobFailed({ jobId: p.jobId }, { fromBlock: 0n });
      assert.equal(failed!.args.refund, ORDER.reward, "the consumer got its whole escrow back");
      assert.equal(failed!.args.slashed, ORDER.minStake, "the provider's locked stake was slashed");
      assert.equal(await p.token.read.balanceOf([p.disputes.address]), 0n, "Disputes holds no bond");
      assert.equal(await p.token.read.balanceOf([p.bisectionGame.address]), 0n, "the game holds no bond");
      const after = await p.token.read.balanceOf([p.challenger.account.address]);
      assert.ok(after > before + BOND, "the challenger got its bond back, the provider's game bonds and the slash share");
    });

    it("a provider that stops answering loses on time through the game's upkeep", async () => {
      const p = await networkHelpers.loadFixture(withDishonestResult);
      await p.disputes.write.challengeByGame([p.jobId, 2n, CLAIMED_HASH, openingOf(dishonest, 2)], { account: p.challenger.account });
      await networkHelpers.time.increase(CLOCK_BUDGET);
      const [needed, performData] = await p.bisectionGame.read.checkUpkeep(["0x"]);
      assert.equal(needed, true);
      await p.bisectionGame.write.performUpkeep([performData], { account: p.outsider.account });
      assert.equal((await p.bisectionGame.read.getGame([1n])).phase, GAME_PHASE.ChallengerWon);
      assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.ProviderWrong);
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Failed);
    });

    it("refuses a job without a program, a checkpoint outside the schedule, a leaf not in the trace and a wrong program, changing nothing", async () => {
      const p = await networkHelpers.loadFixture(withDishonestResult);
      const opening = openingOf(dishonest, 2);
      const as = { account: p.challenger.account };
      for (const checkpoint of [0n, 3n]) {
        await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.challengeByGame([p.jobId, checkpoint, CLAIMED_HASH, opening], as), p.disputes, "DisputesNoSegment", [p.jobId, checkpoint]);
      }
      const wrongLeaf = { ...opening, hashAfter: truth.checkpointRoot(4) };
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.challengeByGame([p.jobId, 2n, CLAIMED_HASH, wrongLeaf], as), p.disputes, "DisputesCheckpointNotInTrace", [p.jobId, 2n, truth.checkpointRoot(4)]);
      const wrongBefore = { ...opening, proofBefore: opening.proofAfter };
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.challengeByGame([p.jobId, 2n, CLAIMED_HASH, wrongBefore], as), p.disputes, "DisputesCheckpointNotInTrace", [p.jobId, 1n, opening.hashBefore]);
      const otherProgram = traceOf();
      const wrongProgram = { ...opening, program: (otherProgram.program.segmentWitness().slice(0, -2) + "ff") as Hex };
      await assert.rejects(p.disputes.write.challengeByGame([p.jobId, 2n, CLAIMED_HASH, wrongProgram], as), /TrainingVmProgramMismatch/);
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.challengeByGame([p.jobId, 2n, zeroHash, opening], as), p.disputes, "DisputesZeroClaimedHash", []);
      assert.equal(await p.disputes.read.disputeCount(), 0n);
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Submitted, "the window still runs");

      const q = await networkHelpers.loadFixture(withDishonestResultNoProgram);
      await viem.assertions.revertWithCustomErrorWithArgs(q.disputes.write.challengeByGame([q.jobId, 2n, CLAIMED_HASH, opening], { account: q.challenger.account }), q.disputes, "DisputesNoProgram", [q.jobId]);
    });
  });

  describe("when the provider forces a game on a committee dispute", () => {
    it("an honest provider wins against a challenger who disputes every midpoint: the window resumes, the bond and game bonds are its", async () => {
      const p = await networkHelpers.loadFixture(withHonestResult);
      const disputeId = await committeeDispute(p, 2n);
      await viem.assertions.emitWithArgs(p.disputes.write.forceGame([disputeId, openingOf(truth, 2)], { account: p.providerA.account }), p.disputes, "DisputeGameStarted", [disputeId, 1n, 2n, true]);
      assert.equal((await p.disputes.read.getDispute([disputeId])).status, DisputeStatus.InGame);
      const outcome = await playOut({ ...sides(p), gameId: 1n, truth, claimed: truth, choice: "always disagree" });
      assert.equal(outcome.phase, GAME_PHASE.ProviderWon);
      assert.equal((await p.disputes.read.getDispute([disputeId])).status, DisputeStatus.ChallengerWrong);
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Submitted, "the challenge window resumed");
      assert.equal(await p.token.read.balanceOf([p.bisectionGame.address]), 0n);
      assert.equal(await p.token.read.balanceOf([p.disputes.address]), 0n);
      // The committee that was drawn meanwhile can no longer decide it.
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.settle([disputeId, true, 31n, []]), p.disputes, "DisputesNotOpen", [disputeId, DisputeStatus.ChallengerWrong]);
    });

    it("dismisses a dispute of a checkpoint the schedule does not have: the result stands, the bond is the provider's", async () => {
      const p = await networkHelpers.loadFixture(withHonestResult);
      const disputeId = await committeeDispute(p, 7n);
      const before = await p.token.read.balanceOf([p.providerA.account.address]);
      await viem.assertions.emitWithArgs(p.disputes.write.forceGame([disputeId, openingOf(truth, 2)], { account: p.providerA.account }), p.disputes, "DisputeDismissed", [disputeId, 7n]);
      assert.equal((await p.disputes.read.getDispute([disputeId])).status, DisputeStatus.ChallengerWrong);
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Submitted);
      assert.equal(await p.token.read.balanceOf([p.providerA.account.address]), before + BOND);
      assert.equal(await p.bisectionGame.read.gameCount(), 0n);
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.forceGame([disputeId, openingOf(truth, 2)], { account: p.providerA.account }), p.disputes, "DisputesNotOpen", [disputeId, DisputeStatus.ChallengerWrong]);
    });

    it("lets only the accused force, only within the force period, only an open dispute; no verdict counts before it ends", async () => {
      const p = await networkHelpers.loadFixture(withHonestResult);
      const disputeId = await committeeDispute(p, 2n);
      const opening = openingOf(truth, 2);
      const { verdictDeadline } = await p.disputes.read.getDispute([disputeId]);
      const forceDeadline = BigInt(verdictDeadline) - 24n * 3600n + FORCE_PERIOD;
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.forceGame([disputeId, opening], { account: p.challenger.account }), p.disputes, "DisputesOnlyProvider", [disputeId, p.challenger.account.address, p.providerA.account.address]);
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.settle([disputeId, true, 31n, []]), p.disputes, "DisputesForcePeriodNotOver", [disputeId, forceDeadline]);
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.forceGame([9n, opening], { account: p.providerA.account }), p.disputes, "DisputesUnknownDispute", [9n]);
      await networkHelpers.time.increaseTo(forceDeadline);
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.forceGame([disputeId, opening], { account: p.providerA.account }), p.disputes, "DisputesForcePeriodOver", [disputeId, forceDeadline]);
      assert.equal((await p.disputes.read.getDispute([disputeId])).status, DisputeStatus.Open);
    });

    it("cannot force a game on a job that committed no program, whose verdicts count at once", async () => {
      const p = await networkHelpers.loadFixture(withHonestResultNoProgram);
      const { jobId } = p;
      const disputeId = await committeeDispute(p, 2n);
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.forceGame([disputeId, openingOf(truth, 2)], { account: p.providerA.account }), p.disputes, "DisputesNoProgram", [jobId]);
      // No committee drawn yet: the verdict fails on the committee, not on a force period.
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.settle([disputeId, true, 31n, []]), p.committee, "ValidatorCommitteeNotDrawn", [disputeId]);
    });

    it("takes game ends from the game contract only", async () => {
      const p = await networkHelpers.loadFixture(withHonestResult);
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.gameEnded([1n, true], { account: p.outsider.account }), p.disputes, "DisputesOnlyGame", [p.outsider.account.address]);
    });
  });
});
