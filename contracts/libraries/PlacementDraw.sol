// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IDatasetRegistry} from "../interfaces/IDatasetRegistry.sol";

/// @title PlacementDraw
/// @notice The holder of one shard column, drawn from a VRF seed by rejection sampling over the
/// provider list as it was when the seed was requested: a bounded number of tries, so the cost never
/// depends on how many providers there are.
/// @dev The draw, byte for byte (`keepers/src/chain/placementDraw.ts` is its TypeScript twin):
///
/// | step | value                                                                          |
/// |------|--------------------------------------------------------------------------------|
/// | 1    | `range` = the provider list's length when the seed was requested, `requestedAt` that timestamp |
/// | 2    | for t = 0, 1, …, MAX_TRIES − 1: `i_t = uint256(keccak256(abi.encode(uint256 seed, uint256 column, uint256 t))) % range` |
/// | 3    | entry `i_t` at the block of the draw counts if its account is non-zero, joined before `requestedAt` (strictly: a join in the request's second may follow the word in that second) and holds no column of the dataset |
/// | 4    | the holder is the account of the first entry that counts; none (or `range` = 0): no holder, the column stays unplaced (and can be redrawn) |
///
/// Entries never move (an exit empties one, a join refills the last emptied or appends), so between the
/// request and the draw the list can only lose providers: an entry refilled in the request's second or later
/// does not count. A provider that exits after the word is public only passes its column to
/// the next entry that counts, whoever that is; it cannot bring any other account in.
///
/// `abi.encode` of three uint256 is 96 bytes, so the keys never collide with {RandomDraw}'s 64-byte
/// ones. The modulo bias is below range / 2^256. Each try reads two storage slots (the entry and the
/// dataset's taken flag), so a draw reads at most 2·MAX_TRIES slots.
///
/// A draw fails only if all MAX_TRIES tries hit entries that do not count: with h of the range not counting,
/// probability (h / range)^MAX_TRIES — 2^-32 when at most half do not, 0.3 % for the last column of an
/// 11-column dataset on 12 providers.
library PlacementDraw {
    /// @notice Tries per draw.
    uint256 internal constant MAX_TRIES = 32;

    /// @notice The provider drawn for column `column` from `seed`: the first candidate that counts.
    /// @param entries The provider list, in the order draws index it.
    /// @param taken Whether a provider already holds a column of the dataset.
    /// @param range The list's length at the request: candidates are drawn below it.
    /// @param requestedAt When the seed was requested: entries joined in that second or later do not count.
    /// @return holder The provider drawn, zero if no try found one.
    function draw(
        IDatasetRegistry.ProviderEntry[] storage entries,
        mapping(address provider => bool) storage taken,
        uint256 seed,
        uint256 column,
        uint256 range,
        uint256 requestedAt
    ) internal view returns (address holder) {
        if (range == 0) return address(0);
        for (uint256 t; t < MAX_TRIES; ++t) {
            IDatasetRegistry.ProviderEntry storage entry = entries[candidateIndex(seed, column, t, range)];
            (address candidate, uint256 joinedAt) = (entry.account, entry.joinedAt);
            if (candidate != address(0) && joinedAt < requestedAt && !taken[candidate]) return candidate;
        }
    }

    /// @notice Index `i_t` of try `t` for column `column` from `seed` in a range of `range` (> 0) entries.
    function candidateIndex(uint256 seed, uint256 column, uint256 t, uint256 range) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, column, t))) % range;
    }
}
