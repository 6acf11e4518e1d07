// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IVRFCoordinatorV2Plus} from "@chainlink/contracts/src/v0.8/vrf/dev/interfaces/IVRFCoordinatorV2Plus.sol";
import {IVRFMigratableConsumerV2Plus} from
    "@chainlink/contracts/src/v0.8/vrf/dev/interfaces/IVRFMigratableConsumerV2Plus.sol";
import {VRFV2PlusClient} from "@chainlink/contracts/src/v0.8/vrf/dev/libraries/VRFV2PlusClient.sol";
import {VrfRequest} from "../libraries/VrfRequest.sol";

/// @title VrfConsumer
/// @notice A Chainlink VRF v2.5 consumer whose coordinator only `governance` can change.
/// @dev Replaces Chainlink's `VRFConsumerBaseV2Plus`, which makes the deployer its `owner` and lets the
/// owner (or the coordinator) repoint the coordinator at once: whoever does that answers every later
/// request and so chooses committees, placements and audit seeds. Here no account owns the consumer;
/// `governance` is a `TimelockController`, so a new coordinator is scheduled in public and takes
/// effect only after the timelock's delay, which the deployment keeps longer than any challenge
/// window and verdict period. A coordinator's own migration call is refused too (it would skip the
/// delay), so a Chainlink migration also goes through governance.
abstract contract VrfConsumer is IVRFMigratableConsumerV2Plus {
    /// @notice Thrown when `caller`, not the coordinator `coordinator`, delivers random words.
    error VrfConsumerOnlyCoordinator(address caller, address coordinator);
    /// @notice Thrown when `caller`, not `governance`, tries to change the coordinator.
    error VrfConsumerOnlyGovernance(address caller, address governance);
    /// @notice Thrown when a coordinator or governance address is zero.
    error VrfConsumerZeroAddress();
    /// @notice Thrown when governance sets `coordinator`, which was this consumer's coordinator before (or is now).
    error VrfConsumerCoordinatorUsed(address coordinator);
    /// @notice Thrown when a VRF request ran out of gas; `gasBefore` was left before the call.
    error VrfConsumerRequestOutOfGas(uint256 gasBefore);
    /// @notice Thrown when the coordinator refused a request because it was made from inside one of its own
    /// callbacks (`coordinator`'s `Reentrant()`): not a refusal of this consumer.
    error VrfConsumerRequestReentered(address coordinator);

    /// @dev Chainlink's VRF v2.5 coordinator (and its mock) refuse any request while they call a consumer back.
    bytes4 private constant _COORDINATOR_REENTRANT = bytes4(keccak256("Reentrant()"));

    /// @notice The account that may change the coordinator: a `TimelockController`.
    address public immutable governance;
    /// @notice The coordinator requests go to and answers must come from.
    IVRFCoordinatorV2Plus public vrfCoordinator;
    /// @notice How many times governance changed the coordinator: a request made in an earlier epoch will never
    /// be answered here (a consumer may send it again).
    uint32 public coordinatorEpoch;
    /// @dev Every coordinator this consumer has had: none comes back, so a request left with a replaced coordinator
    /// is never answered, and an answer is never routed to a request of another coordinator that reused its id.
    mapping(address coordinator => bool) private _pastCoordinators;

    /// @param coordinator The VRF v2.5 coordinator (locally `VRFCoordinatorV2_5Mock`).
    /// @param governance_ The timelock allowed to change it.
    constructor(address coordinator, address governance_) {
        if (coordinator == address(0) || governance_ == address(0)) revert VrfConsumerZeroAddress();
        vrfCoordinator = IVRFCoordinatorV2Plus(coordinator);
        _pastCoordinators[coordinator] = true;
        governance = governance_;
        emit CoordinatorSet(coordinator);
    }

    /// @notice Called by the coordinator with the random words of request `requestId`.
    function rawFulfillRandomWords(uint256 requestId, uint256[] calldata randomWords) external {
        address coordinator = address(vrfCoordinator);
        if (msg.sender != coordinator) revert VrfConsumerOnlyCoordinator(msg.sender, coordinator);
        fulfillRandomWords(requestId, randomWords);
    }

    /// @notice Points requests and answers at `coordinator` and starts a new `coordinatorEpoch`; answers to
    /// earlier requests from the old coordinator are refused from then on (every waiting state has its own
    /// time-out, and ValidatorCommittee renews its pending requests). A coordinator is never set twice: were an
    /// old one reinstated, it could answer requests left pending with it long after their words were public, or
    /// answer an id another coordinator has since reused (a new instance of the same coordinator contract serves).
    /// @dev Requirements: the caller is `governance`; `coordinator` is not zero and was never this consumer's
    /// coordinator. Emits {CoordinatorSet}.
    function setCoordinator(address coordinator) external {
        if (msg.sender != governance) revert VrfConsumerOnlyGovernance(msg.sender, governance);
        if (coordinator == address(0)) revert VrfConsumerZeroAddress();
        if (_pastCoordinators[coordinator]) revert VrfConsumerCoordinatorUsed(coordinator);
        _pastCoordinators[coordinator] = true;
        vrfCoordinator = IVRFCoordinatorV2Plus(coordinator);
        ++coordinatorEpoch;
        emit CoordinatorSet(coordinator);
    }

    /// @dev Requests one random word with `params`; reverts if the coordinator does.
    function _requestRandomWord(VrfRequest.Params memory params) internal returns (uint256 requestId) {
        return vrfCoordinator.requestRandomWords(VrfRequest.oneWord(params));
    }

    /// @dev Requests one random word with `params`, returning `requested = false` instead of reverting when
    /// the coordinator refuses (e.g. the subscription no longer lists this consumer), so that a caller can
    /// carry on without randomness. A refusal cannot be forged by starving the call of gas: if the coordinator
    /// used up what it was given (so at most 1/64 of the gas before the call is left), this reverts with
    /// {VrfConsumerRequestOutOfGas}. Nor by calling from inside a coordinator's callback (a contract of any
    /// subscription, answering its own request, calls a function that requests here): the coordinator then refuses
    /// every request as re-entered, and this reverts with {VrfConsumerRequestReentered}.
    function _tryRequestRandomWord(VrfRequest.Params memory params)
        internal
        returns (bool requested, uint256 requestId)
    {
        VRFV2PlusClient.RandomWordsRequest memory request = VrfRequest.oneWord(params);
        uint256 gasBefore = gasleft();
        try vrfCoordinator.requestRandomWords(request) returns (uint256 id) {
            return (true, id);
        } catch (bytes memory reason) {
            // INVARIANT: a refusal counts only if the coordinator had gas to spare (it did not run out) and refused
            // this consumer, not a call made inside its own callback.
            if (gasleft() <= gasBefore / 63) revert VrfConsumerRequestOutOfGas(gasBefore);
            if (reason.length == 4 && bytes4(reason) == _COORDINATOR_REENTRANT) {
                revert VrfConsumerRequestReentered(address(vrfCoordinator));
            }
            return (false, 0);
        }
    }

    /// @dev Handles the random words of request `requestId`.
    function fulfillRandomWords(uint256 requestId, uint256[] calldata randomWords) internal virtual;
}
