// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AggregateReferee} from "../../../contracts/disputes/AggregateReferee.sol";
import {IDisputes} from "../../../contracts/interfaces/IDisputes.sol";
import {IRoundJobRegistry} from "../../../contracts/interfaces/IRoundJobRegistry.sol";

/// @notice Exposes the referee's recomputation of one coordinate to tests, many cases per eth_call, so the engine's
/// aggregation rules and outer step can be compared with it bit for bit on seeded random and edge-case words.
contract AggregateRefereeHarness is AggregateReferee {
    /// @notice One coordinate's inputs: the 20 subjects' words and the included slots (a bitmask of slots 0 … 15).
    struct Case {
        uint32[20] words;
        uint16 included;
    }

    constructor() AggregateReferee(IDisputes(address(0)), IRoundJobRegistry(address(0))) {}

    /// @notice For each case, the coordinate the referee computes as (parameter << 32 | momentum; momentum 0 when
    /// μ = 0), in a job of `slots` slots.
    function computed(AggregationProgram calldata program, uint256 slots, Case[] calldata cases)
        external
        pure
        returns (uint64[] memory results)
    {
        results = new uint64[](cases.length);
        for (uint256 i; i < cases.length; ++i) {
            (, results[i]) = _coordinate(program, cases[i].words, cases[i].included, slots);
        }
    }
}
