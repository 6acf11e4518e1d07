// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IDatasetRegistry} from "../../contracts/interfaces/IDatasetRegistry.sol";
import {PlacementDraw} from "../../contracts/libraries/PlacementDraw.sol";

/// @notice PlacementDraw against the vectors of its TypeScript twin (test/keepers/chain/placementDraw.test.ts)
/// and, fuzzed, its rules: the holder is the first candidate within MAX_TRIES that counts (listed, joined by the
/// request, not taken), and exits after the request never bring in an account that would not have been drawn.
contract PlacementDrawTest is Test {
    /// @notice Request time of the draws below; entries joined at 99 count, at 100 (the request's second) not.
    uint256 internal constant REQUESTED_AT = 100;

    IDatasetRegistry.ProviderEntry[] internal entries;
    mapping(address provider => bool) internal taken;

    function _addProviders(uint256 count) internal {
        for (uint256 i; i < count; ++i) {
            entries.push(IDatasetRegistry.ProviderEntry({account: address(uint160(0x1000 + i)), joinedAt: uint40(REQUESTED_AT - 1)}));
        }
    }

    function _draw(uint256 seed, uint256 column) internal view returns (address) {
        return PlacementDraw.draw(entries, taken, seed, column, entries.length, REQUESTED_AT);
    }

    function test_candidateIndex_vectors_succeeds() public pure {
        assertEq(PlacementDraw.candidateIndex(42, 0, 0, 14), 9);
        assertEq(PlacementDraw.candidateIndex(42, 0, 1, 14), 8);
        assertEq(PlacementDraw.candidateIndex(42, 0, 2, 14), 7);
        assertEq(PlacementDraw.candidateIndex(42, 0, 31, 14), 8);
        assertEq(PlacementDraw.candidateIndex(42, 10, 0, 14), 0);
        assertEq(PlacementDraw.candidateIndex(42, 10, 2, 14), 9);
        assertEq(PlacementDraw.candidateIndex(type(uint256).max, 254, 0, 10_000), 3277);
        assertEq(PlacementDraw.candidateIndex(type(uint256).max, 254, 31, 10_000), 3452);
    }

    function test_draw_wholePlacementVector_succeeds() public {
        _addProviders(14);
        uint256[11] memory expected = [uint256(9), 11, 8, 2, 0, 10, 6, 13, 5, 1, 7];
        for (uint256 column; column < 11; ++column) {
            address holder = _draw(42, column);
            assertEq(holder, entries[expected[column]].account, "the twin's index");
            taken[holder] = true;
        }
    }

    /// @notice The twin's second vector: entry 9 emptied, entry 11 refilled in the request's second, entries 14 and 15
    /// appended after it (outside the range of 14).
    function test_draw_emptiedAndLateEntriesVector_succeeds() public {
        _addProviders(16);
        delete entries[9];
        entries[11].joinedAt = uint40(REQUESTED_AT);
        uint256[11] memory expected = [uint256(8), 0, 6, 2, 1, 10, 3, 13, 5, 7, 12];
        for (uint256 column; column < 11; ++column) {
            address holder = PlacementDraw.draw(entries, taken, 42, column, 14, REQUESTED_AT);
            assertEq(holder, entries[expected[column]].account, "the twin's index");
            taken[holder] = true;
        }
    }

    function test_draw_nothingCounts_returnsZero_succeeds() public {
        _addProviders(3);
        for (uint256 i; i < 3; ++i) taken[entries[i].account] = true;
        assertEq(_draw(42, 0), address(0), "every try taken");
        assertEq(PlacementDraw.draw(entries, taken, 42, 0, 0, REQUESTED_AT), address(0), "empty range");
        for (uint256 i; i < 3; ++i) taken[entries[i].account] = false;
        assertEq(PlacementDraw.draw(entries, taken, 42, 0, 3, REQUESTED_AT - 1), address(0), "every entry joined in the request's second");
        for (uint256 i; i < 3; ++i) delete entries[i];
        assertEq(_draw(42, 0), address(0), "every entry emptied");
    }

    /// @notice Whatever the list, the taken set and the late joins, the holder is the first candidate of the
    /// MAX_TRIES that counts.
    function testFuzz_draw_firstCandidateThatCounts_succeeds(
        uint256 seed,
        uint8 column,
        uint16 count,
        uint256 takenMask,
        uint256 emptiedMask,
        uint256 lateMask
    ) public {
        count = uint16(bound(count, 1, 300));
        _addProviders(count);
        for (uint256 i; i < count && i < 256; ++i) {
            if (takenMask & (1 << i) != 0) taken[entries[i].account] = true;
            if (lateMask & (1 << i) != 0) entries[i].joinedAt = uint40(REQUESTED_AT);
            if (emptiedMask & (1 << i) != 0) delete entries[i];
        }
        address holder = _draw(seed, column);
        address expected;
        for (uint256 t; t < PlacementDraw.MAX_TRIES; ++t) {
            IDatasetRegistry.ProviderEntry memory entry = entries[PlacementDraw.candidateIndex(seed, column, t, count)];
            if (entry.account != address(0) && entry.joinedAt < REQUESTED_AT && !taken[entry.account]) {
                expected = entry.account;
                break;
            }
        }
        assertEq(holder, expected);
    }

    /// @notice The steering bound: a party that exits some of its providers after the word is public never
    /// gets more of a whole placement's columns than it would have (an exit only passes a column on).
    function testFuzz_draw_exitsAfterTheWordNeverGainColumns_succeeds(uint256 seed, uint8 count, uint256 sybilMask, uint256 exitMask)
        public
    {
        count = uint8(bound(count, 4, 40));
        _addProviders(count);
        uint256 n = count / 2 + 1;
        uint256 before = _sybilColumns(seed, n, sybilMask);
        for (uint256 i; i < count; ++i) {
            if (sybilMask & exitMask & (1 << i) != 0) delete entries[i];
        }
        assertLe(_sybilColumns(seed, n, sybilMask), before);
    }

    /// @dev Columns 0..n-1 of a whole placement from `seed` landing on the entries of `sybilMask` (taken flags reset after).
    function _sybilColumns(uint256 seed, uint256 n, uint256 sybilMask) internal returns (uint256 held) {
        address[] memory holders = new address[](n);
        for (uint256 column; column < n; ++column) {
            holders[column] = _draw(seed, column);
            taken[holders[column]] = true;
            if (holders[column] != address(0) && sybilMask & (1 << (uint160(holders[column]) - 0x1000)) != 0) ++held;
        }
        for (uint256 column; column < n; ++column) taken[holders[column]] = false;
    }
}
