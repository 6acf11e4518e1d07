// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {VRFV2PlusClient} from "@chainlink/contracts/src/v0.8/vrf/dev/libraries/VRFV2PlusClient.sol";
import {BlsBn254} from "../../contracts/libraries/BlsBn254.sol";
import {DrandBeaconCoordinator} from "../../contracts/randomness/DrandBeaconCoordinator.sol";

/// @notice Fuzzed rules of the drand coordinator and its BLS library: a request's round is the first at or after
/// `block.timestamp + minDelay`; every field element maps to a point on the curve; a real evmnet beacon verifies.
contract DrandBeaconCoordinatorTest is Test {
    uint64 internal constant GENESIS = 1727521075;
    uint64 internal constant PERIOD = 3;
    uint64 internal constant MIN_DELAY = 300;
    bytes internal constant DST = "BLS_SIG_BN254G1_XMD:KECCAK-256_SVDW_RO_NUL_";

    DrandBeaconCoordinator internal coordinator;

    function setUp() public {
        coordinator = new DrandBeaconCoordinator(
            [
                0x07e1d1d335df83fa98462005690372c643340060d205306a9aa8106b6bd0b382,
                0x0557ec32c2ad488e4d4f6008f89a346f18492092ccc0d594610de2732c8b808f,
                0x0095685ae3a85ba243747b1b2f426049010f6b73a0cf1d389351d5aaaa1047f6,
                0x297d3a4f9749b33eb2d904c9d9ebf17224150ddd7abd7567a9bec6c74480ee0b
            ],
            GENESIS,
            PERIOD,
            MIN_DELAY
        );
    }

    function testFuzz_roundAt_firstRoundAtOrAfter_succeeds(uint256 timestamp) public view {
        timestamp = bound(timestamp, 0, type(uint40).max);
        uint64 round = coordinator.roundAt(timestamp);
        assertGe(coordinator.roundTime(round), timestamp, "published at or after the time");
        if (round > 1) assertLt(coordinator.roundTime(round - 1), timestamp, "the round before is earlier");
    }

    function testFuzz_requestRandomWords_roundAfterMinDelay_succeeds(uint256 timestamp) public {
        timestamp = bound(timestamp, block.timestamp, type(uint40).max);
        vm.warp(timestamp);
        uint256 requestId = coordinator.requestRandomWords(
            VRFV2PlusClient.RandomWordsRequest({
                keyHash: bytes32(0),
                subId: 0,
                requestConfirmations: 0,
                callbackGasLimit: 100_000,
                numWords: 1,
                extraArgs: ""
            })
        );
        uint64 round = coordinator.getRequest(requestId).round;
        assertGe(coordinator.roundTime(round), timestamp + MIN_DELAY);
        if (round > 1) assertLt(coordinator.roundTime(round - 1), timestamp + MIN_DELAY);
    }

    function testFuzz_mapToPoint_onCurve_succeeds(uint256 u) public view {
        u = bound(u, 0, BlsBn254.P - 1);
        uint256[2] memory point = BlsBn254.mapToPoint(u);
        BlsBn254.checkG1(point);
        assertEq(point[1] & 1, u & 1, "sgn0(y) = sgn0(u)");
    }

    function test_verifyRound_realEvmnetBeacon_succeeds() public view {
        uint256[2] memory signature = [
            0x2c7b65b5acfe55256910ca71cf0a0fa71ac34c2a1167f86a22930a03e70ebec0,
            0x0f7a530796e7ee38600b06da0390634a9b154e3eebc3b323dde2111e1c8ebdf3
        ];
        assertTrue(coordinator.verifyRound(10_000_000, signature));
        assertFalse(coordinator.verifyRound(9_999_999, signature));
    }
}
