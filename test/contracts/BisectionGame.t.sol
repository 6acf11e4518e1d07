// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {BisectionGame} from "../../contracts/disputes/BisectionGame.sol";
import {IBisectionGame} from "../../contracts/interfaces/IBisectionGame.sol";
import {IGameMachine} from "../../contracts/interfaces/IGameMachine.sol";
import {IGameReferee} from "../../contracts/interfaces/IGameReferee.sol";
import {VeritrainToken} from "../../contracts/token/VeritrainToken.sol";
import {GameRefereeDouble} from "./utils/GameRefereeDouble.sol";
import {HashChainMachine} from "./utils/HashChainMachine.sol";

/// @notice Players of BisectionGame over HashChainMachine, whose true states the test computes: an honest side
/// answers with them, a dishonest side with seeded random choices. Shared by the rule tests and the invariant test.
abstract contract GamePlayers is Test {
    uint96 internal constant MOVE_BOND = 1e18;
    uint64 internal constant CLOCK = 3600;
    bytes32 internal constant PROGRAM = keccak256("program");
    uint64 internal constant OPERATORS = 3; // the stand-in machine's operators per step; operator o has o + 2 instructions
    bytes32 internal constant START = keccak256("state at the segment's start");

    VeritrainToken internal token;
    HashChainMachine internal machine;
    GameRefereeDouble internal referee;
    BisectionGame internal game;

    function _deployGame() internal {
        token = new VeritrainToken(address(this), 1e30);
        machine = new HashChainMachine(OPERATORS, 2);
        referee = new GameRefereeDouble();
        game = new BisectionGame(token, machine, referee, MOVE_BOND, CLOCK);
        referee.setGame(game);
    }

    function _fund(address account) internal {
        token.transfer(account, 1_000_000e18);
        vm.prank(account);
        token.approve(address(game), type(uint256).max);
    }

    /// @dev The true state at instruction `instruction` of operator `operator` of step `step` (steps counted from
    /// `firstStep`, whose start state is START): HashChainMachine's rule applied from the segment's start.
    function _trueState(uint64 firstStep, uint64 step, uint64 operator, uint64 instruction)
        internal
        pure
        returns (bytes32 state)
    {
        state = START;
        for (uint64 s = firstStep; s < step; ++s) {
            for (uint64 o; o < OPERATORS; ++o) {
                for (uint64 i; i < o + 2; ++i) state = keccak256(abi.encode(state, s, o, i));
            }
        }
        for (uint64 o; o < operator; ++o) {
            for (uint64 i; i < o + 2; ++i) state = keccak256(abi.encode(state, step, o, i));
        }
        for (uint64 i; i < instruction; ++i) state = keccak256(abi.encode(state, step, operator, i));
    }

    /// @dev The true state at position `position` of game `gameId`'s current level.
    function _trueAt(uint256 gameId, uint64 firstStep, uint64 position) internal view returns (bytes32) {
        IBisectionGame.Game memory g = game.getGame(gameId);
        if (g.level == 0) return _trueState(firstStep, firstStep + position, 0, 0);
        if (g.level == 1) return _trueState(firstStep, g.step, position, 0);
        return _trueState(firstStep, g.step, g.operator, position);
    }

    /// @dev The witness HashChainMachine wants to count the next level's units of game `gameId`.
    function _countWitness(uint256 gameId) internal view returns (bytes memory) {
        IBisectionGame.Game memory g = game.getGame(gameId);
        return abi.encode(g.level == 0 ? OPERATORS : g.lo + 2);
    }

    /// @dev One move of game `gameId` by its side to move: the honest side plays the truth, the other side plays
    /// the seeded coin `coin`. Returns false if the game has ended.
    function _play(uint256 gameId, uint64 firstStep, bool providerHonest, bool challengerHonest, uint256 coin)
        internal
        returns (bool)
    {
        IBisectionGame.Game memory g = game.getGame(gameId);
        if (g.phase == IBisectionGame.Phase.AwaitingMidpoint) {
            uint64 mid = g.lo + (g.hi - g.lo) / 2;
            bytes32 truth = _trueAt(gameId, firstStep, mid);
            bytes32 midHash = providerHonest || coin % 2 == 0 ? truth : keccak256(abi.encode("lie", coin));
            vm.prank(g.provider);
            game.bisect(gameId, midHash);
        } else if (g.phase == IBisectionGame.Phase.AwaitingChoice) {
            uint64 mid = g.lo + (g.hi - g.lo) / 2;
            bool agree = challengerHonest ? g.midHash == _trueAt(gameId, firstStep, mid) : coin % 3 != 0;
            vm.prank(g.challenger);
            game.choose(gameId, agree);
        } else if (g.phase == IBisectionGame.Phase.AwaitingDescent) {
            bytes memory witness = _countWitness(gameId);
            vm.prank(g.provider);
            game.descend(gameId, witness);
        } else if (g.phase == IBisectionGame.Phase.AwaitingStep) {
            vm.prank(g.challenger);
            game.step(gameId, "");
        } else {
            return false;
        }
        return true;
    }
}

/// @notice BisectionGame's rules (docs/dispute-game.md §3): who moves when, clocks, bonds, every revert, and the
/// honest party's theorem under fuzzed opponents.
contract BisectionGameTest is GamePlayers {
    address internal provider = makeAddr("provider");
    address internal challenger = makeAddr("challenger");
    uint64 internal constant FIRST_STEP = 40;

    function setUp() public {
        _deployGame();
        _fund(provider);
        _fund(challenger);
    }

    /// @dev Opens a game over `steps` steps whose end state the provider claims is `hashHi`.
    function _open(uint64 steps, bytes32 hashHi) internal returns (uint256) {
        return referee.open(provider, challenger, PROGRAM, FIRST_STEP, steps, START, hashHi);
    }

    function _trueEnd(uint64 steps) internal pure returns (bytes32) {
        return _trueState(FIRST_STEP, FIRST_STEP + steps, 0, 0);
    }

    /// @dev Plays game `gameId` to its end, one warp of `delay` seconds before each move; returns the moves made.
    function _playOut(uint256 gameId, bool providerHonest, bool challengerHonest, uint256 seed, uint256 delay)
        internal
        returns (uint256 moves)
    {
        for (uint256 i; i < 400; ++i) {
            vm.warp(block.timestamp + delay);
            if (!_play(gameId, FIRST_STEP, providerHonest, challengerHonest, uint256(keccak256(abi.encode(seed, i))))) {
                return moves;
            }
            ++moves;
        }
        revert("game did not end in 400 moves");
    }

    /*//////////////////////////////////////////////////////////////
                         THE HONEST PARTY'S THEOREM
    //////////////////////////////////////////////////////////////*/

    function testFuzz_play_honestChallengerAgainstWrongProvider_challengerWins(uint256 seed, uint8 stepCount) public {
        uint64 steps = uint64(bound(stepCount, 1, 40));
        uint256 gameId = _open(steps, keccak256(abi.encode("wrong end", seed)));
        uint256 before = token.balanceOf(challenger);
        _playOut(gameId, false, true, seed, 1);
        IBisectionGame.Game memory g = game.getGame(gameId);
        assertEq(uint8(g.phase), uint8(IBisectionGame.Phase.ChallengerWon), "the honest challenger wins");
        assertGt(token.balanceOf(challenger), before, "and gains the provider's bonds");
        assertEq(token.balanceOf(address(game)), 0, "every bond paid out");
        assertEq(referee.ends(gameId), 1, "the referee told once");
        assertFalse(referee.providerWon(gameId));
    }

    function testFuzz_play_honestProviderAgainstAnyChallenger_providerWins(uint256 seed, uint8 stepCount) public {
        uint64 steps = uint64(bound(stepCount, 1, 40));
        uint256 gameId = _open(steps, _trueEnd(steps));
        uint256 before = token.balanceOf(provider);
        _playOut(gameId, true, false, seed, 1);
        IBisectionGame.Game memory g = game.getGame(gameId);
        assertEq(uint8(g.phase), uint8(IBisectionGame.Phase.ProviderWon), "the honest provider wins");
        assertGe(token.balanceOf(provider), before, "and loses no bond");
        assertEq(token.balanceOf(address(game)), 0, "every bond paid out");
        assertTrue(referee.providerWon(gameId));
    }

    function test_play_bothHonest_providerWinsAtTheStep() public {
        uint256 gameId = _open(5, _trueEnd(5));
        uint256 moves = _playOut(gameId, true, true, 0, 10);
        IBisectionGame.Game memory g = game.getGame(gameId);
        assertEq(uint8(g.phase), uint8(IBisectionGame.Phase.ProviderWon));
        assertEq(g.level, 2, "down to one instruction");
        assertEq(g.hi, g.lo + 1);
        assertEq(g.moves, moves + 1, "the opening is move 0");
        // Each side's clock was charged exactly its own moves' waits.
        assertEq(uint256(g.providerClock) + g.challengerClock, 2 * uint256(CLOCK) - 10 * moves);
    }

    function test_play_lyingProviderThroughout_stepDisagrees() public {
        uint256 gameId = _open(8, keccak256("wrong end"));
        _playOut(gameId, false, true, 1, 1);
        IBisectionGame.Game memory g = game.getGame(gameId);
        assertEq(uint8(g.phase), uint8(IBisectionGame.Phase.ChallengerWon));
        assertEq(g.hashLo, _trueState(FIRST_STEP, g.step, g.operator, g.lo), "the step started from a true state");
    }

    /*//////////////////////////////////////////////////////////////
                                CLOCKS
    //////////////////////////////////////////////////////////////*/

    function test_timeout_providerSilent_challengerWins() public {
        uint256 gameId = _open(4, keccak256("wrong end"));
        vm.warp(block.timestamp + CLOCK - 1);
        vm.expectRevert(abi.encodeWithSelector(IBisectionGame.GameClockNotExpired.selector, gameId, CLOCK, CLOCK - 1));
        game.timeout(gameId);
        vm.warp(block.timestamp + 1);
        vm.expectEmit(address(game));
        emit IBisectionGame.TimedOut(gameId, provider);
        game.timeout(gameId);
        assertEq(uint8(game.getGame(gameId).phase), uint8(IBisectionGame.Phase.ChallengerWon));
        assertEq(referee.ends(gameId), 1);
    }

    function test_timeout_challengerSilentAtTheStep_providerWins() public {
        uint256 gameId = _open(1, _trueEnd(1));
        // descend (level 0 → 1), bisect/choose down to one operator, descend, ... until the step is due.
        for (uint256 i; game.getGame(gameId).phase != IBisectionGame.Phase.AwaitingStep; ++i) {
            _play(gameId, FIRST_STEP, true, true, i);
        }
        uint256 before = token.balanceOf(provider);
        uint256 bonds = game.getGame(gameId).bonds;
        vm.warp(block.timestamp + CLOCK);
        game.timeout(gameId);
        assertEq(uint8(game.getGame(gameId).phase), uint8(IBisectionGame.Phase.ProviderWon));
        assertEq(token.balanceOf(provider), before + bonds, "the winner receives every bond");
    }

    function test_move_atClockEnd_reverts() public {
        uint256 gameId = _open(4, _trueEnd(4));
        vm.warp(block.timestamp + CLOCK);
        vm.prank(provider);
        vm.expectRevert(abi.encodeWithSelector(IBisectionGame.GameClockExpired.selector, gameId, CLOCK, CLOCK));
        game.bisect(gameId, keccak256("mid"));
    }

    function test_clock_runsOnlyOnOwnTurn() public {
        uint256 gameId = _open(4, _trueEnd(4));
        vm.warp(block.timestamp + 100);
        _play(gameId, FIRST_STEP, true, true, 0); // provider bisects after 100 s
        vm.warp(block.timestamp + 700);
        _play(gameId, FIRST_STEP, true, true, 0); // challenger chooses after 700 s
        IBisectionGame.Game memory g = game.getGame(gameId);
        assertEq(g.providerClock, CLOCK - 100);
        assertEq(g.challengerClock, CLOCK - 700);
        // The provider's turn again: only its own remaining time counts.
        vm.warp(block.timestamp + CLOCK - 101);
        vm.expectRevert(
            abi.encodeWithSelector(IBisectionGame.GameClockNotExpired.selector, gameId, CLOCK - 100, CLOCK - 101)
        );
        game.timeout(gameId);
    }

    function test_upkeep_endsExpiredGamesOnly() public {
        uint256 first = _open(4, _trueEnd(4));
        vm.warp(block.timestamp + 1000);
        uint256 second = _open(4, _trueEnd(4));
        (bool needed,) = game.checkUpkeep("");
        assertFalse(needed, "no clock has run out");
        vm.warp(block.timestamp + CLOCK - 1000);
        bytes memory performData;
        (needed, performData) = game.checkUpkeep("");
        assertTrue(needed);
        uint256[] memory due = abi.decode(performData, (uint256[]));
        assertEq(due.length, 1);
        assertEq(due[0], first);
        game.performUpkeep(performData);
        assertEq(uint8(game.getGame(first).phase), uint8(IBisectionGame.Phase.ChallengerWon));
        assertEq(uint8(game.getGame(second).phase), uint8(IBisectionGame.Phase.AwaitingMidpoint));
        // Performing again does nothing (already ended), and never reverts.
        game.performUpkeep(performData);
        assertEq(referee.ends(first), 1);
    }

    /*//////////////////////////////////////////////////////////////
                                 BONDS
    //////////////////////////////////////////////////////////////*/

    function test_bonds_paidPerLevelOnFirstMove_growWithDepth() public {
        uint256 gameId = _open(4, _trueEnd(4));
        uint256 providerBefore = token.balanceOf(provider);
        uint256 challengerBefore = token.balanceOf(challenger);
        _play(gameId, FIRST_STEP, true, true, 0); // provider's first move at level 0: 2 bisections + 1 descent
        _play(gameId, FIRST_STEP, true, true, 0); // challenger's first move at level 0: 2 choices
        assertEq(providerBefore - token.balanceOf(provider), 3 * uint256(MOVE_BOND));
        assertEq(challengerBefore - token.balanceOf(challenger), 2 * uint256(MOVE_BOND));
        _play(gameId, FIRST_STEP, true, true, 0); // later moves at the level pay nothing more
        _play(gameId, FIRST_STEP, true, true, 0);
        assertEq(providerBefore - token.balanceOf(provider), 3 * uint256(MOVE_BOND));
        assertEq(challengerBefore - token.balanceOf(challenger), 2 * uint256(MOVE_BOND));
        _play(gameId, FIRST_STEP, true, true, 0); // the descent is the provider's last level-0 move: paid already
        assertEq(providerBefore - token.balanceOf(provider), 3 * uint256(MOVE_BOND));
        _play(gameId, FIRST_STEP, true, true, 0); // its first move at level 1 (3 operators): 2 bisections + 1 descent
        assertEq(providerBefore - token.balanceOf(provider), 3 * uint256(MOVE_BOND) + 2 * 3 * uint256(MOVE_BOND));
        IBisectionGame.Game memory g = game.getGame(gameId);
        assertEq(g.bonds, 11 * uint256(MOVE_BOND));
        assertEq(token.balanceOf(address(game)), g.bonds);
        assertEq(g.bondsPaid, 0x0B, "provider: levels 0 and 1; challenger: level 0");
        // Level 2 of 5 instructions: 3 choices and the step, at 3 × moveBond each.
        assertEq(game.levelBond(2, 5, false), 12 * uint256(MOVE_BOND));
        assertEq(game.levelBond(2, 5, true), 9 * uint256(MOVE_BOND));
        assertEq(game.levelBond(0, 1, false), 0);
    }

    function test_move_bondNotApproved_reverts() public {
        uint256 gameId = _open(4, _trueEnd(4));
        vm.prank(provider);
        token.approve(address(game), 0);
        vm.prank(provider);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(game), 0, 3 * uint256(MOVE_BOND))
        );
        game.bisect(gameId, keccak256("mid"));
    }

    /*//////////////////////////////////////////////////////////////
                                REVERTS
    //////////////////////////////////////////////////////////////*/

    function test_constructor_invalidParameters_revert() public {
        vm.expectRevert(abi.encodeWithSelector(IBisectionGame.GameInvalidParameter.selector, "token"));
        new BisectionGame(VeritrainToken(address(0)), machine, referee, MOVE_BOND, CLOCK);
        vm.expectRevert(abi.encodeWithSelector(IBisectionGame.GameInvalidParameter.selector, "machine"));
        new BisectionGame(token, IGameMachine(address(0)), referee, MOVE_BOND, CLOCK);
        vm.expectRevert(abi.encodeWithSelector(IBisectionGame.GameInvalidParameter.selector, "referee"));
        new BisectionGame(token, machine, IGameReferee(address(0)), MOVE_BOND, CLOCK);
        vm.expectRevert(abi.encodeWithSelector(IBisectionGame.GameInvalidParameter.selector, "moveBond"));
        new BisectionGame(token, machine, referee, 0, CLOCK);
        vm.expectRevert(abi.encodeWithSelector(IBisectionGame.GameInvalidParameter.selector, "clockBudget"));
        new BisectionGame(token, machine, referee, MOVE_BOND, 0);
    }

    function test_open_notReferee_reverts() public {
        vm.prank(provider);
        vm.expectRevert(abi.encodeWithSelector(IBisectionGame.GameOnlyReferee.selector, provider));
        game.open(provider, challenger, PROGRAM, 0, 4, START, keccak256("end"));
    }

    function test_open_badArguments_revert() public {
        vm.expectRevert(IBisectionGame.GameZeroSide.selector);
        referee.open(address(0), challenger, PROGRAM, 0, 4, START, keccak256("end"));
        vm.expectRevert(IBisectionGame.GameZeroSide.selector);
        referee.open(provider, address(0), PROGRAM, 0, 4, START, keccak256("end"));
        vm.expectRevert(abi.encodeWithSelector(IBisectionGame.GameSameSides.selector, provider));
        referee.open(provider, provider, PROGRAM, 0, 4, START, keccak256("end"));
        vm.expectRevert(abi.encodeWithSelector(IBisectionGame.GameEmptySegment.selector, 0));
        referee.open(provider, challenger, PROGRAM, 0, 0, START, keccak256("end"));
        vm.expectRevert(IBisectionGame.GameZeroHash.selector);
        referee.open(provider, challenger, PROGRAM, 0, 4, bytes32(0), keccak256("end"));
        vm.expectRevert(IBisectionGame.GameZeroHash.selector);
        referee.open(provider, challenger, PROGRAM, 0, 4, START, bytes32(0));
    }

    function test_open_oneStep_awaitsDescent() public {
        uint256 gameId = _open(1, _trueEnd(1));
        assertEq(uint8(game.getGame(gameId).phase), uint8(IBisectionGame.Phase.AwaitingDescent));
        assertEq(game.gameCount(), 1);
    }

    function test_bisect_zeroHash_reverts() public {
        uint256 gameId = _open(4, _trueEnd(4));
        vm.prank(provider);
        vm.expectRevert(IBisectionGame.GameZeroHash.selector);
        game.bisect(gameId, bytes32(0));
    }

    function test_moves_outOfTurnOrPhase_revert() public {
        uint256 gameId = _open(4, _trueEnd(4));
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IBisectionGame.GameNotYourTurn.selector, gameId, provider, challenger));
        game.bisect(gameId, keccak256("mid"));
        vm.prank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(
                IBisectionGame.GameWrongPhase.selector,
                gameId,
                IBisectionGame.Phase.AwaitingChoice,
                IBisectionGame.Phase.AwaitingMidpoint
            )
        );
        game.choose(gameId, true);
        vm.prank(provider);
        vm.expectRevert(
            abi.encodeWithSelector(
                IBisectionGame.GameWrongPhase.selector,
                gameId,
                IBisectionGame.Phase.AwaitingDescent,
                IBisectionGame.Phase.AwaitingMidpoint
            )
        );
        game.descend(gameId, "");
        vm.prank(challenger);
        vm.expectRevert(
            abi.encodeWithSelector(
                IBisectionGame.GameWrongPhase.selector,
                gameId,
                IBisectionGame.Phase.AwaitingStep,
                IBisectionGame.Phase.AwaitingMidpoint
            )
        );
        game.step(gameId, "");
    }

    function test_moves_unknownOrEndedGame_revert() public {
        vm.expectRevert(abi.encodeWithSelector(IBisectionGame.GameUnknown.selector, 7));
        game.bisect(7, keccak256("mid"));
        vm.expectRevert(abi.encodeWithSelector(IBisectionGame.GameUnknown.selector, 7));
        game.timeout(7);
        uint256 gameId = _open(4, _trueEnd(4));
        vm.warp(block.timestamp + CLOCK);
        game.timeout(gameId);
        vm.expectRevert(
            abi.encodeWithSelector(IBisectionGame.GameOver.selector, gameId, IBisectionGame.Phase.ChallengerWon)
        );
        game.timeout(gameId);
        vm.prank(provider);
        vm.expectRevert(
            abi.encodeWithSelector(IBisectionGame.GameOver.selector, gameId, IBisectionGame.Phase.ChallengerWon)
        );
        game.bisect(gameId, keccak256("mid"));
    }

    function test_descend_witnessRefusedOrEmptyUnit_reverts() public {
        uint256 gameId = _open(1, _trueEnd(1));
        vm.prank(provider);
        vm.expectRevert(
            abi.encodeWithSelector(HashChainMachine.HashChainMachineBadWitness.selector, 3, abi.encode(uint64(2)))
        );
        game.descend(gameId, abi.encode(uint64(2)));
        machine.setZeroCount(true);
        vm.prank(provider);
        vm.expectRevert(abi.encodeWithSelector(IBisectionGame.GameEmptyUnit.selector, 0));
        game.descend(gameId, "");
    }
}

/// @notice Drives several BisectionGames at once through random moves (honest or not), time warps, timeouts and
/// upkeep, for BisectionGameInvariantsTest. Books every payout.
contract BisectionGameHandler is GamePlayers {
    uint256 public constant ACTORS = 4;
    address[] public actors;
    uint256[] public gameIds;
    mapping(uint256 gameId => uint64) internal _firstStep;
    mapping(uint256 gameId => bool) internal _providerHonest;
    mapping(uint256 gameId => bool) internal _challengerHonest;
    uint256 public funded;

    constructor() {
        _deployGame();
        for (uint256 i; i < ACTORS; ++i) {
            actors.push(address(uint160(uint256(keccak256(abi.encode("game actor", i))))));
            _fund(actors[i]);
            funded += 1_000_000e18;
        }
    }

    function openGame(uint256 seed, uint8 steps, uint8 providerIndex, uint8 challengerIndex) external {
        address provider = actors[providerIndex % ACTORS];
        address challenger = actors[challengerIndex % ACTORS];
        if (provider == challenger) return;
        uint64 firstStep = uint64(seed % 1000);
        uint64 count = uint64(bound(steps, 1, 12));
        bool providerHonest = seed % 2 == 0;
        bytes32 end = providerHonest ? _trueState(firstStep, firstStep + count, 0, 0) : keccak256(abi.encode(seed));
        uint256 gameId = referee.open(provider, challenger, PROGRAM, firstStep, count, START, end);
        gameIds.push(gameId);
        _firstStep[gameId] = firstStep;
        _providerHonest[gameId] = providerHonest;
        _challengerHonest[gameId] = seed % 3 != 0;
    }

    function move(uint256 gameSeed, uint256 coin, uint16 wait) external {
        if (gameIds.length == 0) return;
        uint256 gameId = gameIds[gameSeed % gameIds.length];
        IBisectionGame.Game memory g = game.getGame(gameId);
        uint64 remaining = g.phase == IBisectionGame.Phase.AwaitingMidpoint || g.phase == IBisectionGame.Phase.AwaitingDescent
            ? g.providerClock
            : g.challengerClock;
        if (g.phase == IBisectionGame.Phase.ProviderWon || g.phase == IBisectionGame.Phase.ChallengerWon) return;
        if (block.timestamp - g.lastMoveAt + wait >= remaining) return; // too late: only a timeout is left
        vm.warp(block.timestamp + wait);
        _play(gameId, _firstStep[gameId], _providerHonest[gameId], _challengerHonest[gameId], coin);
    }

    function warp(uint16 seconds_) external {
        vm.warp(block.timestamp + seconds_);
    }

    function timeout(uint256 gameSeed) external {
        if (gameIds.length == 0) return;
        try game.timeout(gameIds[gameSeed % gameIds.length]) {} catch {}
    }

    function upkeep() external {
        (bool needed, bytes memory performData) = game.checkUpkeep("");
        if (needed) game.performUpkeep(performData);
    }

    function gameCount() external view returns (uint256) {
        return gameIds.length;
    }

    function tokenOf() external view returns (VeritrainToken) {
        return token;
    }

    function gameOf() external view returns (BisectionGame) {
        return game;
    }

    function refereeOf() external view returns (GameRefereeDouble) {
        return referee;
    }
}

/// @notice Money accounting of BisectionGame under random interleavings of many games: the contract holds exactly
/// the bonds of its open games, ended games paid theirs out and were reported once, and no token is created or lost.
contract BisectionGameInvariantsTest is Test {
    BisectionGameHandler internal handler;

    function setUp() public {
        handler = new BisectionGameHandler();
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 80
    function invariant_balance_equalsOpenGamesBonds() public view {
        BisectionGame game = handler.gameOf();
        uint256 open;
        for (uint256 i; i < handler.gameCount(); ++i) {
            IBisectionGame.Game memory g = game.getGame(handler.gameIds(i));
            if (g.phase != IBisectionGame.Phase.ProviderWon && g.phase != IBisectionGame.Phase.ChallengerWon) {
                open += g.bonds;
            }
        }
        assertEq(handler.tokenOf().balanceOf(address(game)), open);
    }

    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 80
    function invariant_endedGames_reportedOnce() public view {
        BisectionGame game = handler.gameOf();
        for (uint256 i; i < handler.gameCount(); ++i) {
            uint256 gameId = handler.gameIds(i);
            IBisectionGame.Phase phase = game.getGame(gameId).phase;
            bool ended = phase == IBisectionGame.Phase.ProviderWon || phase == IBisectionGame.Phase.ChallengerWon;
            assertEq(handler.refereeOf().ends(gameId), ended ? 1 : 0);
            if (ended) assertEq(handler.refereeOf().providerWon(gameId), phase == IBisectionGame.Phase.ProviderWon);
        }
    }

    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 80
    function invariant_tokens_conserved() public view {
        VeritrainToken token = handler.tokenOf();
        uint256 held = token.balanceOf(address(handler.gameOf()));
        for (uint256 i; i < handler.ACTORS(); ++i) {
            held += token.balanceOf(handler.actors(i));
        }
        assertEq(held, handler.funded());
    }
}
