// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {VRFCoordinatorV2_5Mock} from "@chainlink/contracts/src/v0.8/vrf/mocks/VRFCoordinatorV2_5Mock.sol";
import {StakeManager} from "../../contracts/staking/StakeManager.sol";
import {ValidatorCommittee} from "../../contracts/disputes/ValidatorCommittee.sol";
import {IValidatorCommittee} from "../../contracts/interfaces/IValidatorCommittee.sol";
import {VeritrainToken} from "../../contracts/token/VeritrainToken.sol";

/// @notice Fuzzes the VRF-driven committee draw: it must always yield `size` distinct current validators.
/// This contract holds REQUESTER_ROLE itself so each run can request a draw without a dispute.
contract ValidatorCommitteeFuzzTest is Test {
    uint96 internal constant VALIDATOR_STAKE = 10e18;
    uint256 internal constant MAX_VALIDATORS = 24;

    VeritrainToken internal token;
    StakeManager internal stakeManager;
    VRFCoordinatorV2_5Mock internal vrf;
    ValidatorCommittee internal committee;
    uint256 internal subId;

    function _deploy(uint8 size) internal {
        token = new VeritrainToken(address(this), 1e30);
        stakeManager = new StakeManager(token, makeAddr("treasury"), 1 days, 5000, address(this));
        vrf = new VRFCoordinatorV2_5Mock(0, 0, 1e18);
        subId = vrf.createSubscription();
        vrf.fundSubscription(subId, 100 ether);
        committee = new ValidatorCommittee(
            address(vrf), makeAddr("governance"),
            stakeManager,
            IValidatorCommittee.Config({
                keyHash: bytes32(0),
                subscriptionId: subId,
                callbackGasLimit: 2_500_000,
                requestConfirmations: 3,
                size: size,
                threshold: 1,
                validatorStake: VALIDATOR_STAKE
            }),
            address(this)
        );
        vrf.addConsumer(subId, address(committee));
        stakeManager.grantRole(stakeManager.MODULE_ROLE(), address(committee));
        committee.grantRole(committee.REQUESTER_ROLE(), address(this));
    }

    function _validator(uint256 i) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode("validator", i)))));
    }

    function _join(uint256 count) internal {
        for (uint256 i; i < count; ++i) {
            address v = _validator(i);
            token.transfer(v, VALIDATOR_STAKE);
            vm.startPrank(v);
            token.approve(address(stakeManager), VALIDATOR_STAKE);
            stakeManager.stake(VALIDATOR_STAKE);
            committee.join();
            vm.stopPrank();
        }
    }

    /// @dev Every member is in `current` and no member appears twice.
    function _assertDistinctCurrent(address[] memory members, address[] memory current) internal pure {
        for (uint256 i; i < members.length; ++i) {
            bool found;
            for (uint256 k; k < current.length; ++k) {
                if (current[k] == members[i]) found = true;
            }
            assertTrue(found, "member is not a current validator");
            for (uint256 k = i + 1; k < members.length; ++k) {
                assertTrue(members[i] != members[k], "member drawn twice");
            }
        }
    }

    /// @notice For any seed, validator count >= size and any prior exits, the draw yields exactly
    /// `size` distinct members of the validator set at fulfilment time.
    function testFuzz_fulfillRandomWords_anySeed_drawsDistinctValidators_succeeds(
        uint256 seed,
        uint8 size,
        uint256 count,
        uint256 exits,
        uint256 disputeId
    ) public {
        size = uint8(bound(size, 1, 9));
        count = bound(count, size, MAX_VALIDATORS);
        exits = bound(exits, 0, count - size);
        // Disputes numbers disputes from 1 upward; the committee stores disputeId + 1.
        disputeId = bound(disputeId, 1, type(uint64).max);
        _deploy(size);
        _join(count);
        for (uint256 i; i < exits; ++i) {
            address[] memory current = committee.validators();
            vm.prank(current[uint256(keccak256(abi.encode(seed, "exit", i))) % current.length]);
            committee.exit();
        }
        uint256 requestId = committee.requestCommittee(disputeId);
        uint256[] memory words = new uint256[](1);
        words[0] = seed;
        vrf.fulfillRandomWordsWithOverride(requestId, address(committee), words);

        address[] memory members = committee.committeeOf(disputeId);
        assertEq(members.length, size, "committee size");
        _assertDistinctCurrent(members, committee.validators());
    }

    /// @notice The mock's default randomness (no override) also yields a full committee of distinct validators.
    function testFuzz_fulfillRandomWords_mockRandomness_drawsDistinctValidators_succeeds(uint8 size, uint256 count)
        public
    {
        size = uint8(bound(size, 1, 9));
        count = bound(count, size, MAX_VALIDATORS);
        _deploy(size);
        _join(count);
        uint256 requestId = committee.requestCommittee(1);
        vrf.fulfillRandomWords(requestId, address(committee));
        address[] memory members = committee.committeeOf(1);
        assertEq(members.length, size, "committee size");
        _assertDistinctCurrent(members, committee.validators());
    }

    /// @notice Validators exiting between request and fulfilment shrink the committee to the
    /// remaining set, still without duplicates (the documented degraded case).
    function testFuzz_fulfillRandomWords_setShrankAfterRequest_drawsAllRemaining_succeeds(uint256 seed, uint256 exits)
        public
    {
        uint8 size = 5;
        _deploy(size);
        _join(size);
        uint256 requestId = committee.requestCommittee(1);
        exits = bound(exits, 1, size - 1);
        for (uint256 i; i < exits; ++i) {
            vm.prank(_validator(i));
            committee.exit();
        }
        uint256[] memory words = new uint256[](1);
        words[0] = seed;
        vrf.fulfillRandomWordsWithOverride(requestId, address(committee), words);
        address[] memory members = committee.committeeOf(1);
        assertEq(members.length, size - exits, "committee shrinks to the remaining validators");
        _assertDistinctCurrent(members, committee.validators());
    }

    /// @notice Requesting a committee larger than the validator set reverts with the counts.
    function testFuzz_requestCommittee_tooFewValidators_reverts(uint8 size, uint256 count) public {
        size = uint8(bound(size, 2, 9));
        count = bound(count, 0, size - 1);
        _deploy(size);
        _join(count);
        vm.expectRevert(
            abi.encodeWithSelector(
                IValidatorCommittee.ValidatorCommitteeNotEnoughValidators.selector, count, uint256(size)
            )
        );
        committee.requestCommittee(1);
    }
}
