import type { Logger } from "pino";
import { isAddressEqual } from "viem";
import { approveThenSend } from "../chain/approveThenSend.ts";
import { isRpcUnavailable } from "../chain/isRpcUnavailable.ts";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { VeritrainError } from "../errors.ts";
import { chainTime } from "../jobs/jobOnChain.ts";
import { retry } from "../runtime/retry.ts";
import { challengerMove, GAME_PHASE, providerMove, type GameMove, type GameTrace, type GameView } from "../trainingVm/gameMoves.ts";

/** Parameters of {@link playGame}. */
export type PlayGameParameters = {
  /** The connection of one of the game's two sides. */
  chain: ProtocolConnection;
  gameId: bigint;
  /**
   * The run this side stands for: the provider's own (its states are asserted), or the true run (the challenger's
   * choices follow it). A keeper's is a TraceWorker (its event loop goes on answering while a move is computed).
   */
  trace: GameTrace;
  log: Logger;
  signal: AbortSignal;
  /** How often the game is read while the other side is to move. @default 1,000 */
  pollMs?: number;
};

/** How a game ended for the side that played it. */
export type GameOutcome = { won: boolean; moves: number };

type Game = GameView & { provider: `0x${string}`; challenger: `0x${string}`; moves: number; bondsPaid: number; providerClock: bigint; challengerClock: bigint; lastMoveAt: number };

const ended = (game: Game) => game.phase === GAME_PHASE.ProviderWon || game.phase === GAME_PHASE.ChallengerWon;
const providerToMove = (game: Game) => game.phase === GAME_PHASE.AwaitingMidpoint || game.phase === GAME_PHASE.AwaitingDescent;

/**
 * Plays this account's side of BisectionGame `gameId` to its end (docs/dispute-game.md): on its turn the move of
 * gameMoves.ts from `trace` — the provider posts its midpoints and descends, the challenger agrees exactly with the
 * true states and has the chain execute the last instruction — paying its level's bonds on its first move at a
 * level (approved just before, exactly). When the other side's clock has run out on its turn, it ends the game by
 * `timeout`. Between moves it reads the game every `pollMs`, through RPC outages.
 *
 * @throws VeritrainError `GAME_NOT_A_SIDE` if this account is neither side; `ABORTED` when `signal` aborts.
 * @example
 * const { won } = await playGame({ chain, gameId, trace, log, signal });
 */
export async function playGame({ chain, gameId, trace, log, signal, pollMs = 1_000 }: PlayGameParameters): Promise<GameOutcome> {
  const contract = chain.contracts.BisectionGame;
  const me = chain.account.address;
  const read = async () => (await contract.read.getGame([gameId])) as Game;
  const opened = await read();
  const provider = isAddressEqual(opened.provider, me);
  if (!provider && !isAddressEqual(opened.challenger, me)) {
    throw new VeritrainError(`game ${gameId} is between ${opened.provider} and ${opened.challenger}, not ${me}`, { code: "GAME_NOT_A_SIDE", details: { gameId: gameId.toString() } });
  }
  const context = { gameId: gameId.toString(), side: provider ? "provider" : "challenger" };
  const notYet = new Error("the other side is to move");
  let moves = 0;
  for (;;) {
    // The game as it stands when this side can act: its turn, the other side out of time, or the end.
    const { game, move } = await retry(
      async () => {
        const game = await read();
        if (ended(game)) return { game, move: undefined };
        const move = await (provider ? providerMove(game, trace) : challengerMove(game, trace));
        if (move !== undefined) return { game, move };
        const clock = providerToMove(game) ? game.providerClock : game.challengerClock;
        if ((await chainTime(chain)) - BigInt(game.lastMoveAt) >= clock) return { game, move: { move: "timeout" } as const };
        throw notYet;
      },
      { attempts: Infinity, delayMs: pollMs, backoff: 1, maxDelayMs: pollMs, signal, shouldRetry: (error) => error === notYet || isRpcUnavailable(error) },
    );
    if (move === undefined) {
      const won = (game.phase === GAME_PHASE.ProviderWon) === provider;
      log.info({ ...context, won, moves, gameMoves: game.moves }, won ? "game won" : "game lost");
      return { won, moves };
    }
    await send(chain, gameId, game, provider, move);
    moves += 1;
    log.info({ ...context, move: move.move, level: game.level, lo: game.lo.toString(), hi: game.hi.toString() }, "game move sent");
  }
}

/** Sends `move` in `game`, approving the level's bonds first if it is this side's first move at the level. */
async function send(chain: ProtocolConnection, gameId: bigint, game: Game, provider: boolean, move: GameMove | { move: "timeout" }) {
  const contract = chain.contracts.BisectionGame;
  const firstAtLevel = (game.bondsPaid & (1 << (provider ? game.level : 3 + game.level))) === 0;
  const amount = move.move !== "timeout" && firstAtLevel ? await contract.read.levelBond([game.level, game.hi - game.lo, provider]) : 0n;
  const args = move.move === "bisect" ? [gameId, move.midHash] : move.move === "choose" ? [gameId, move.agree] : move.move === "timeout" ? [gameId] : [gameId, move.witness];
  const request = { address: contract.address, abi: contract.abi, functionName: move.move, args, account: chain.account } as never;
  await approveThenSend({
    chain,
    action: `playing game ${gameId}`,
    spender: contract.address,
    tokens: { amount, label: "move bonds" },
    simulate: () => chain.publicClient.simulateContract(request),
    estimateGas: () => chain.publicClient.estimateContractGas(request),
    write: () => chain.walletClient.writeContract(request),
  });
}
