import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { keccak256, parseEther, stringToHex, zeroHash, type Hex } from "viem";
import { checkpointChunks, readPublishedResult, type CheckpointChunk } from "../../keepers/src/jobs/resultPublication.ts";
import { GAME_PHASE } from "../../keepers/src/trainingVm/gameMoves.ts";
import { dishonest, GAME_JOB, openingOf, submittedBy, traceOf, treeOf, truth } from "../harness/gameJob.ts";
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
      const wrongProgram = { ...opening, program: (otherProgram.program.segmentWitness().slice(0, -2) + "01") as Hex };
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

    it("dismisses a dispute of a checkpoint the schedule does not have: the result stands, the bond is lost (half to the provider)", async () => {
      const p = await networkHelpers.loadFixture(withHonestResult);
      const disputeId = await committeeDispute(p, 7n);
      const before = await p.token.read.balanceOf([p.providerA.account.address]);
      await viem.assertions.emitWithArgs(p.disputes.write.forceGame([disputeId, openingOf(truth, 2)], { account: p.providerA.account }), p.disputes, "DisputeDismissed", [disputeId, 7n]);
      assert.equal((await p.disputes.read.getDispute([disputeId])).status, DisputeStatus.ChallengerWrong);
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Submitted);
      assert.equal(await p.token.read.balanceOf([p.providerA.account.address]), before + BOND / 2n, "the accused's share of the lost bond");
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

  describe("when the challenger disputes the result as published (availability: answered on-chain, no committee)", () => {
    const LAST = truth.checkpointAt(GAME_JOB.totalSteps);
    const witness = truth.program.segmentWitness();
    /** Dispute 1: the challenger's dispute of job 1's result as published. */
    async function withAvailabilityDispute() {
      const p = await withHonestResult();
      await p.disputes.write.challengeResult([p.jobId], { account: p.challenger.account });
      return { ...p, disputeId: 1n };
    }
    const batch = (from: number, count: number, run = truth) => {
      const { hashes, proof, proofFlags } = treeOf(run).multiProof(from, count);
      return { from: BigInt(from), hashes, proof, proofFlags };
    };
    const chunksOf = async (p: Protocol) => checkpointChunks(LAST, (await p.disputes.read.getPublication([1n])).depth, await p.disputes.read.CHUNK_DEPTH());

    it("an honest provider publishes its trace in batches and its last checkpoint in chunks: the result stands, half the lost bond is its, the chain serves the weights for good", async () => {
      const p = await networkHelpers.loadFixture(withAvailabilityDispute);
      const publicClient = await viem.getPublicClient();
      const as = { account: p.providerA.account };
      assert.equal((await p.committee.getEvents.CommitteeRequested({}, { fromBlock: 0n })).length, 0, "no committee is requested");
      assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.Open);
      let gas = 0n;
      const sent = async (hash: Promise<Hex>) => (gas += (await publicClient.waitForTransactionReceipt({ hash: await hash })).gasUsed);
      await sent(p.disputes.write.publishTrace([1n, batch(0, 2), witness], as));
      // Anyone may publish: the data is its own proof.
      await viem.assertions.emitWithArgs(p.disputes.write.publishTrace([1n, batch(2, 1), witness], { account: p.outsider.account }), p.disputes, "TracePublished", [1n, 2n, [truth.checkpointRoot(4)]]);
      const publication = await p.disputes.read.getPublication([1n]);
      assert.deepEqual([publication.traced, publication.checkpoints, publication.lastHash, publication.depth], [3n, 3n, truth.checkpointRoot(4), 13]);
      const chunks = await chunksOf(p);
      assert.deepEqual([publication.chunksLeft, chunks.length, chunks.filter((c) => c.words.length === 0).length], [8n, 8, 3], "8 chunks of 1,024 words, the last 3 all zero");
      const providerBefore = await p.token.read.balanceOf([p.providerA.account.address]);
      for (const { chunk, words, proof } of chunks.slice(0, -1)) await sent(p.disputes.write.publishChunk([1n, chunk, words, proof], as));
      assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.Open, "open until the last chunk");
      const last = chunks.at(-1)!;
      await viem.assertions.emitWithArgs(p.disputes.write.publishChunk([1n, last.chunk, last.words, last.proof], as), p.disputes, "ResultPublished", [1n, p.jobId, p.providerA.account.address]);
      assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.ChallengerWrong);
      assert.equal((await p.jobRegistry.read.getJob([p.jobId])).status, JobStatus.Submitted, "the window resumes");
      assert.equal(await p.token.read.balanceOf([p.providerA.account.address]), providerBefore + BOND / 2n, "the accused's share of the lost bond");
      assert.equal(await p.token.read.balanceOf([p.disputes.address]), 0n);
      assert.equal(await p.disputes.read.publishedIn([p.jobId]), 1n);
      assert.ok(gas < 10_000_000n, `published for ${gas} gas`);

      const published = await readPublishedResult({ chain: { contracts: { Disputes: p.disputes }, publicClient: await viem.getPublicClient(), deploymentBlock: 0n } as never, jobId: p.jobId });
      assert.deepEqual(published?.hashes, [0, 2, 4].map((step) => truth.checkpointRoot(step)));
      assert.deepEqual(published?.lastCheckpoint, LAST, "the last checkpoint, bit for bit, from the chain alone");
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.challengeResult([p.jobId], { account: p.challenger.account }), p.disputes, "DisputesResultPublished", [p.jobId, 1n]);
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.publishChunk([1n, 0n, chunks[0]!.words, chunks[0]!.proof], as), p.disputes, "DisputesNotOpen", [1n, DisputeStatus.ChallengerWrong]);
    });

    it("a provider that stays silent loses at the deadline: slashed, the consumer refunded, the bond back to the challenger", async () => {
      const p = await networkHelpers.loadFixture(withAvailabilityDispute);
      await p.disputes.write.publishTrace([1n, batch(0, 3), witness], { account: p.providerA.account });
      const { verdictDeadline } = await p.disputes.read.getDispute([1n]);
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.expire([1n]), p.disputes, "DisputesVerdictDeadlineNotReached", [1n, BigInt(verdictDeadline)]);
      await networkHelpers.time.increaseTo(verdictDeadline);
      const chunk = (await chunksOf(p))[0]!;
      await viem.assertions.revertWithCustomErrorWithArgs(p.disputes.write.publishChunk([1n, chunk.chunk, chunk.words, chunk.proof]), p.disputes, "DisputesPublicationTooLate", [1n, BigInt(verdictDeadline)]);
      const challengerBefore = await p.token.read.balanceOf([p.challenger.account.address]);
      const [needed, performData] = await p.disputes.read.checkUpkeep(["0x"]);
      assert.equal(needed, true, "the automation keeper ends it");
      await viem.assertions.emitWithArgs(p.disputes.write.performUpkeep([performData], { account: p.outsider.account }), p.disputes, "ResultWithheld", [1n]);
      assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.ProviderWrong);
      const [failed] = await p.jobRegistry.getEvents.JobFailed({ jobId: p.jobId }, { fromBlock: 0n });
      assert.deepEqual([failed!.args.refund, failed!.args.slashed], [ORDER.reward, ORDER.minStake]);
      assert.ok((await p.token.read.balanceOf([p.challenger.account.address])) > challengerBefore + BOND, "the bond back, and the slash share");
      assert.equal(await p.disputes.read.publishedIn([p.jobId]), 0n);
    });

    it("refuses a trace or a chunk that is out of order, out of range, of the wrong shape or not the committed one, and a verdict or a game, changing nothing", async () => {
      const p = await networkHelpers.loadFixture(withAvailabilityDispute);
      const as = { account: p.providerA.account };
      const revert = (call: Promise<unknown>, error: string, args: unknown[]) => viem.assertions.revertWithCustomErrorWithArgs(call as never, p.disputes, error as never, args);
      await revert(p.disputes.write.publishTrace([2n, batch(0, 3), witness], as), "DisputesUnknownDispute", [2n]);
      await revert(p.disputes.write.publishTrace([1n, batch(1, 2), witness], as), "DisputesTraceOutOfOrder", [1n, 1n, 0n]);
      await revert(p.disputes.write.publishTrace([1n, { from: 0n, hashes: [], proof: [], proofFlags: [] }, witness], as), "DisputesTraceOutOfRange", [1n, 0n, 0n, 3n]);
      await revert(p.disputes.write.publishTrace([1n, batch(0, 2, dishonest), witness], as), "DisputesCheckpointsNotInTrace", [p.jobId, 0n, 2n]);
      await assert.rejects(p.disputes.write.publishTrace([1n, batch(0, 3), traceOf().program.segmentWitness().slice(0, -2) + "01" as Hex], as), /TrainingVmProgramMismatch/);
      assert.equal((await p.disputes.read.getPublication([1n])).depth, 0, "no depth before the whole trace");
      const early = checkpointChunks(LAST, 13, 10)[0]!;
      await revert(p.disputes.write.publishChunk([1n, early.chunk, early.words, early.proof], as), "DisputesTraceIncomplete", [1n, 0n, 0n]);
      await p.disputes.write.publishTrace([1n, batch(0, 2), witness], as);
      await revert(p.disputes.write.publishTrace([1n, { ...batch(2, 1), hashes: [truth.checkpointRoot(2)] }, witness], as), "DisputesCheckpointsNotInTrace", [p.jobId, 2n, 1n]);
      await revert(p.disputes.write.publishChunk([1n, early.chunk, early.words, early.proof], as), "DisputesTraceIncomplete", [1n, 2n, 3n]);
      await p.disputes.write.publishTrace([1n, batch(2, 1), witness], as);
      await revert(p.disputes.write.publishTrace([1n, batch(2, 1), witness], as), "DisputesTraceOutOfOrder", [1n, 2n, 3n]);

      const chunks = await chunksOf(p);
      const [first, second] = chunks as [CheckpointChunk, CheckpointChunk];
      await revert(p.disputes.write.publishChunk([1n, 8n, first.words, first.proof], as), "DisputesChunkOutOfRange", [1n, 8n, 8n]);
      await revert(p.disputes.write.publishChunk([1n, 0n, first.words.slice(1), first.proof], as), "DisputesChunkShape", [1n, 1023n, 3n, 1024n, 3n]);
      await revert(p.disputes.write.publishChunk([1n, 0n, first.words, first.proof.slice(1)], as), "DisputesChunkShape", [1n, 1024n, 2n, 1024n, 3n]);
      await revert(p.disputes.write.publishChunk([1n, 0n, [], first.proof], as), "DisputesChunkNotInCheckpoint", [1n, 0n]);
      await revert(p.disputes.write.publishChunk([1n, 1n, first.words, first.proof], as), "DisputesChunkNotInCheckpoint", [1n, 1n]);
      await revert(p.disputes.write.publishChunk([1n, 0n, second.words, second.proof], as), "DisputesChunkNotInCheckpoint", [1n, 0n]);
      await p.disputes.write.publishChunk([1n, 0n, first.words, first.proof], as);
      await revert(p.disputes.write.publishChunk([1n, 0n, first.words, first.proof], as), "DisputesChunkAlreadyPublished", [1n, 0n]);
      assert.equal((await p.disputes.read.getPublication([1n])).chunksLeft, 7n);

      await revert(p.disputes.write.settle([1n, true, 31n, []]), "DisputesNoCommitteeDispute", [1n]);
      await revert(p.disputes.write.forceGame([1n, openingOf(truth, 2)], as), "DisputesNotGameable", [1n]);
      assert.equal((await p.disputes.read.getDispute([1n])).status, DisputeStatus.Open);
    });

    it("challenge() naming RESULT_DISPUTE opens the same dispute; nothing is published for a checkpoint's dispute or a job without a program", async () => {
      const p = await networkHelpers.loadFixture(withHonestResult);
      const RESULT_DISPUTE = await p.disputes.read.RESULT_DISPUTE();
      await p.disputes.write.challenge([p.jobId, RESULT_DISPUTE, CLAIMED_HASH], { account: p.challenger.account });
      assert.deepEqual([(await p.disputes.read.getDispute([1n])).claimedHash, (await p.committee.getEvents.CommitteeRequested({}, { fromBlock: 0n })).length], [zeroHash, 0]);
      await p.disputes.write.publishTrace([1n, batch(0, 3), witness], { account: p.providerA.account });

      const q = await networkHelpers.loadFixture(withHonestResult);
      await committeeDispute(q, 2n);
      await viem.assertions.revertWithCustomErrorWithArgs(q.disputes.write.publishTrace([1n, batch(0, 3), witness]), q.disputes, "DisputesNotAvailabilityDispute", [1n]);
      const r = await networkHelpers.loadFixture(withHonestResultNoProgram);
      await r.disputes.write.challengeResult([r.jobId], { account: r.challenger.account });
      assert.equal((await r.committee.getEvents.CommitteeRequested({}, { fromBlock: 0n })).length, 1, "a job without a program: the committee's");
      await viem.assertions.revertWithCustomErrorWithArgs(r.disputes.write.publishTrace([1n, batch(0, 3), witness]), r.disputes, "DisputesNotAvailabilityDispute", [1n]);
    });
  });
});
