// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title ShareSplit
/// @notice The protocol's one split of an amount between a party and the treasury: a slash (StakeManager: the
/// beneficiary's share) and a lost challenge bond (Disputes: the accused's share) are both split by it.
/// @dev solc's SMTChecker proves, for every `amount` and every `shareBps` of at most 10,000, that neither operation
/// below can revert (`test/formal/ShareSplitCheck.sol`, scripts/smtCheck.ts): the share never exceeds the amount,
/// and the two parts add up to it exactly.
library ShareSplit {
    /// @notice Splits `amount` into `share`, its `shareBps` basis points rounded down, and the `rest`.
    /// @param shareBps At most 10,000 (StakeManager's constructor refuses more; Disputes reads StakeManager's).
    function split(uint128 amount, uint16 shareBps) internal pure returns (uint256 share, uint256 rest) {
        share = (uint256(amount) * shareBps) / 10_000;
        rest = amount - share;
    }
}
