// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ShareSplit} from "../../contracts/libraries/ShareSplit.sol";

/// @title ShareSplitCheck
/// @notice What scripts/smtCheck.ts gives solc's SMTChecker to prove about ShareSplit: a library alone has no
/// targets, so this contract calls it with every input its callers can pass (a share of at most 10,000 bps). The
/// `underflow` and `overflow` checks prove its two operations never revert; the `assert` check, that the parts are
/// exact.
contract ShareSplitCheck {
    function split(uint128 amount, uint16 shareBps) external pure returns (uint256 share, uint256 rest) {
        require(shareBps <= 10_000);
        (share, rest) = ShareSplit.split(amount, shareBps);
        assert(share + rest == amount);
        assert(shareBps < 10_000 || rest == 0);
    }
}
