// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IStakeManager
/// @notice Holds the protocol token staked by storage providers, compute providers and validators.
/// Each account has three balances: `available` (free, can be locked or unbonded), `locked`
/// (backing an obligation of an authorized module, can be slashed) and `unbonding` (on its way
/// out, withdrawable after the unbonding delay).
interface IStakeManager {
    /// @notice An account's stake balances.
    /// @param available Free stake: can be locked by a module or start unbonding.
    /// @param locked Stake backing a module's obligation: only that module class can unlock or slash it.
    /// @param unbonding Stake waiting for the unbonding delay before it can be withdrawn.
    /// @param unbondingReadyAt Timestamp from which `unbonding` can be withdrawn.
    struct Stake {
        uint128 available;
        uint128 locked;
        uint128 unbonding;
        uint64 unbondingReadyAt;
    }

    /// @notice Thrown when an amount that must be positive is zero.
    error StakeManagerZeroAmount();
    /// @notice Thrown when `account` has `available` free stake but `needed` was asked for.
    error StakeManagerInsufficientAvailable(address account, uint256 available, uint256 needed);
    /// @notice Thrown when `account` has `locked` stake but `needed` was asked to unlock.
    error StakeManagerInsufficientLocked(address account, uint256 locked, uint256 needed);
    /// @notice Thrown when a withdrawal is attempted before `readyAt` (or with nothing unbonding, `readyAt` = 0).
    error StakeManagerUnbondingNotReady(address account, uint256 readyAt, uint256 nowTimestamp);
    /// @notice Thrown when adding `amount` to one of `account`'s balances, now `balance`, would pass 2^128 − 1
    /// (possible only with a token whose supply reaches 2^128).
    error StakeManagerBalanceOverflow(address account, uint256 balance, uint256 amount);
    /// @notice Thrown when a constructor parameter breaks its rule.
    error StakeManagerInvalidParameter(string name);

    /// @notice Emitted when `account` adds `amount` to its available stake.
    event Staked(address indexed account, uint256 amount);
    /// @notice Emitted when `account` moves `amount` from available to unbonding; withdrawable from `readyAt`.
    event UnbondingStarted(address indexed account, uint256 amount, uint256 readyAt);
    /// @notice Emitted when `account` withdraws `amount` of unbonded stake.
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice Emitted when `module` locks `amount` of `account`'s stake.
    event StakeLocked(address indexed account, address indexed module, uint256 amount);
    /// @notice Emitted when `module` unlocks `amount` of `account`'s stake.
    event StakeUnlocked(address indexed account, address indexed module, uint256 amount);
    /// @notice Emitted when `module` slashes `amount` of `account`'s locked stake:
    /// `toBeneficiary` goes to `beneficiary`, the rest to the treasury.
    event StakeSlashed(
        address indexed account,
        address indexed module,
        address indexed beneficiary,
        uint256 amount,
        uint256 toBeneficiary,
        uint256 toTreasury
    );

    /// @notice Adds `amount` of the stake token (pulled from the caller) to the caller's available stake.
    /// @dev Requirements: `amount` > 0; the caller approved this contract. Emits {Staked}.
    function stake(uint256 amount) external;

    /// @notice Moves `amount` of the caller's available stake to unbonding and restarts the unbonding clock.
    /// @dev Requirements: `amount` > 0 and <= available. Emits {UnbondingStarted}.
    function startUnbonding(uint256 amount) external;

    /// @notice Transfers all of the caller's unbonded stake to the caller.
    /// @dev Requirements: something is unbonding and the delay has passed. Emits {Withdrawn}.
    function withdraw() external;

    /// @notice Locks `amount` of `account`'s available stake for the calling module.
    /// @dev Requirements: caller has MODULE_ROLE; `amount` > 0 and <= available. Emits {StakeLocked}.
    function lock(address account, uint256 amount) external;

    /// @notice Returns `amount` of `account`'s locked stake to its available stake.
    /// @dev Requirements: caller has MODULE_ROLE; `amount` > 0 and <= locked. Emits {StakeUnlocked}.
    function unlock(address account, uint256 amount) external;

    /// @notice Slashes up to `amount` of `account`'s locked stake, paying `beneficiary` its share
    /// (`beneficiaryShareBps`) and the treasury the rest. Returns the amount actually slashed,
    /// which is capped by the locked balance.
    /// @dev Requirements: caller has MODULE_ROLE. Emits {StakeSlashed} when something was slashed.
    function slash(address account, uint256 amount, address beneficiary) external returns (uint256 slashed);

    /// @notice Receives the part of each slash that does not go to its beneficiary.
    function treasury() external view returns (address);

    /// @notice Share of a slash paid to its beneficiary, in basis points (at most 10,000).
    function beneficiaryShareBps() external view returns (uint16);

    /// @notice The stake balances of `account`.
    function stakeOf(address account) external view returns (Stake memory);

    /// @notice The token staked.
    function stakeToken() external view returns (address);
}
