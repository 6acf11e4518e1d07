// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGameMachine} from "./IGameMachine.sol";

/// @title IBisectionGame
/// @notice Two-party bisection games over a training segment, down to one instruction the chain executes
/// (docs/dispute-game.md). The provider asserts a state at each midpoint, the challenger agrees or disputes it,
/// levels descend from steps to operators to instructions, and the last instruction is executed by the game's
/// {IGameMachine}. Each side has a chess clock; a side whose clock runs out on its turn loses. Each side's first
/// move at a level posts the bonds of all its moves there, `moveBond · (level + 1)` per move, so bonds grow with
/// depth at one token transfer per side and level; the winner receives every bond of the game.
interface IBisectionGame {
    /// @notice Where a game is; each open phase names the side whose turn it is.
    enum Phase {
        None, // no such game
        AwaitingMidpoint, // the provider posts the hash at the range's midpoint ({bisect})
        AwaitingChoice, // the challenger agrees with the pending midpoint or disputes it ({choose})
        AwaitingDescent, // the provider expands the one disputed unit into the next level's range ({descend})
        AwaitingStep, // the challenger has the chain execute the one disputed instruction ({step})
        ProviderWon, // terminal
        ChallengerWon // terminal
    }

    /// @notice A game as stored.
    struct Game {
        address provider; // the side that asserts states
        uint40 lastMoveAt; // when the game opened or the last move was made
        uint8 level; // 0: steps of the segment, 1: operators of a step, 2: instructions of an operator
        Phase phase;
        address challenger; // the side that chooses
        uint32 moves; // moves made, the opening included
        uint8 bondsPaid; // bit `level`: the provider paid that level's bonds; bit `3 + level`: the challenger did
        uint64 providerClock; // seconds the provider has left
        uint64 challengerClock; // seconds the challenger has left
        uint64 lo; // the range at `level`: the state at `lo` is agreed ...
        uint64 hi; // ... the state at `hi` is the provider's, disputed
        uint64 step; // the disputed step (absolute), once level 0 is descended
        uint64 operator; // the disputed operator, once level 1 is descended
        bytes32 hashLo;
        bytes32 hashHi;
        bytes32 midHash; // the provider's last midpoint: pending in AwaitingChoice, stale otherwise
        bytes32 program; // the job's program root, given to the machine
        uint256 bonds; // every move bond posted so far, both sides'
    }

    /// @notice Thrown when game `gameId` does not exist.
    error GameUnknown(uint256 gameId);
    /// @notice Thrown when a move needs phase `expected` but game `gameId` is in `actual`.
    error GameWrongPhase(uint256 gameId, Phase expected, Phase actual);
    /// @notice Thrown when game `gameId` has ended with `outcome` (ProviderWon or ChallengerWon).
    error GameOver(uint256 gameId, Phase outcome);
    /// @notice Thrown when `caller` moves in game `gameId` on `expected`'s turn.
    error GameNotYourTurn(uint256 gameId, address expected, address caller);
    /// @notice Thrown when the side to move in game `gameId` has only `remaining` seconds but `elapsed` passed.
    error GameClockExpired(uint256 gameId, uint256 remaining, uint256 elapsed);
    /// @notice Thrown when {timeout} is called on game `gameId` whose side to move still has `remaining` seconds.
    error GameClockNotExpired(uint256 gameId, uint256 remaining, uint256 elapsed);
    /// @notice Thrown when a state hash of zero is posted (zero means "none").
    error GameZeroHash();
    /// @notice Thrown when the machine counts `count` units for a level (at least 1 is required).
    error GameEmptyUnit(uint64 count);
    /// @notice Thrown when a game is opened with a range of `steps` steps (at least 1 is required).
    error GameEmptySegment(uint64 steps);
    /// @notice Thrown when `caller`, not the referee, opens a game.
    error GameOnlyReferee(address caller);
    /// @notice Thrown when a game is opened with the same address as provider and challenger.
    error GameSameSides(address side);
    /// @notice Thrown when a game is opened with the zero address as a side.
    error GameZeroSide();
    /// @notice Thrown when a constructor parameter breaks its rule.
    error GameInvalidParameter(string name);

    /// @notice Emitted when the referee opens game `gameId` over `steps` steps from step `firstStep`.
    event GameOpened(
        uint256 indexed gameId,
        address indexed provider,
        address indexed challenger,
        bytes32 program,
        uint64 firstStep,
        uint64 steps,
        bytes32 hashLo,
        bytes32 hashHi
    );
    /// @notice Emitted when the provider posts `midHash` as the state at `mid` of level `level`, paying `bond` (its
    /// level's bonds on its first move there, else 0). `bond` has the same meaning in every move's event.
    event Bisected(uint256 indexed gameId, uint8 level, uint64 mid, bytes32 midHash, uint256 bond);
    /// @notice Emitted when the challenger agrees with (`agreed`) or disputes the pending midpoint, paying `bond`; the
    /// range is now [`lo`, `hi`].
    event Chosen(uint256 indexed gameId, bool agreed, uint64 lo, uint64 hi, uint256 bond);
    /// @notice Emitted when the disputed unit becomes level `level`'s range [0, `count`], paying `bond`.
    event Descended(uint256 indexed gameId, uint8 level, uint64 step, uint64 operator, uint64 count, uint256 bond);
    /// @notice Emitted when the chain executed instruction `instruction` of the disputed operator: `postState` is the
    /// true state after it, which the provider's hash `hashHi` matches or not.
    event Stepped(uint256 indexed gameId, uint64 instruction, bytes32 postState, bytes32 hashHi, uint256 bond);
    /// @notice Emitted when the side to move in game `gameId` ran out of time and lost.
    event TimedOut(uint256 indexed gameId, address indexed loser);
    /// @notice Emitted when game `gameId` ends: `winner` received `payout`, every bond of the game.
    event GameEnded(uint256 indexed gameId, bool providerWon, address indexed winner, uint256 payout);

    /// @notice Opens a game between `provider` and `challenger` over the `steps` steps from `firstStep`, the state
    /// before them being `hashLo` (agreed) and the provider's state after them `hashHi` (disputed). Only the referee
    /// (the Disputes contract) opens games; the challenger's challenge bond, held by the referee, is move 0.
    /// @dev Requirements: caller is the referee; distinct, non-zero sides; `steps` >= 1; non-zero hashes. Emits {GameOpened}.
    function open(
        address provider,
        address challenger,
        bytes32 program,
        uint64 firstStep,
        uint64 steps,
        bytes32 hashLo,
        bytes32 hashHi
    ) external returns (uint256 gameId);

    /// @notice The provider posts `midHash`, the state at the midpoint `lo + (hi − lo) / 2` of the current range,
    /// pulling its level's bonds if this is its first move at the level. Emits {Bisected}.
    /// @dev Requirements: AwaitingMidpoint; the provider's turn and clock; `midHash` != 0; the bond approved.
    function bisect(uint256 gameId, bytes32 midHash) external;

    /// @notice The challenger agrees with the pending midpoint (the range continues above it) or disputes it (the
    /// range continues below it), pulling its level's bonds if this is its first move at the level. Emits {Chosen}.
    /// @dev Requirements: AwaitingChoice; the challenger's turn and clock; the bond approved.
    function choose(uint256 gameId, bool agree) external;

    /// @notice The provider expands the one disputed unit into the next level's range, its unit count proven to the
    /// machine by `witness`, pulling its level's bonds if this is its first move at the level. Emits {Descended}.
    /// @dev Requirements: AwaitingDescent; the provider's turn and clock; the machine accepts `witness`; the bond approved.
    function descend(uint256 gameId, bytes calldata witness) external;

    /// @notice The challenger has the machine execute the one disputed instruction from `hashLo`, pulling its level's
    /// bonds if this is its first move at the level. The game ends: the provider wins if the result equals `hashHi`,
    /// the challenger otherwise. Emits {Stepped} and {GameEnded}.
    /// @dev Requirements: AwaitingStep; the challenger's turn and clock; the machine accepts `witness`; the bond approved.
    function step(uint256 gameId, bytes calldata witness) external;

    /// @notice Ends game `gameId` against the side to move, whose clock ran out. Anyone can call it. Emits {TimedOut}
    /// and {GameEnded}.
    /// @dev Requirements: an open phase; the side to move has used its whole clock.
    function timeout(uint256 gameId) external;

    /// @notice The bonds a side pays at level `level` whose range holds `units` units: `moveBond · (level + 1)` for
    /// each of its moves there. Either side makes ⌈log₂ units⌉ of them (bisections or choices); the provider one more
    /// to descend (levels 0 and 1), the challenger one more to step (level 2).
    function levelBond(uint8 level, uint64 units, bool provider) external view returns (uint256);

    /// @notice Game `gameId` as stored (phase None if unknown).
    function getGame(uint256 gameId) external view returns (Game memory);

    /// @notice Number of games opened; ids run from 1 to this.
    function gameCount() external view returns (uint256);

    /// @notice The machine every game executes its last instruction on.
    function machine() external view returns (IGameMachine);
}
