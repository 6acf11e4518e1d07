import assert from "node:assert/strict";
import { getContract, parseAbi, parseEther, type Hash } from "viem";
import { challengerMove, GAME_PHASE, inThreadTrace, providerMove } from "../../keepers/src/trainingVm/gameMoves.ts";
import type { VmTrace } from "../../keepers/src/trainingVm/vmTrace.ts";
import { networkHelpers, viem } from "../contracts/fixture.ts";

// A whole dispute game over the training VM on the in-process Hardhat network: BisectionGame with the real
// TrainingVm as its machine and a referee double that opens it. test/contracts/TrainingVmGame.test.ts plays it
// with honest and dishonest sides; bench/dispute.ts measures its gas.

export async function deployGame() {
  const [deployer, provider, challenger] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const token = await viem.deployContract("VeritrainToken", [deployer!.account.address, parseEther("1000000000")]);
  const machine = await viem.deployContract("TrainingVm");
  // Hardhat types only contracts/ sources: the test double gets its ABI here.
  const referee = getContract({
    address: (await viem.deployContract("GameRefereeDouble")).address,
    abi: parseAbi([
      "function setGame(address game)",
      "function open(address provider, address challenger, bytes32 program, uint64 firstStep, uint64 steps, bytes32 hashLo, bytes32 hashHi) returns (uint256)",
    ]),
    client: { public: publicClient, wallet: deployer! },
  });
  const game = await viem.deployContract("BisectionGame", [token.address, machine.address, referee.address, parseEther("1"), 86_400n]);
  await referee.write.setGame([game.address]);
  for (const side of [provider!, challenger!]) {
    await token.write.transfer([side.account.address, parseEther("100000")]);
    await token.write.approve([game.address, parseEther("100000")], { account: side.account });
  }
  return { game, referee, publicClient, provider: provider!, challenger: challenger! };
}

/** Parameters of {@link playOut}. */
export type PlayOutParameters = {
  /** The BisectionGame contract, the game in it, and its two sides' wallets. */
  game: Awaited<ReturnType<typeof deployGame>>["game"];
  gameId: bigint;
  provider: Wallet;
  challenger: Wallet;
  /** The true run, from the segment's first step. */
  truth: VmTrace;
  /** The run the provider claims (the truth, or a dishonest one). */
  claimed: VmTrace;
  /** How the challenger chooses: the honest one agrees exactly with the true states. */
  choice: "honest" | "always disagree" | "always agree";
  /** Called after each move (the bench's progress). */
  onMove?: (move: { move: string; gas: number; keeperMs: number; level: number }) => void;
};

type Wallet = Awaited<ReturnType<typeof viem.getWalletClients>>[number];

/**
 * Plays open game `gameId` to its end with the keepers' moves (keepers/src/trainingVm/gameMoves.ts): the provider
 * posts the states of `claimed`; the challenger chooses by `choice` and executes the last instruction with the true
 * trace's witness. Returns how it ended, each move's gas and the milliseconds the keepers' side took to compute it.
 */
export async function playOut({ game, gameId, provider, challenger, truth, claimed, choice, onMove }: PlayOutParameters) {
  const publicClient = await viem.getPublicClient();
  const gas: { move: string; gas: number; keeperMs: number }[] = [];
  let started = performance.now();
  let level = 0;
  const [truthMoves, claimedMoves] = [inThreadTrace(truth), inThreadTrace(claimed)];
  const send = async (move: string, hash: Hash) => {
    const keeperMs = performance.now() - started;
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success", `${move} succeeded`);
    gas.push({ move, gas: Number(receipt.gasUsed), keeperMs });
    onMove?.({ ...gas[gas.length - 1]!, level });
  };
  for (;;) {
    const g = await game.read.getGame([gameId]);
    level = g.level;
    started = performance.now();
    const move =
      (await providerMove(g, claimedMoves)) ??
      (choice === "honest" || g.phase !== GAME_PHASE.AwaitingChoice ? await challengerMove(g, truthMoves) : { move: "choose" as const, agree: choice === "always agree" });
    if (move === undefined) return { ...g, gas };
    const provides = move.move === "bisect" || move.move === "descend";
    const account = (provides ? provider : challenger).account;
    if (move.move === "bisect") await send(move.move, await game.write.bisect([gameId, move.midHash], { account }));
    if (move.move === "choose") await send(move.move, await game.write.choose([gameId, move.agree], { account }));
    if (move.move === "descend") await send(move.move, await game.write.descend([gameId, move.witness], { account }));
    if (move.move === "step") await send(move.move, await game.write.step([gameId, move.witness], { account }));
  }
}

/** Parameters of {@link play}. */
export type PlayParameters = Pick<PlayOutParameters, "truth" | "claimed" | "choice" | "onMove"> & { firstStep: number; steps: number };

/** Opens a game over `steps` steps from `firstStep` through the referee double and plays it out ({@link playOut}). */
export async function play({ firstStep, steps, ...sides }: PlayParameters) {
  const { game, referee, provider, challenger } = await networkHelpers.loadFixture(deployGame);
  const hashHi = sides.claimed.stateAt(firstStep + steps);
  await referee.write.open([provider.account.address, challenger.account.address, sides.truth.program.hash, BigInt(firstStep), BigInt(steps), sides.truth.stateAt(firstStep), hashHi]);
  return playOut({ game, gameId: await game.read.gameCount(), provider, challenger, ...sides });
}
