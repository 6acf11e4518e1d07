import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { setTimeout as sleep } from "node:timers/promises";
import { keccak256, maxUint256, parseEther, stringToHex } from "viem";
import type { ProtocolConnection } from "../../../keepers/src/chain/protocolContracts.ts";
import { DisputeStatus, JobStatus, postJob } from "../../../keepers/src/jobs/jobOnChain.ts";
import { GAME_PHASE, inThreadTrace, type GameTrace } from "../../../keepers/src/trainingVm/gameMoves.ts";
import { playGame } from "../../../keepers/src/games/playGame.ts";
import { TraceWorker } from "../../../keepers/src/games/traceWorker.ts";
import type { VmTrace } from "../../../keepers/src/trainingVm/vmTrace.ts";
import { DISHONEST_FAULT, dishonest, openingOf, runOf, treeOf, truth } from "../../harness/gameJob.ts";
import { registerMnistDataset, startProtocolFixture, type ProtocolFixture } from "../../harness/protocolFixture.ts";

// The keepers' side of a dispute game (playGame), on the protocol as the local Ignition module deploys it (a
// 10 s force period, a one-hour clock per side), over the game job of test/harness/gameJob.ts: a perceptron whose
// dishonest run is wrong at one instruction of step 2, in checkpoint 2's segment.

const ACCOUNT = { owner: 1, storage: [2, 3], provider: 5, challenger: 7 };
const CLAIMED_HASH = keccak256(stringToHex("the checkpoint hash the challenger computed"));
const silent = pino({ level: "silent" });

describe("playGame: a keeper plays its side of a dispute game to the end", { timeout: 300_000 }, () => {
  let fixture: ProtocolFixture;
  let datasetId: bigint;
  let provider: ProtocolConnection;
  let challenger: ProtocolConnection;
  const play = (chain: ProtocolConnection, gameId: bigint, trace: GameTrace, signal = AbortSignal.timeout(240_000)) =>
    playGame({ chain, gameId, trace, log: silent, signal, pollMs: 20 });
  const trueRun = inThreadTrace(truth);

  /** A job committing the game job's program, assigned to the provider, its result submitted from `run`. */
  const submitted = async (run: VmTrace) => {
    const consumer = await fixture.connect(ACCOUNT.owner);
    const order = { datasetId, reward: parseEther("10"), minStake: parseEther("100"), biddingPeriod: 30, executionPeriod: 3600, challengeWindow: 600, program: truth.program.hash };
    const jobId = await postJob(consumer, { ...order, specDigest: keccak256(stringToHex("the game job's spec")) });
    await provider.send(() => provider.contracts.JobRegistry.write.bid([jobId, parseEther("5")]));
    await fixture.advance(31);
    await provider.send(() => provider.contracts.JobRegistry.write.settleAuction([jobId]));
    await provider.send(() => provider.contracts.JobRegistry.write.submitResult([jobId, keccak256(stringToHex("weights")), treeOf(run).root, 9000]));
    return jobId;
  };
  const challengeByGame = async (jobId: bigint, run: VmTrace) => {
    const { Disputes } = challenger.contracts;
    const bond = await Disputes.read.challengeBond();
    await challenger.send(() => challenger.contracts.VeritrainToken.write.approve([Disputes.address, bond]));
    await challenger.send(() => Disputes.write.challengeByGame([jobId, 2n, CLAIMED_HASH, openingOf(run, 2)]));
    const disputeId = await Disputes.read.disputeCount();
    return { disputeId, gameId: (await Disputes.read.getDispute([disputeId])).gameId };
  };
  const disputeOf = (disputeId: bigint) => challenger.contracts.Disputes.read.getDispute([disputeId]);
  const jobOf = (jobId: bigint) => challenger.contracts.JobRegistry.read.getJob([jobId]);
  const gameOf = (gameId: bigint) => challenger.contracts.BisectionGame.read.getGame([gameId]);
  const balance = (chain: ProtocolConnection) => chain.contracts.VeritrainToken.read.balanceOf([chain.account.address]);

  before(async () => {
    fixture = await startProtocolFixture();
    const ownerStore = await fixture.newStore("owner");
    const providers = await Promise.all(ACCOUNT.storage.map(async (index) => ({ index, store: await fixture.newStore(`storage-${index}`) })));
    ({ datasetId } = await registerMnistDataset({ fixture, owner: ACCOUNT.owner, ownerStore, providers, images: 100 }));
    provider = await fixture.connect(ACCOUNT.provider);
    challenger = await fixture.connect(ACCOUNT.challenger);
    await fixture.stake(ACCOUNT.provider, parseEther("500"));
  });

  after(async () => {
    await fixture?.close();
  });

  it("an honest challenger's keeper beats a provider's keeper wrong at one instruction, each computing its moves in a worker thread: the game ends on it, the provider slashed, the consumer refunded", async () => {
    const jobId = await submitted(dishonest);
    const { disputeId, gameId } = await challengeByGame(jobId, dishonest);
    const before = await balance(challenger);
    const [providerRun, challengerRun] = await Promise.all([TraceWorker.start(runOf(DISHONEST_FAULT)), TraceWorker.start(runOf())]);
    const [provided, challenged] = await Promise.all([play(provider, gameId, providerRun), play(challenger, gameId, challengerRun)]).finally(() =>
      Promise.all([providerRun.close(), challengerRun.close()]),
    );
    assert.deepEqual([provided.won, challenged.won], [false, true]);
    const game = await gameOf(gameId);
    assert.equal(game.phase, GAME_PHASE.ChallengerWon);
    assert.deepEqual([Number(game.step), Number(game.operator), Number(game.lo)], [2, 5, 9 * 40 + 8], "the game ended on the wrong instruction");
    assert.equal(game.moves, 1 + provided.moves + challenged.moves, "every move after the opening is one of theirs");
    assert.equal((await disputeOf(disputeId)).status, DisputeStatus.ProviderWrong);
    assert.equal((await jobOf(jobId)).status, JobStatus.Failed);
    assert.ok((await balance(challenger)) > before, "the challenger ends with more than it put in");
  });

  it("a provider's keeper that never answers loses on time: the challenger's keeper waits, then ends the game itself", async () => {
    const jobId = await submitted(dishonest);
    const { disputeId, gameId } = await challengeByGame(jobId, dishonest);
    const challenging = play(challenger, gameId, trueRun);
    // A player stopped while it waits for the other side says so.
    const stopped = new AbortController();
    const waiting = play(challenger, gameId, trueRun, stopped.signal);
    await sleep(200);
    stopped.abort();
    await assert.rejects(waiting, (error: Error & { code?: string }) => error.code === "ABORTED");
    assert.equal((await gameOf(gameId)).phase, GAME_PHASE.AwaitingMidpoint, "the provider's turn, not taken");
    await fixture.advance(3600);
    assert.deepEqual(await challenging, { won: true, moves: 1 }, "one move: the timeout");
    const [timedOut] = await challenger.contracts.BisectionGame.getEvents.TimedOut({ gameId }, { fromBlock: 0n });
    assert.equal(timedOut!.args.loser, provider.account.address);
    assert.equal((await disputeOf(disputeId)).status, DisputeStatus.ProviderWrong);
  });

  it("an honest provider's keeper forces a committee challenge into a game and wins it: the challenger's bond is lost, the job stays open", async () => {
    const jobId = await submitted(truth);
    const { Disputes } = challenger.contracts;
    await challenger.send(() => challenger.contracts.VeritrainToken.write.approve([Disputes.address, maxUint256]));
    await challenger.send(() => Disputes.write.challenge([jobId, 2n, CLAIMED_HASH]));
    const disputeId = await Disputes.read.disputeCount();
    await provider.send(() => provider.contracts.Disputes.write.forceGame([disputeId, openingOf(truth, 2)]));
    const { gameId } = await disputeOf(disputeId);
    const before = await balance(provider);
    // The challenger's keeper follows the true run too: it agrees with every midpoint, and the chain's step agrees with the provider.
    const [provided, challenged] = await Promise.all([play(provider, gameId, trueRun), play(challenger, gameId, trueRun)]);
    assert.deepEqual([provided.won, challenged.won], [true, false]);
    assert.equal((await disputeOf(disputeId)).status, DisputeStatus.ChallengerWrong);
    assert.equal((await jobOf(jobId)).status, JobStatus.Submitted, "the result stands");
    assert.ok((await balance(provider)) > before, "the provider won the game's bonds and its share of the lost challenge bond");
  });

  it("refuses a game this account is not a side of, in one line", async () => {
    const outsider = await fixture.connect(9);
    await assert.rejects(play(outsider, 1n, trueRun), (error: Error & { code?: string }) => error.code === "GAME_NOT_A_SIDE" && /game 1 is between 0x[0-9a-fA-F]{40} and 0x[0-9a-fA-F]{40}, not 0x/.test(error.message));
  });
});
