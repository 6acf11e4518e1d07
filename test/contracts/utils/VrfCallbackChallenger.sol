// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IVRFCoordinatorV2Plus} from "@chainlink/contracts/src/v0.8/vrf/dev/interfaces/IVRFCoordinatorV2Plus.sol";
import {VRFV2PlusClient} from "@chainlink/contracts/src/v0.8/vrf/dev/libraries/VRFV2PlusClient.sol";
import {IDisputes} from "../../../contracts/interfaces/IDisputes.sol";

/// @title VrfCallbackChallenger
/// @notice Test double of an attacker: a consumer of its own VRF subscription that challenges a job from inside the
/// coordinator's callback, where the coordinator refuses every request as re-entered, hoping the challenge's committee
/// request counts as refused (no committee: the job fails unpaid). It records whether its callback's challenge went through.
contract VrfCallbackChallenger {
    IVRFCoordinatorV2Plus public immutable coordinator;
    IDisputes public immutable disputes;
    uint256 public jobId;
    uint64 public checkpointIndex;
    bytes32 public claimedHash;
    /// @notice The revert data of the challenge made in the last callback (empty if it went through).
    bytes public failure;
    bool public answered;

    constructor(IVRFCoordinatorV2Plus coordinator_, IDisputes disputes_) {
        coordinator = coordinator_;
        disputes = disputes_;
    }

    /// @notice Approves the bond (held by this contract) and requests a word of subscription `subscriptionId`,
    /// whose answer challenges checkpoint `index` of job `jobId_`.
    function arm(IERC20 token, uint256 subscriptionId, uint256 jobId_, uint64 index, bytes32 claimed) external returns (uint256) {
        (jobId, checkpointIndex, claimedHash) = (jobId_, index, claimed);
        token.approve(address(disputes), type(uint256).max);
        return coordinator.requestRandomWords(
            VRFV2PlusClient.RandomWordsRequest({
                keyHash: bytes32(0),
                subId: subscriptionId,
                requestConfirmations: 0,
                callbackGasLimit: 2_000_000,
                numWords: 1,
                extraArgs: VRFV2PlusClient._argsToBytes(VRFV2PlusClient.ExtraArgsV1({nativePayment: false}))
            })
        );
    }

    /// @notice The coordinator's callback: challenges the armed job.
    function rawFulfillRandomWords(uint256, uint256[] calldata) external {
        answered = true;
        try disputes.challenge(jobId, checkpointIndex, claimedHash) {
            delete failure;
        } catch (bytes memory reason) {
            failure = reason;
        }
    }
}
