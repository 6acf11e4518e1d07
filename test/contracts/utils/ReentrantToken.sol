// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Receiver callback of {ReentrantToken}, in the style of ERC-777 / ERC-1363 hooks.
interface ITokenReceiverHook {
    function onTokenReceived(address from, uint256 amount) external;
}

/// @notice A malicious ERC-20: after every transfer to a registered receiver it calls that
/// receiver back, letting it re-enter whichever protocol contract is paying it.
contract ReentrantToken is ERC20 {
    mapping(address account => bool) public hooked;

    constructor(address holder, uint256 supply) ERC20("Reentrant Token", "RENT") {
        _mint(holder, supply);
    }

    /// @notice `account` asks to be called back on every incoming transfer.
    function registerHook() external {
        hooked[msg.sender] = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != address(0) && hooked[to]) ITokenReceiverHook(to).onTokenReceived(from, value);
    }
}

/// @notice An attacker account (consumer, provider, staker or challenger) that, when paid, re-enters
/// `target` with `data` once and records what happened.
contract ReentrantAttacker is ITokenReceiverHook {
    address internal _target;
    bytes internal _data;
    bool internal _armed;

    /// @notice Whether the reentrant call was attempted, whether it succeeded, and what it returned.
    bool public attempted;
    bool public reentrySucceeded;
    bytes public reentryResult;

    constructor(ReentrantToken token) {
        token.registerHook();
    }

    /// @notice Calls `target` with `data` as this account, bubbling up a revert.
    function execute(address target, bytes calldata data) external returns (bytes memory result) {
        bool ok;
        (ok, result) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }

    /// @notice On the next incoming transfer, call `target` with `data`.
    function arm(address target, bytes calldata data) external {
        _target = target;
        _data = data;
        _armed = true;
    }

    function onTokenReceived(address, uint256) external {
        if (!_armed) return;
        _armed = false;
        attempted = true;
        (reentrySucceeded, reentryResult) = _target.call(_data);
    }
}
