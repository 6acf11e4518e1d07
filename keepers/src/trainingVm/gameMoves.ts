import type { Hex } from "viem";
import type { VmPosition } from "./trainingVm.ts";
import type { VmTrace } from "./vmTrace.ts";

/** IBisectionGame's phases (contracts/interfaces/IBisectionGame.sol). */
export const GAME_PHASE = { None: 0, AwaitingMidpoint: 1, AwaitingChoice: 2, AwaitingDescent: 3, AwaitingStep: 4, ProviderWon: 5, ChallengerWon: 6 } as const;

/** The fields of a game (`getGame`) a side's move depends on. */
export type GameView = { phase: number; level: number; lo: bigint; hi: bigint; step: bigint; operator: bigint; midHash: Hex; hashLo: Hex };

/** A move, as BisectionGame takes it. */
export type GameMove =
  | { move: "bisect"; midHash: Hex }
  | { move: "choose"; agree: boolean }
  | { move: "descend"; witness: Hex }
  | { move: "step"; witness: Hex };

/**
 * What a side's moves read from its run: {@link VmTrace}'s states and witnesses, asynchronous so that they can be
 * computed in a worker thread (games/traceWorker.ts) while the keeper goes on answering; {@link inThreadTrace}
 * computes them on the calling thread.
 */
export type GameTrace = {
  /** {@link VmTrace.stateAt}. */
  stateAt(step: number, position?: VmPosition): Promise<Hex>;
  /** {@link VmTrace.stepWitness}. */
  stepWitness(step: number, position: VmPosition): Promise<{ preState: Hex; witness: Hex }>;
  /** The trace's `program.unitWitness` (VmProgram). */
  unitWitness(level: 1 | 2, operator?: number): Promise<Hex>;
};

/**
 * `trace` as a {@link GameTrace} computed on the calling thread (tests, benches, and the worker thread itself).
 *
 * @example
 * const move = await providerMove(game, inThreadTrace(new VmTrace(parameters)));
 */
export function inThreadTrace(trace: VmTrace): GameTrace {
  return {
    stateAt: async (step, position) => trace.stateAt(step, position),
    stepWitness: async (step, position) => trace.stepWitness(step, position),
    unitWitness: async (level, operator) => trace.program.unitWitness(level, operator),
  };
}

/**
 * The state at unit `index` of the game's current level (docs/dispute-game.md §2): a step of the segment
 * (level 0, where `step` is the segment's first step), an operator of the disputed step (level 1), an instruction
 * of the disputed operator (level 2).
 *
 * @example
 * const midHash = await stateAtUnit(trace, game, game.lo + (game.hi - game.lo) / 2n);
 */
export async function stateAtUnit(trace: GameTrace, game: GameView, index: bigint): Promise<Hex> {
  const step = Number(game.step);
  if (game.level === 0) return trace.stateAt(step + Number(index));
  if (game.level === 1) return trace.stateAt(step, { operator: Number(index), instruction: 0 });
  return trace.stateAt(step, { operator: Number(game.operator), instruction: Number(index) });
}

const midpoint = (game: GameView) => game.lo + (game.hi - game.lo) / 2n;

/**
 * The provider's move in `game` with the states of `trace` (its own run), or undefined if it is not its turn.
 *
 * @example
 * const move = await providerMove(await BisectionGame.read.getGame([gameId]), trace);
 */
export async function providerMove(game: GameView, trace: GameTrace): Promise<GameMove | undefined> {
  if (game.phase === GAME_PHASE.AwaitingMidpoint) return { move: "bisect", midHash: await stateAtUnit(trace, game, midpoint(game)) };
  if (game.phase === GAME_PHASE.AwaitingDescent) {
    return { move: "descend", witness: game.level === 0 ? await trace.unitWitness(1) : await trace.unitWitness(2, Number(game.lo)) };
  }
  return undefined;
}

/**
 * The honest challenger's move in `game`, `trace` being the true run: it agrees exactly with the true midpoints,
 * and at the last instruction has the chain execute it from the agreed state. Undefined if it is not its turn.
 *
 * @example
 * const move = await challengerMove(await BisectionGame.read.getGame([gameId]), trace);
 */
export async function challengerMove(game: GameView, trace: GameTrace): Promise<GameMove | undefined> {
  if (game.phase === GAME_PHASE.AwaitingChoice) return { move: "choose", agree: game.midHash === (await stateAtUnit(trace, game, midpoint(game))) };
  if (game.phase === GAME_PHASE.AwaitingStep) {
    const { preState, witness } = await trace.stepWitness(Number(game.step), { operator: Number(game.operator), instruction: Number(game.lo) });
    if (preState !== game.hashLo) throw new RangeError(`the agreed state ${game.hashLo} is not the true run's ${preState} at the disputed instruction`);
    return { move: "step", witness };
  }
  return undefined;
}
