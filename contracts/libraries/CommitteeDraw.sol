// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IValidatorCommittee} from "../interfaces/IValidatorCommittee.sol";

/// @title CommitteeDraw
/// @notice The committee draw of {IValidatorCommittee}: a partial Fisher–Yates shuffle of the first `n`
/// list positions keyed by the VRF seed (step i swaps position i with i + keccak256(abi.encode(seed, i))
/// % (n − i), the same steps as {RandomDraw-distinctIndices}), that visits at most VISITS_PER_SEAT × size
/// positions and keeps the validators eligible at the request time. The cost depends on `size`, never on
/// the number of validators: only visited positions are stored, in a small memory hash table.
library CommitteeDraw {
    /// @notice Positions visited at most per committee seat.
    uint256 internal constant VISITS_PER_SEAT = 4;

    /// @notice The members drawn, in draw order (see {IValidatorCommittee} for the exact rule).
    /// @param entries The validator list.
    /// @param seed The VRF word.
    /// @param range The list's length at the request: positions drawn are below min(range, entries.length).
    /// @param requestedAt The request's timestamp, at which eligibility is judged.
    /// @param size Seats to fill.
    function draw(
        IValidatorCommittee.Validator[] storage entries,
        uint256 seed,
        uint256 range,
        uint256 requestedAt,
        uint256 size
    ) internal view returns (address[] memory members) {
        uint256 n = range < entries.length ? range : entries.length;
        uint256 visits = VISITS_PER_SEAT * size < n ? VISITS_PER_SEAT * size : n;
        members = new address[](size);
        uint256 picked;
        uint256[] memory moved = _newTable(visits);
        for (uint256 i; i < visits && picked < size; ++i) {
            uint256 j = i + uint256(keccak256(abi.encode(seed, i))) % (n - i);
            uint256 atI = _get(moved, i);
            uint256 atJ = j == i ? atI : _get(moved, j);
            // Position i is never read again (later steps only touch positions above it): only j is stored.
            if (j != i) _set(moved, j, atI);
            IValidatorCommittee.Validator storage entry = entries[atJ];
            (address account, uint40 joinedAt, uint40 leftAt) = (entry.account, entry.joinedAt, entry.leftAt);
            if (joinedAt <= requestedAt && (leftAt == 0 || leftAt > requestedAt)) members[picked++] = account;
        }
        // Shrink the array to the members picked: picked <= size, its allocated length.
        assembly ("memory-safe") {
            mstore(members, picked)
        }
    }

    /*//////////////////////////////////////////////////////////////
                      SPARSE POSITIONS (HASH TABLE)
    //////////////////////////////////////////////////////////////*/

    // A slot holds (position + 1) << 128 | index, or 0 when empty. Positions and indices are below 2^64
    // (the list's length). At most one position is stored per visit and the capacity is a power of two
    // at least twice the visits, so the table is never more than half full and every probe ends.

    function _newTable(uint256 visits) private pure returns (uint256[] memory table) {
        uint256 capacity = 2;
        while (capacity < 2 * visits) capacity <<= 1;
        table = new uint256[](capacity);
    }

    /// @dev The slot holding `position`, or the empty slot where it would go.
    function _slot(uint256[] memory table, uint256 position) private pure returns (uint256 slot) {
        uint256 mask = table.length - 1;
        uint256 key = (position + 1) << 128;
        for (slot = position & mask;; slot = (slot + 1) & mask) {
            uint256 word = table[slot];
            if (word == 0 || word >> 128 == key >> 128) return slot;
        }
    }

    /// @dev The index at `position`: the one stored, else the position itself (never moved).
    function _get(uint256[] memory table, uint256 position) private pure returns (uint256) {
        uint256 word = table[_slot(table, position)];
        return word == 0 ? position : uint128(word);
    }

    function _set(uint256[] memory table, uint256 position, uint256 index) private pure {
        table[_slot(table, position)] = ((position + 1) << 128) | index;
    }
}
