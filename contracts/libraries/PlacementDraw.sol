// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";

/// @title PlacementDraw
/// @notice The holder of one shard column, drawn from a VRF seed by rejection sampling over the
/// provider list: a bounded number of tries, so the cost never depends on how many providers there are.
/// @dev The draw, byte for byte (`keepers/src/chain/placementDraw.ts` is its TypeScript twin):
///
/// | step | value                                                                          |
/// |------|--------------------------------------------------------------------------------|
/// | 1    | `count` = the provider list's length at the block of the draw                  |
/// | 2    | for t = 0, 1, …, MAX_TRIES − 1: `i_t = uint256(keccak256(abi.encode(uint256 seed, uint256 column, uint256 t))) % count` |
/// | 3    | the holder is `providers[i_t]` for the first t whose provider holds no column of the dataset |
/// | 4    | no such t (or `count` = 0): no holder, the column stays unplaced (and can be redrawn) |
///
/// `abi.encode` of three uint256 is 96 bytes, so the keys never collide with {RandomDraw}'s 64-byte
/// ones. The modulo bias is below count / 2^256. Each try reads two storage slots (the list entry and
/// the dataset's taken flag), so a draw reads at most 2·MAX_TRIES + 1 slots.
///
/// A draw fails only if all MAX_TRIES tries hit providers that already hold a column of the dataset:
/// with h of the count providers taken, probability (h / count)^MAX_TRIES — 2^-32 when at most half
/// are taken, 0.3 % for the last column of an 11-column dataset on 12 providers.
library PlacementDraw {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice Tries per draw.
    uint256 internal constant MAX_TRIES = 32;

    /// @notice The provider drawn for column `column` from `seed`: the first candidate not in `taken`.
    /// @param providers The provider list, in the order draws index it.
    /// @param taken Whether a provider already holds a column of the dataset.
    /// @return holder The provider drawn, zero if every try hit a taken one (or there is none).
    function draw(
        EnumerableSet.AddressSet storage providers,
        mapping(address provider => bool) storage taken,
        uint256 seed,
        uint256 column
    ) internal view returns (address holder) {
        uint256 count = providers.length();
        if (count == 0) return address(0);
        for (uint256 t; t < MAX_TRIES; ++t) {
            address candidate = providers.at(candidateIndex(seed, column, t, count));
            if (!taken[candidate]) return candidate;
        }
    }

    /// @notice Index `i_t` of try `t` for column `column` from `seed` in a list of `count` (> 0).
    function candidateIndex(uint256 seed, uint256 column, uint256 t, uint256 count) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, column, t))) % count;
    }
}
