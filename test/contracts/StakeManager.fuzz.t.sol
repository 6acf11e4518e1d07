// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {StakeManager} from "../../contracts/staking/StakeManager.sol";
import {IStakeManager} from "../../contracts/interfaces/IStakeManager.sol";
import {VeritrainToken} from "../../contracts/token/VeritrainToken.sol";

/// @notice Fuzzed accounting of StakeManager: every balance moves exactly as IStakeManager specifies.
contract StakeManagerFuzzTest is Test {
    uint256 internal constant SUPPLY = 1e30;
    uint64 internal constant DELAY = 7 days;

    VeritrainToken internal token;
    StakeManager internal stakeManager;
    address internal treasury = makeAddr("treasury");
    address internal module = makeAddr("module");
    address internal staker = makeAddr("staker");
    address internal beneficiary = makeAddr("beneficiary");
    uint16 internal shareBps = 3333;

    function setUp() public {
        token = new VeritrainToken(address(this), SUPPLY);
        stakeManager = new StakeManager(token, treasury, DELAY, shareBps, address(this));
        stakeManager.grantRole(stakeManager.MODULE_ROLE(), module);
        stakeManager.renounceRole(stakeManager.DEFAULT_ADMIN_ROLE(), address(this));
        token.transfer(staker, SUPPLY);
        vm.prank(staker);
        token.approve(address(stakeManager), type(uint256).max);
    }

    function _stake(uint256 amount) internal {
        vm.prank(staker);
        stakeManager.stake(amount);
    }

    function _lock(uint256 amount) internal {
        vm.prank(module);
        stakeManager.lock(staker, amount);
    }

    function _assertStake(uint256 available, uint256 locked, uint256 unbonding) internal view {
        IStakeManager.Stake memory s = stakeManager.stakeOf(staker);
        assertEq(s.available, available, "available");
        assertEq(s.locked, locked, "locked");
        assertEq(s.unbonding, unbonding, "unbonding");
        assertEq(token.balanceOf(address(stakeManager)), available + locked + unbonding, "contract balance");
    }

    /// @notice Staking moves exactly `amount` from the staker into available stake.
    function testFuzz_stake_anyPositiveAmount_succeeds(uint256 first, uint256 second) public {
        first = bound(first, 1, SUPPLY / 2);
        second = bound(second, 1, SUPPLY / 2);
        vm.expectEmit(address(stakeManager));
        emit IStakeManager.Staked(staker, first);
        _stake(first);
        _stake(second);
        _assertStake(first + second, 0, 0);
        assertEq(token.balanceOf(staker), SUPPLY - first - second);
    }

    /// @notice A zero stake is rejected with StakeManagerZeroAmount.
    function test_stake_zero_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerZeroAmount.selector));
        _stake(0);
    }

    /// @notice Unbonding moves available to unbonding and (re)starts the delay from now.
    function testFuzz_startUnbonding_withinAvailable_succeeds(uint256 staked, uint256 amount, uint32 gap) public {
        staked = bound(staked, 2, SUPPLY);
        amount = bound(amount, 1, staked - 1);
        _stake(staked);
        vm.prank(staker);
        stakeManager.startUnbonding(amount);
        _assertStake(staked - amount, 0, amount);
        assertEq(stakeManager.stakeOf(staker).unbondingReadyAt, block.timestamp + DELAY);
        vm.warp(block.timestamp + gap);
        vm.prank(staker);
        stakeManager.startUnbonding(staked - amount);
        _assertStake(0, 0, staked);
        assertEq(stakeManager.stakeOf(staker).unbondingReadyAt, block.timestamp + DELAY);
    }

    /// @notice Unbonding more than available reverts with the exact shortfall.
    function testFuzz_startUnbonding_aboveAvailable_reverts(uint256 staked, uint256 amount) public {
        staked = bound(staked, 1, SUPPLY - 1);
        amount = bound(amount, staked + 1, type(uint256).max);
        _stake(staked);
        vm.expectRevert(
            abi.encodeWithSelector(IStakeManager.StakeManagerInsufficientAvailable.selector, staker, staked, amount)
        );
        vm.prank(staker);
        stakeManager.startUnbonding(amount);
    }

    /// @notice Withdrawal pays out exactly the unbonding stake once the delay has passed.
    function testFuzz_withdraw_afterDelay_succeeds(uint256 staked, uint256 amount, uint64 extra) public {
        staked = bound(staked, 1, SUPPLY);
        amount = bound(amount, 1, staked);
        extra = uint64(bound(extra, 0, 365 days));
        _stake(staked);
        vm.prank(staker);
        stakeManager.startUnbonding(amount);
        vm.warp(block.timestamp + DELAY + extra);
        uint256 before = token.balanceOf(staker);
        vm.prank(staker);
        stakeManager.withdraw();
        assertEq(token.balanceOf(staker), before + amount);
        _assertStake(staked - amount, 0, 0);
        assertEq(stakeManager.stakeOf(staker).unbondingReadyAt, 0);
    }

    /// @notice Withdrawal before the delay reverts with StakeManagerUnbondingNotReady(readyAt, now).
    function testFuzz_withdraw_beforeDelay_reverts(uint256 amount, uint64 elapsed) public {
        amount = bound(amount, 1, SUPPLY);
        elapsed = uint64(bound(elapsed, 0, DELAY - 1));
        _stake(amount);
        vm.prank(staker);
        stakeManager.startUnbonding(amount);
        uint256 readyAt = block.timestamp + DELAY;
        vm.warp(block.timestamp + elapsed);
        vm.expectRevert(
            abi.encodeWithSelector(
                IStakeManager.StakeManagerUnbondingNotReady.selector, staker, readyAt, block.timestamp
            )
        );
        vm.prank(staker);
        stakeManager.withdraw();
    }

    /// @notice Withdrawal with nothing unbonding reverts with readyAt = 0.
    function testFuzz_withdraw_nothingUnbonding_reverts(uint256 staked) public {
        staked = bound(staked, 1, SUPPLY);
        _stake(staked);
        vm.expectRevert(
            abi.encodeWithSelector(IStakeManager.StakeManagerUnbondingNotReady.selector, staker, 0, block.timestamp)
        );
        vm.prank(staker);
        stakeManager.withdraw();
    }

    /// @notice Lock then unlock move stake between available and locked without moving tokens.
    function testFuzz_lockUnlock_withinBalances_succeeds(uint256 staked, uint256 locked, uint256 unlocked) public {
        staked = bound(staked, 1, SUPPLY);
        locked = bound(locked, 1, staked);
        unlocked = bound(unlocked, 1, locked);
        _stake(staked);
        vm.expectEmit(address(stakeManager));
        emit IStakeManager.StakeLocked(staker, module, locked);
        _lock(locked);
        _assertStake(staked - locked, locked, 0);
        vm.expectEmit(address(stakeManager));
        emit IStakeManager.StakeUnlocked(staker, module, unlocked);
        vm.prank(module);
        stakeManager.unlock(staker, unlocked);
        _assertStake(staked - locked + unlocked, locked - unlocked, 0);
    }

    /// @notice Locking more than available reverts with StakeManagerInsufficientAvailable.
    function testFuzz_lock_aboveAvailable_reverts(uint256 staked, uint256 amount) public {
        staked = bound(staked, 1, SUPPLY - 1);
        amount = bound(amount, staked + 1, type(uint256).max);
        _stake(staked);
        vm.expectRevert(
            abi.encodeWithSelector(IStakeManager.StakeManagerInsufficientAvailable.selector, staker, staked, amount)
        );
        _lock(amount);
    }

    /// @notice Unlocking more than locked reverts with StakeManagerInsufficientLocked.
    function testFuzz_unlock_aboveLocked_reverts(uint256 locked, uint256 amount) public {
        locked = bound(locked, 1, SUPPLY - 1);
        amount = bound(amount, locked + 1, type(uint256).max);
        _stake(locked);
        _lock(locked);
        vm.expectRevert(
            abi.encodeWithSelector(IStakeManager.StakeManagerInsufficientLocked.selector, staker, locked, amount)
        );
        vm.prank(module);
        stakeManager.unlock(staker, amount);
    }

    /// @notice Zero lock and unlock amounts are rejected.
    function test_lockUnlock_zero_reverts() public {
        _stake(1 ether);
        vm.startPrank(module);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerZeroAmount.selector));
        stakeManager.lock(staker, 0);
        vm.expectRevert(abi.encodeWithSelector(IStakeManager.StakeManagerZeroAmount.selector));
        stakeManager.unlock(staker, 0);
        vm.stopPrank();
    }

    /// @notice Only MODULE_ROLE may lock, unlock or slash; the admin was renounced, so nobody else can.
    function testFuzz_moduleFunctions_nonModule_reverts(address caller) public {
        vm.assume(caller != module);
        bytes32 role = stakeManager.MODULE_ROLE();
        bytes memory err = abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, role);
        vm.startPrank(caller);
        vm.expectRevert(err);
        stakeManager.lock(staker, 1);
        vm.expectRevert(err);
        stakeManager.unlock(staker, 1);
        vm.expectRevert(err);
        stakeManager.slash(staker, 1, beneficiary);
        vm.stopPrank();
    }

    /// @notice A slash takes min(amount, locked) from locked only, splits it beneficiaryShareBps / rest,
    /// and leaves available and unbonding stake untouched.
    function testFuzz_slash_cappedByLocked_succeeds(
        uint256 available,
        uint256 locked,
        uint256 unbonding,
        uint256 amount,
        bool withBeneficiary
    ) public {
        available = bound(available, 0, SUPPLY / 4);
        locked = bound(locked, 1, SUPPLY / 4);
        unbonding = bound(unbonding, 0, SUPPLY / 4);
        amount = bound(amount, 0, SUPPLY);
        _stake(available + locked + unbonding);
        _lock(locked);
        if (unbonding != 0) {
            vm.prank(staker);
            stakeManager.startUnbonding(unbonding);
        }
        address to = withBeneficiary ? beneficiary : address(0);
        uint256 expected = amount < locked ? amount : locked;
        uint256 toBeneficiary = withBeneficiary ? expected * shareBps / 10_000 : 0;
        uint256 toTreasury = expected - toBeneficiary;

        vm.prank(module);
        uint256 slashed = stakeManager.slash(staker, amount, to);

        assertEq(slashed, expected, "slashed");
        _assertStake(available, locked - expected, unbonding);
        assertEq(token.balanceOf(beneficiary), toBeneficiary, "beneficiary share");
        assertEq(token.balanceOf(treasury), toTreasury, "treasury share");
        assertEq(token.balanceOf(address(0)), 0, "nothing burnt to the zero address");
    }

    /// @notice Slashing an account with nothing locked is a no-op returning 0, even with available stake.
    function testFuzz_slash_nothingLocked_succeeds(uint256 available, uint256 amount) public {
        available = bound(available, 0, SUPPLY);
        if (available != 0) _stake(available);
        vm.recordLogs();
        vm.prank(module);
        uint256 slashed = stakeManager.slash(staker, amount, beneficiary);
        assertEq(slashed, 0);
        assertEq(vm.getRecordedLogs().length, 0, "no StakeSlashed event");
        _assertStake(available, 0, 0);
        assertEq(token.balanceOf(treasury) + token.balanceOf(beneficiary), 0);
    }

    /// @notice The StakeSlashed event reports the split that was actually paid.
    function testFuzz_slash_eventMatchesSplit_succeeds(uint256 locked, uint256 amount) public {
        locked = bound(locked, 1, SUPPLY);
        amount = bound(amount, 1, locked);
        _stake(locked);
        _lock(locked);
        uint256 toBeneficiary = amount * shareBps / 10_000;
        vm.expectEmit(address(stakeManager));
        emit IStakeManager.StakeSlashed(staker, module, beneficiary, amount, toBeneficiary, amount - toBeneficiary);
        vm.prank(module);
        stakeManager.slash(staker, amount, beneficiary);
    }
}

/// @notice StakeManager over a token whose supply passes 2^128: no balance wraps, so locked stake cannot be wrapped
/// to 0 to escape a slash (each uint128 balance reverts with StakeManagerBalanceOverflow instead).
contract StakeManagerHugeSupplyTest is Test {
    uint256 internal constant MAX = type(uint128).max;

    VeritrainToken internal token;
    StakeManager internal stakeManager;
    address internal module = makeAddr("module");
    address internal staker = makeAddr("staker");

    function setUp() public {
        token = new VeritrainToken(address(this), 4 * MAX);
        stakeManager = new StakeManager(token, makeAddr("treasury"), 1 days, 5000, address(this));
        stakeManager.grantRole(stakeManager.MODULE_ROLE(), module);
        token.transfer(staker, 4 * MAX);
        vm.prank(staker);
        token.approve(address(stakeManager), type(uint256).max);
    }

    function _overflow(uint256 balance, uint256 amount) internal view returns (bytes memory) {
        return abi.encodeWithSelector(IStakeManager.StakeManagerBalanceOverflow.selector, staker, balance, amount);
    }

    /// @notice Staking past 2^128 − 1 available reverts, whatever the amount (2^256 − 1 included).
    function testFuzz_stake_pastUint128_reverts(uint256 amount) public {
        vm.prank(staker);
        stakeManager.stake(MAX);
        amount = bound(amount, 1, type(uint256).max);
        vm.expectRevert(_overflow(MAX, amount));
        vm.prank(staker);
        stakeManager.stake(amount);
    }

    /// @notice A lock, an unlock or an unbonding that would pass 2^128 − 1 reverts and moves nothing: the locked
    /// stake stays whole, so a slash still takes it.
    function test_lockUnlockUnbond_pastUint128_reverts() public {
        vm.prank(staker);
        stakeManager.stake(MAX);
        vm.prank(module);
        stakeManager.lock(staker, MAX);
        vm.prank(staker);
        stakeManager.stake(1);
        vm.expectRevert(_overflow(MAX, 1));
        vm.prank(module);
        stakeManager.lock(staker, 1);
        assertEq(stakeManager.stakeOf(staker).locked, MAX, "locked stays whole");
        assertEq(stakeManager.stakeOf(staker).available, 1, "available unchanged");

        vm.prank(module);
        stakeManager.unlock(staker, 1);
        vm.prank(staker);
        stakeManager.startUnbonding(2);
        vm.prank(staker);
        stakeManager.stake(MAX);
        vm.expectRevert(_overflow(MAX, 1));
        vm.prank(module);
        stakeManager.unlock(staker, 1);

        vm.prank(module);
        uint256 slashed = stakeManager.slash(staker, type(uint256).max, address(0));
        assertEq(slashed, MAX - 1, "the slash takes the whole locked stake");
    }

    /// @notice Unbonding accumulates in a uint128 too: past 2^128 − 1 it reverts.
    function test_startUnbonding_pastUint128_reverts() public {
        vm.prank(staker);
        stakeManager.stake(MAX);
        vm.prank(staker);
        stakeManager.startUnbonding(MAX);
        vm.prank(staker);
        stakeManager.stake(1);
        vm.expectRevert(_overflow(MAX, 1));
        vm.prank(staker);
        stakeManager.startUnbonding(1);
    }
}
