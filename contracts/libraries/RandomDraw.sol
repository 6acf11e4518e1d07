// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title RandomDraw
/// @notice Deterministic draws from a random seed that anyone can recompute off-chain.
/// @dev A partial Fisher–Yates shuffle of [0, count): step i swaps position i with position
/// i + keccak256(abi.encode(seed, i)) % (count - i). The modulo bias is below count / 2^256.
library RandomDraw {
    /// @notice The first `size` positions of the shuffle of [0, count) keyed by `seed`:
    /// `size` distinct indices, in draw order.
    /// @dev Requirements: size <= count. Memory grows with `count`.
    function distinctIndices(uint256 seed, uint256 count, uint256 size) internal pure returns (uint256[] memory picked) {
        uint256[] memory order = new uint256[](count);
        for (uint256 i; i < count; ++i) {
            order[i] = i;
        }
        picked = new uint256[](size);
        for (uint256 i; i < size; ++i) {
            uint256 j = i + uint256(keccak256(abi.encode(seed, i))) % (count - i);
            (order[i], order[j]) = (order[j], order[i]);
            picked[i] = order[i];
        }
    }
}
