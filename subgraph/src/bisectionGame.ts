import { BigInt, Bytes, ethereum } from "@graphprotocol/graph-ts";
import { Bisected, Chosen, Descended, GameEnded, GameOpened, Stepped, TimedOut } from "../generated/BisectionGame/BisectionGame";
import { Game, GameMove } from "../generated/schema";
import { eventId, stamped } from "./history";

function loadGame(gameId: BigInt): Game {
  return Game.load(gameId.toString())!;
}

/** The next move of `game`, made by `mover` with `bond`, counted on the game (which the caller saves). */
function move(game: Game, event: ethereum.Event, kind: string, mover: Bytes, bond: BigInt): GameMove {
  game.moveCount = game.moveCount + 1;
  let made = stamped(new GameMove(eventId(event)), event);
  made.game = game.id;
  made.number = game.moveCount;
  made.kind = kind;
  made.mover = mover;
  made.bond = bond;
  return made;
}

export function handleGameOpened(event: GameOpened): void {
  let game = stamped(new Game(event.params.gameId.toString()), event);
  game.provider = event.params.provider;
  game.challenger = event.params.challenger;
  game.program = event.params.program;
  game.firstStep = event.params.firstStep;
  game.steps = event.params.steps;
  game.hashLo = event.params.hashLo;
  game.hashHi = event.params.hashHi;
  game.status = "Open";
  game.moveCount = 0;
  game.save();
}

export function handleBisected(event: Bisected): void {
  let game = loadGame(event.params.gameId);
  let made = move(game, event, "Bisect", game.provider, event.params.bond);
  made.level = event.params.level;
  made.mid = event.params.mid;
  made.midHash = event.params.midHash;
  made.save();
  game.save();
}

export function handleChosen(event: Chosen): void {
  let game = loadGame(event.params.gameId);
  let made = move(game, event, "Choose", game.challenger, event.params.bond);
  made.agreed = event.params.agreed;
  made.lo = event.params.lo;
  made.hi = event.params.hi;
  made.save();
  game.save();
}

export function handleDescended(event: Descended): void {
  let game = loadGame(event.params.gameId);
  let made = move(game, event, "Descend", game.provider, event.params.bond);
  made.level = event.params.level;
  made.step = event.params.step;
  made.operator = event.params.operator;
  made.count = event.params.count;
  made.save();
  game.save();
}

export function handleStepped(event: Stepped): void {
  let game = loadGame(event.params.gameId);
  let made = move(game, event, "Step", game.challenger, event.params.bond);
  made.instruction = event.params.instruction;
  made.postState = event.params.postState;
  made.claimedState = event.params.hashHi;
  made.save();
  game.save();
}

export function handleTimedOut(event: TimedOut): void {
  let game = loadGame(event.params.gameId);
  game.timedOut = event.params.loser;
  game.save();
}

export function handleGameEnded(event: GameEnded): void {
  let game = loadGame(event.params.gameId);
  game.status = event.params.providerWon ? "ProviderWon" : "ChallengerWon";
  game.winner = event.params.winner;
  game.payout = event.params.payout;
  game.save();
}
