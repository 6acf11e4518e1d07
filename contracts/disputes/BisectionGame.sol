// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {RangeUpkeep} from "../automation/RangeUpkeep.sol";
import {IBisectionGame} from "../interfaces/IBisectionGame.sol";
import {IGameMachine} from "../interfaces/IGameMachine.sol";
import {IGameReferee} from "../interfaces/IGameReferee.sol";

/// @title BisectionGame
/// @notice Two-party bisection games from a disputed training segment down to one instruction executed on-chain
/// (docs/dispute-game.md §3). Holds the bonds of open games; pays them all to the winner and tells the referee.
/// @dev Timeouts are also an upkeep (RangeUpkeep), so automation ends games whose side to move ran out of time.
contract BisectionGame is IBisectionGame, RangeUpkeep {
    using SafeERC20 for IERC20;

    /// @notice The last level: instructions of one operator.
    uint8 public constant LAST_LEVEL = 2;

    /// @notice The bond token (the protocol token).
    IERC20 public immutable token;
    /// @inheritdoc IBisectionGame
    IGameMachine public immutable machine;
    /// @notice The only opener of games, told of every end (the Disputes contract).
    IGameReferee public immutable referee;
    /// @notice Bond per move at level 0; a move at level `l` is bonded `moveBond · (l + 1)`.
    uint96 public immutable moveBond;
    /// @notice Seconds each side's clock starts with.
    uint64 public immutable clockBudget;

    mapping(uint256 gameId => Game) private _games;
    uint256 private _gameCount;

    /// @param token_ The bond token.
    /// @param machine_ The machine that counts units and executes the last instruction.
    /// @param referee_ The contract that opens games and is told their outcome.
    /// @param moveBond_ Bond per move at level 0 (> 0).
    /// @param clockBudget_ Seconds per side (> 0); must exceed the longest time the network can keep a transaction out.
    constructor(IERC20 token_, IGameMachine machine_, IGameReferee referee_, uint96 moveBond_, uint64 clockBudget_) {
        if (address(token_) == address(0)) revert GameInvalidParameter("token");
        if (address(machine_) == address(0)) revert GameInvalidParameter("machine");
        if (address(referee_) == address(0)) revert GameInvalidParameter("referee");
        if (moveBond_ == 0) revert GameInvalidParameter("moveBond");
        if (clockBudget_ == 0) revert GameInvalidParameter("clockBudget");
        token = token_;
        machine = machine_;
        referee = referee_;
        moveBond = moveBond_;
        clockBudget = clockBudget_;
    }

    /*//////////////////////////////////////////////////////////////
                                REFEREE
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IBisectionGame
    function open(
        address provider,
        address challenger,
        bytes32 program,
        uint64 firstStep,
        uint64 steps,
        bytes32 hashLo,
        bytes32 hashHi
    ) external nonReentrant returns (uint256 gameId) {
        // INVARIANT: only the referee opens games, so every game has a dispute that its end resolves.
        if (msg.sender != address(referee)) revert GameOnlyReferee(msg.sender);
        if (provider == address(0) || challenger == address(0)) revert GameZeroSide();
        if (provider == challenger) revert GameSameSides(provider);
        if (steps == 0) revert GameEmptySegment(steps);
        if (hashLo == bytes32(0) || hashHi == bytes32(0)) revert GameZeroHash();
        gameId = ++_gameCount;
        _games[gameId] = Game({
            provider: provider,
            lastMoveAt: uint40(block.timestamp),
            level: 0,
            phase: steps == 1 ? Phase.AwaitingDescent : Phase.AwaitingMidpoint,
            challenger: challenger,
            moves: 1,
            bondsPaid: 0,
            providerClock: clockBudget,
            challengerClock: clockBudget,
            lo: 0,
            hi: steps,
            step: firstStep,
            operator: 0,
            hashLo: hashLo,
            hashHi: hashHi,
            midHash: bytes32(0),
            program: program,
            bonds: 0
        });
        emit GameOpened(gameId, provider, challenger, program, firstStep, steps, hashLo, hashHi);
    }

    /*//////////////////////////////////////////////////////////////
                                 MOVES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IBisectionGame
    function bisect(uint256 gameId, bytes32 midHash) external nonReentrant {
        Game storage game = _move(gameId, Phase.AwaitingMidpoint);
        if (midHash == bytes32(0)) revert GameZeroHash();
        uint256 bond = _charge(gameId, game);
        game.midHash = midHash;
        game.phase = Phase.AwaitingChoice;
        emit Bisected(gameId, game.level, _mid(game), midHash, bond);
        _pull(bond);
    }

    /// @inheritdoc IBisectionGame
    function choose(uint256 gameId, bool agree) external nonReentrant {
        Game storage game = _move(gameId, Phase.AwaitingChoice);
        uint256 bond = _charge(gameId, game);
        uint64 mid = _mid(game);
        if (agree) (game.lo, game.hashLo) = (mid, game.midHash);
        else (game.hi, game.hashHi) = (mid, game.midHash);
        // midHash stays as it is (the phase says it is no longer pending): rewriting a non-zero slot is cheaper.
        game.phase = _rangePhase(game.level, game.hi - game.lo);
        emit Chosen(gameId, agree, game.lo, game.hi, bond);
        _pull(bond);
    }

    /// @inheritdoc IBisectionGame
    function descend(uint256 gameId, bytes calldata witness) external nonReentrant {
        Game storage game = _move(gameId, Phase.AwaitingDescent);
        uint256 bond = _charge(gameId, game);
        // The disputed unit is unit `lo` of its level: a step of the segment, or an operator of the step.
        if (game.level == 0) game.step += game.lo;
        else game.operator = game.lo;
        uint8 level = game.level + 1;
        uint64 count = machine.unitCount(game.program, level, [game.step, game.operator], witness);
        if (count == 0) revert GameEmptyUnit(count);
        // The unit's first and last states are the range's: hashLo and hashHi carry over unchanged.
        (game.level, game.lo, game.hi) = (level, 0, count);
        game.phase = _rangePhase(level, count);
        emit Descended(gameId, level, game.step, game.operator, count, bond);
        _pull(bond);
    }

    /// @inheritdoc IBisectionGame
    function step(uint256 gameId, bytes calldata witness) external nonReentrant {
        Game storage game = _move(gameId, Phase.AwaitingStep);
        uint256 bond = _charge(gameId, game);
        bytes32 postState = machine.step(game.program, game.hashLo, [game.step, game.operator], game.lo, witness);
        // INVARIANT: the chain's own execution decides; the provider's state stands only if it is the true one.
        bool providerWon = postState == game.hashHi;
        emit Stepped(gameId, game.lo, postState, game.hashHi, bond);
        (address winner, uint256 payout) = _end(gameId, game, providerWon);
        _pull(bond);
        _payOut(gameId, winner, payout, providerWon);
    }

    /// @inheritdoc IBisectionGame
    function timeout(uint256 gameId) external nonReentrant {
        Game storage game = _open(gameId);
        uint256 elapsed = block.timestamp - game.lastMoveAt;
        uint256 remaining = _clockOfMover(game);
        // INVARIANT: a game ends on time only against the side to move, once its whole clock is used.
        if (elapsed < remaining) revert GameClockNotExpired(gameId, remaining, elapsed);
        _timeout(gameId, game);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IBisectionGame
    function levelBond(uint8 level, uint64 units, bool provider) public view returns (uint256) {
        // ⌈log₂ units⌉ bisections narrow the range to one unit (none for 0 or 1 unit).
        uint256 moves = Math.log2(units, Math.Rounding.Ceil);
        if (provider ? level < LAST_LEVEL : level == LAST_LEVEL) moves += 1;
        return uint256(moveBond) * (level + 1) * moves;
    }

    /// @inheritdoc IBisectionGame
    function getGame(uint256 gameId) external view returns (Game memory) {
        return _games[gameId];
    }

    /// @inheritdoc IBisectionGame
    function gameCount() external view returns (uint256) {
        return _gameCount;
    }

    /*//////////////////////////////////////////////////////////////
                                UPKEEP
    //////////////////////////////////////////////////////////////*/

    function _upkeepCount() internal view override returns (uint256) {
        return _gameCount;
    }

    function _upkeepDue(uint256 gameId) internal view override returns (bool) {
        Game storage game = _games[gameId];
        return _isOpen(game.phase) && block.timestamp - game.lastMoveAt >= _clockOfMover(game);
    }

    function _performUpkeep(uint256 gameId) internal override {
        _timeout(gameId, _games[gameId]);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    /// @dev Game `gameId` in phase `phase`, moved by its side to move.
    function _move(uint256 gameId, Phase phase) private view returns (Game storage game) {
        game = _open(gameId);
        // INVARIANT: each phase has exactly one mover; no one else can move.
        if (game.phase != phase) revert GameWrongPhase(gameId, phase, game.phase);
        address mover = _mover(game);
        if (msg.sender != mover) revert GameNotYourTurn(gameId, mover, msg.sender);
    }

    /// @dev Charges the mover's clock the time since the last move and counts the move; returns the bonds it owes:
    /// its level's, on its first move at the level (the range is then still the level's whole range), else 0.
    function _charge(uint256 gameId, Game storage game) private returns (uint256 bond) {
        uint256 elapsed = block.timestamp - game.lastMoveAt;
        bool providerMoves = _providerMoves(game.phase);
        uint64 remaining = providerMoves ? game.providerClock : game.challengerClock;
        // INVARIANT: a move counts only strictly inside its mover's clock; at or past it, the game is lost on time.
        if (elapsed >= remaining) revert GameClockExpired(gameId, remaining, elapsed);
        // elapsed < remaining <= clockBudget, a uint64.
        uint64 left = remaining - uint64(elapsed);
        if (providerMoves) game.providerClock = left;
        else game.challengerClock = left;
        game.lastMoveAt = uint40(block.timestamp);
        game.moves += 1;
        uint8 paid = uint8(1 << (providerMoves ? game.level : LAST_LEVEL + 1 + game.level));
        if (game.bondsPaid & paid == 0) {
            game.bondsPaid |= paid;
            bond = levelBond(game.level, game.hi - game.lo, providerMoves);
            game.bonds += bond;
        }
    }

    /// @dev Pulls `bond` from the mover (interaction: the last thing a move does before paying out).
    function _pull(uint256 bond) private {
        if (bond != 0) token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @dev Ends `game` against its side to move, whose clock ran out.
    function _timeout(uint256 gameId, Game storage game) private {
        bool providerLost = _providerMoves(game.phase);
        if (providerLost) game.providerClock = 0;
        else game.challengerClock = 0;
        emit TimedOut(gameId, providerLost ? game.provider : game.challenger);
        (address winner, uint256 payout) = _end(gameId, game, !providerLost);
        _payOut(gameId, winner, payout, !providerLost);
    }

    /// @dev Marks `game` ended (effects only); returns whom to pay and how much.
    function _end(uint256 gameId, Game storage game, bool providerWon) private returns (address winner, uint256 payout) {
        game.phase = providerWon ? Phase.ProviderWon : Phase.ChallengerWon;
        winner = providerWon ? game.provider : game.challenger;
        payout = game.bonds;
        emit GameEnded(gameId, providerWon, winner, payout);
    }

    /// @dev Pays every bond of the game to its winner, then tells the referee (interactions, after all effects).
    function _payOut(uint256 gameId, address winner, uint256 payout, bool providerWon) private {
        if (payout != 0) token.safeTransfer(winner, payout);
        referee.gameEnded(gameId, providerWon);
    }

    function _open(uint256 gameId) private view returns (Game storage game) {
        game = _games[gameId];
        if (game.phase == Phase.None) revert GameUnknown(gameId);
        if (!_isOpen(game.phase)) revert GameOver(gameId, game.phase);
    }

    /// @dev The phase of a range of `length` units at `level`: bisect it, or expand or execute its one unit.
    function _rangePhase(uint8 level, uint64 length) private pure returns (Phase) {
        if (length >= 2) return Phase.AwaitingMidpoint;
        return level < LAST_LEVEL ? Phase.AwaitingDescent : Phase.AwaitingStep;
    }

    function _mid(Game storage game) private view returns (uint64) {
        return game.lo + (game.hi - game.lo) / 2;
    }

    function _mover(Game storage game) private view returns (address) {
        return _providerMoves(game.phase) ? game.provider : game.challenger;
    }

    function _clockOfMover(Game storage game) private view returns (uint64) {
        return _providerMoves(game.phase) ? game.providerClock : game.challengerClock;
    }

    function _providerMoves(Phase phase) private pure returns (bool) {
        return phase == Phase.AwaitingMidpoint || phase == Phase.AwaitingDescent;
    }

    function _isOpen(Phase phase) private pure returns (bool) {
        return phase != Phase.None && phase != Phase.ProviderWon && phase != Phase.ChallengerWon;
    }
}
