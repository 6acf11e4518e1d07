// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IValidatorCommittee} from "../interfaces/IValidatorCommittee.sol";

/// @title CommitteeDraw
/// @notice The committee draw of {IValidatorCommittee}: a partial Fisher–Yates shuffle of the first `range`
/// list positions keyed by the VRF seed (step i swaps position i with i + keccak256(abi.encode(seed, i))
/// % (range − i), the same steps as {RandomDraw-distinctIndices}) that keeps the validators eligible at the
/// request time, until `size` are kept or every position is visited. {draw} runs the first
/// VISITS_PER_SEAT × size steps in memory (the VRF callback: its cost depends on `size`, never on the number
/// of validators); a draw they do not finish is run again from step 0 by {drawFrom}, a bounded number of
/// steps per call, with the shuffle kept in storage.
library CommitteeDraw {
    /// @notice Steps {draw} runs at most per committee seat.
    uint256 internal constant VISITS_PER_SEAT = 4;

    /// @notice The first `VISITS_PER_SEAT × size` steps of the draw.
    /// @param entries The validator list.
    /// @param seed The VRF word.
    /// @param range The list's length at the request (it never shrinks): positions drawn are below it.
    /// @param requestedAt The request's timestamp, at which eligibility is judged.
    /// @param size Seats to fill.
    /// @return members The members picked, in draw order.
    /// @return finished Whether the draw is over (`size` members, or every position visited); if not,
    /// `members` is not the committee and {drawFrom} must run the draw.
    function draw(
        IValidatorCommittee.Validator[] storage entries,
        uint256 seed,
        uint256 range,
        uint256 requestedAt,
        uint256 size
    ) internal view returns (address[] memory members, bool finished) {
        uint256 visits = VISITS_PER_SEAT * size < range ? VISITS_PER_SEAT * size : range;
        members = new address[](size);
        uint256 picked;
        uint256[] memory moved = _newTable(visits);
        uint256 i;
        for (; i < visits && picked < size; ++i) {
            uint256 j = _position(seed, i, range);
            uint256 atI = _get(moved, i);
            uint256 atJ = j == i ? atI : _get(moved, j);
            // Position i is never read again (later steps only touch positions above it): only j is stored.
            if (j != i) _set(moved, j, atI);
            address account = _eligibleAccount(entries[atJ], requestedAt);
            if (account != address(0)) members[picked++] = account;
        }
        finished = picked == size || i == range;
        // Shrink the array to the members picked: picked <= size, its allocated length.
        assembly ("memory-safe") {
            mstore(members, picked)
        }
    }

    /// @notice Runs steps `from` to at most `from + maxSteps − 1` of the draw, appending the members picked.
    /// @param order The shuffle so far: position → list index + 1 (0: never moved), kept between calls.
    /// @param members The members picked so far (by the steps before `from`).
    /// @return next The next step to run.
    /// @return finished Whether the draw is over (`size` members, or every position visited).
    function drawFrom(
        IValidatorCommittee.Validator[] storage entries,
        mapping(uint256 position => uint256 indexPlusOne) storage order,
        address[] storage members,
        uint256 seed,
        uint256 range,
        uint256 requestedAt,
        uint256 size,
        uint256 from,
        uint256 maxSteps
    ) internal returns (uint256 next, bool finished) {
        uint256 end = range - from < maxSteps ? range : from + maxSteps;
        uint256 picked = members.length;
        for (next = from; next < end && picked < size; ++next) {
            address account = _eligibleAccount(entries[_storedStep(order, seed, next, range)], requestedAt);
            if (account != address(0)) {
                members.push(account);
                ++picked;
            }
        }
        finished = picked == size || next == range;
    }

    /// @dev Step `i` on the stored shuffle: swaps positions i and j (only j is stored, as in {draw}) and returns
    /// the list index now at position i.
    function _storedStep(mapping(uint256 => uint256) storage order, uint256 seed, uint256 i, uint256 range)
        private
        returns (uint256 atJ)
    {
        uint256 j = _position(seed, i, range);
        uint256 atI = _stored(order, i);
        if (j == i) return atI;
        atJ = _stored(order, j);
        order[j] = atI + 1;
    }

    /// @dev The position step `i` swaps with position i.
    function _position(uint256 seed, uint256 i, uint256 range) private pure returns (uint256) {
        return i + uint256(keccak256(abi.encode(seed, i))) % (range - i);
    }

    /// @dev The entry's account if it was a validator at `requestedAt` (joined at or before it, not left at or
    /// before it), else 0 (an empty slot, a later join, an earlier exit).
    function _eligibleAccount(IValidatorCommittee.Validator storage entry, uint256 requestedAt)
        private
        view
        returns (address)
    {
        (address account, uint40 joinedAt, uint40 leftAt) = (entry.account, entry.joinedAt, entry.leftAt);
        return joinedAt <= requestedAt && (leftAt == 0 || leftAt > requestedAt) ? account : address(0);
    }

    /// @dev The list index at `position` in the stored shuffle.
    function _stored(mapping(uint256 => uint256) storage order, uint256 position) private view returns (uint256) {
        uint256 indexPlusOne = order[position];
        return indexPlusOne == 0 ? position : indexPlusOne - 1;
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
