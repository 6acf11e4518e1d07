// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IStakeManager} from "../interfaces/IStakeManager.sol";
import {ShareSplit} from "../libraries/ShareSplit.sol";

/// @title StakeManager
/// @notice Stake of every staked role, locked and slashed only by the protocol's modules
/// (JobRegistry, ValidatorCommittee, later DatasetRegistry and StorageProofs).
/// @dev Invariant: the token balance of this contract equals the sum over accounts of
/// available + locked + unbonding. Every write to `_stakes` is followed by the event saying why.
contract StakeManager is IStakeManager, AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////
                                 ROLES
    //////////////////////////////////////////////////////////////*/

    /// @notice Role of the protocol contracts allowed to lock, unlock and slash stake.
    bytes32 public constant MODULE_ROLE = keccak256("MODULE_ROLE");

    /*//////////////////////////////////////////////////////////////
                               IMMUTABLES
    //////////////////////////////////////////////////////////////*/

    IERC20 private immutable _token;
    /// @notice Receives the part of every slash that does not go to the beneficiary.
    address public immutable treasury;
    /// @notice Seconds between {startUnbonding} and {withdraw}.
    uint64 public immutable unbondingDelay;
    /// @notice Share of a slash paid to its beneficiary, in basis points.
    uint16 public immutable beneficiaryShareBps;

    /*//////////////////////////////////////////////////////////////
                                 STATE
    //////////////////////////////////////////////////////////////*/

    mapping(address account => Stake) private _stakes;

    /// @param token_ The ERC-20 staked.
    /// @param treasury_ Receives the non-beneficiary part of slashes.
    /// @param unbondingDelay_ Seconds an unbonding stake waits before withdrawal.
    /// @param beneficiaryShareBps_ Share of a slash paid to its beneficiary (<= 10,000).
    /// @param admin Holder of DEFAULT_ADMIN_ROLE; grants MODULE_ROLE at deployment, then renounces.
    constructor(IERC20 token_, address treasury_, uint64 unbondingDelay_, uint16 beneficiaryShareBps_, address admin) {
        if (address(token_) == address(0)) revert StakeManagerInvalidParameter("token");
        if (treasury_ == address(0)) revert StakeManagerInvalidParameter("treasury");
        if (beneficiaryShareBps_ > 10_000) revert StakeManagerInvalidParameter("beneficiaryShareBps");
        if (admin == address(0)) revert StakeManagerInvalidParameter("admin");
        _token = token_;
        treasury = treasury_;
        unbondingDelay = unbondingDelay_;
        beneficiaryShareBps = beneficiaryShareBps_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /*//////////////////////////////////////////////////////////////
                              STAKERS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IStakeManager
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert StakeManagerZeroAmount();
        Stake memory s = _stakes[msg.sender];
        s.available = _credit(msg.sender, s.available, amount);
        _stakes[msg.sender] = s;
        emit Staked(msg.sender, amount);
        _token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IStakeManager
    function startUnbonding(uint256 amount) external {
        if (amount == 0) revert StakeManagerZeroAmount();
        Stake memory s = _stakes[msg.sender];
        if (amount > s.available) revert StakeManagerInsufficientAvailable(msg.sender, s.available, amount);
        // unchecked: amount <= s.available was checked above.
        unchecked {
            s.available -= uint128(amount);
        }
        s.unbonding = _credit(msg.sender, s.unbonding, amount);
        s.unbondingReadyAt = uint64(block.timestamp) + unbondingDelay;
        _stakes[msg.sender] = s;
        emit UnbondingStarted(msg.sender, amount, s.unbondingReadyAt);
    }

    /// @inheritdoc IStakeManager
    function withdraw() external nonReentrant {
        Stake memory s = _stakes[msg.sender];
        // INVARIANT: only unbonded stake whose delay has passed leaves the contract.
        if (s.unbonding == 0 || block.timestamp < s.unbondingReadyAt) {
            revert StakeManagerUnbondingNotReady(msg.sender, s.unbondingReadyAt, block.timestamp);
        }
        uint256 amount = s.unbonding;
        s.unbonding = 0;
        s.unbondingReadyAt = 0;
        _stakes[msg.sender] = s;
        emit Withdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    /*//////////////////////////////////////////////////////////////
                               MODULES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IStakeManager
    function lock(address account, uint256 amount) external onlyRole(MODULE_ROLE) {
        if (amount == 0) revert StakeManagerZeroAmount();
        Stake memory s = _stakes[account];
        if (amount > s.available) revert StakeManagerInsufficientAvailable(account, s.available, amount);
        // unchecked: amount <= s.available.
        unchecked {
            s.available -= uint128(amount);
        }
        s.locked = _credit(account, s.locked, amount);
        _stakes[account] = s;
        emit StakeLocked(account, msg.sender, amount);
    }

    /// @inheritdoc IStakeManager
    function unlock(address account, uint256 amount) external onlyRole(MODULE_ROLE) {
        if (amount == 0) revert StakeManagerZeroAmount();
        Stake memory s = _stakes[account];
        if (amount > s.locked) revert StakeManagerInsufficientLocked(account, s.locked, amount);
        // unchecked: amount <= s.locked.
        unchecked {
            s.locked -= uint128(amount);
        }
        s.available = _credit(account, s.available, amount);
        _stakes[account] = s;
        emit StakeUnlocked(account, msg.sender, amount);
    }

    /// @inheritdoc IStakeManager
    function slash(address account, uint256 amount, address beneficiary)
        external
        onlyRole(MODULE_ROLE)
        nonReentrant
        returns (uint256 slashed)
    {
        Stake memory s = _stakes[account];
        slashed = amount < s.locked ? amount : s.locked;
        if (slashed == 0) return 0;
        // unchecked: slashed <= s.locked by the line above.
        unchecked {
            s.locked -= uint128(slashed);
        }
        _stakes[account] = s;
        // slashed <= s.locked, a uint128.
        (uint256 toBeneficiary, uint256 toTreasury) =
            ShareSplit.split(uint128(slashed), beneficiary == address(0) ? 0 : beneficiaryShareBps);
        emit StakeSlashed(account, msg.sender, beneficiary, slashed, toBeneficiary, toTreasury);
        if (toBeneficiary != 0) _token.safeTransfer(beneficiary, toBeneficiary);
        if (toTreasury != 0) _token.safeTransfer(treasury, toTreasury);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IStakeManager
    function stakeOf(address account) external view returns (Stake memory) {
        return _stakes[account];
    }

    /// @inheritdoc IStakeManager
    function stakeToken() external view returns (address) {
        return address(_token);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    /// @dev `balance + amount` as a balance of `account`. Balances are uint128 and never wrap: past 2^128 − 1 it
    /// reverts, which only a token whose supply reaches 2^128 can cause (one account's balances together never
    /// exceed what it staked). Without the check, such a token would let an account wrap its locked stake to 0
    /// and escape a slash.
    function _credit(address account, uint128 balance, uint256 amount) private pure returns (uint128) {
        if (amount > type(uint128).max - balance) revert StakeManagerBalanceOverflow(account, balance, amount);
        return balance + uint128(amount);
    }
}
