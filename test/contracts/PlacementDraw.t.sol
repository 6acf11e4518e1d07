// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {PlacementDraw} from "../../contracts/libraries/PlacementDraw.sol";

/// @notice PlacementDraw against the vectors of its TypeScript twin (test/keepers/chain/placementDraw.test.ts)
/// and, fuzzed, its rules: the holder is a provider not taken, found within MAX_TRIES.
contract PlacementDrawTest is Test {
    using EnumerableSet for EnumerableSet.AddressSet;

    EnumerableSet.AddressSet internal providers;
    mapping(address provider => bool) internal taken;

    function _addProviders(uint256 count) internal {
        for (uint256 i; i < count; ++i) providers.add(address(uint160(0x1000 + i)));
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
            address holder = PlacementDraw.draw(providers, taken, 42, column);
            assertEq(holder, providers.at(expected[column]), "the twin's index");
            taken[holder] = true;
        }
    }

    function test_draw_everyTryTaken_returnsZero_succeeds() public {
        _addProviders(3);
        for (uint256 i; i < 3; ++i) taken[providers.at(i)] = true;
        assertEq(PlacementDraw.draw(providers, taken, 42, 0), address(0));
        providers.remove(providers.at(0));
        providers.remove(providers.at(0));
        providers.remove(providers.at(0));
        assertEq(PlacementDraw.draw(providers, taken, 42, 0), address(0), "no provider");
    }

    /// @notice Whatever the list and the taken set, the holder is a listed provider not taken, and it is the
    /// first untaken candidate of the MAX_TRIES.
    function testFuzz_draw_firstUntakenCandidate_succeeds(uint256 seed, uint8 column, uint16 count, uint256 takenMask) public {
        count = uint16(bound(count, 1, 300));
        _addProviders(count);
        for (uint256 i; i < count && i < 256; ++i) {
            if (takenMask & (1 << i) != 0) taken[providers.at(i)] = true;
        }
        address holder = PlacementDraw.draw(providers, taken, seed, column);
        address expected;
        for (uint256 t; t < PlacementDraw.MAX_TRIES; ++t) {
            address candidate = providers.at(PlacementDraw.candidateIndex(seed, column, t, count));
            if (!taken[candidate]) {
                expected = candidate;
                break;
            }
        }
        assertEq(holder, expected);
        if (holder != address(0)) {
            assertTrue(providers.contains(holder) && !taken[holder], "a free provider");
        }
    }
}
