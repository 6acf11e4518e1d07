/** A bisection game as the job page's query reads it (subgraph `Game`). */
export type GameData = {
  id: string;
  status: "Open" | "ProviderWon" | "ChallengerWon";
  moveCount: number;
  /** The side that ran out of time, if the game ended so. */
  timedOut: string | null;
  moves: GameMoveData[];
};

/** One move of a game (subgraph `GameMove`): which fields are set depends on its kind. */
export type GameMoveData = {
  number: number;
  kind: "Bisect" | "Choose" | "Descend" | "Step";
  mover: string;
  level: number | null;
  mid: string | null;
  midHash: string | null;
  agreed: boolean | null;
  lo: string | null;
  hi: string | null;
  step: string | null;
  operator: string | null;
  count: string | null;
  instruction: string | null;
  postState: string | null;
  claimedState: string | null;
};

/** What a game's levels count, and of what (docs/dispute-game.md §2): a midpoint is a count from the range's start. */
const UNITS = ["of the game's steps", "operators of the step", "instructions of the operator"] as const;

/** A 32-byte hash shortened for reading: its first and last 4 bytes. */
const short = (hash: string | null) => (hash === null ? "?" : `${hash.slice(0, 10)}…${hash.slice(-8)}`);

/**
 * One move of a bisection game in a sentence: what the side claimed or chose, and where the disputed range went.
 *
 * @example
 * gameMoveText({ kind: "Choose", agreed: false, lo: "2", hi: "3", … }); // "the challenger disputed it: the range is now [2, 3]"
 */
export function gameMoveText(move: GameMoveData): string {
  switch (move.kind) {
    case "Bisect":
      return `the provider claimed state ${short(move.midHash)} after ${move.mid} ${UNITS[move.level ?? 0]}`;
    case "Choose":
      return `the challenger ${move.agreed ? "agreed" : "disputed it"}: the range is now [${move.lo}, ${move.hi}]`;
    case "Descend":
      return move.level === 1
        ? `the provider opened step ${move.step} into its ${move.count} operators`
        : `the provider opened step ${move.step}'s operator ${move.operator} into its ${move.count} instructions`;
    case "Step":
      return move.postState === move.claimedState
        ? `the chain executed instruction ${move.instruction}: it gives ${short(move.postState)}, as the provider claimed`
        : `the chain executed instruction ${move.instruction}: it gives ${short(move.postState)}, the provider claimed ${short(move.claimedState)}`;
  }
}

/**
 * A game's outcome in a sentence.
 *
 * @example
 * gameOutcome({ status: "ChallengerWon", timedOut: null, moveCount: 39, … }); // "the challenger won after 39 moves"
 */
export function gameOutcome(game: Pick<GameData, "status" | "timedOut" | "moveCount">): string {
  const moves = `${game.moveCount} move${game.moveCount === 1 ? "" : "s"}`;
  if (game.status === "Open") return `in play: ${moves} so far`;
  const winner = game.status === "ProviderWon" ? "the provider" : "the challenger";
  return game.timedOut === null ? `${winner} won after ${moves}` : `${winner} won on time after ${moves}: the other side stopped answering`;
}
