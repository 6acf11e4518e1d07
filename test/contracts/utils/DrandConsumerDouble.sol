// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {VRFV2PlusClient} from "@chainlink/contracts/src/v0.8/vrf/dev/libraries/VRFV2PlusClient.sol";
import {IDrandBeaconCoordinator} from "../../../contracts/interfaces/IDrandBeaconCoordinator.sol";

/// @notice A consumer of DrandBeaconCoordinator whose callback accepts, reverts, burns all its gas, or re-enters.
contract DrandConsumerDouble {
    enum Mode {
        Accept,
        Revert,
        BurnGas,
        Reenter
    }

    error DrandConsumerDoubleRefused(uint256 requestId);

    IDrandBeaconCoordinator public immutable coordinator;
    Mode public mode;
    uint256 public lastRequestId;
    uint256[] public lastWords;
    uint256 public callbacks;
    bytes public reentryError;
    uint256[2] private reentrySignature;

    constructor(IDrandBeaconCoordinator coordinator_) {
        coordinator = coordinator_;
    }

    function setMode(Mode mode_, uint256[2] calldata signature) external {
        mode = mode_;
        reentrySignature = signature;
    }

    function request(uint32 callbackGasLimit, uint32 numWords) external returns (uint256 requestId) {
        requestId = coordinator.requestRandomWords(
            VRFV2PlusClient.RandomWordsRequest({
                keyHash: bytes32(0),
                subId: 0,
                requestConfirmations: 3,
                callbackGasLimit: callbackGasLimit,
                numWords: numWords,
                extraArgs: VRFV2PlusClient._argsToBytes(VRFV2PlusClient.ExtraArgsV1({nativePayment: false}))
            })
        );
    }

    function rawFulfillRandomWords(uint256 requestId, uint256[] calldata words) external {
        if (msg.sender != address(coordinator)) revert DrandConsumerDoubleRefused(requestId);
        if (mode == Mode.Revert) revert DrandConsumerDoubleRefused(requestId);
        if (mode == Mode.BurnGas) {
            while (true) {}
        }
        if (mode == Mode.Reenter) {
            try coordinator.fulfillRandomWords(requestId, reentrySignature) {}
            catch (bytes memory reason) {
                reentryError = reason;
            }
        }
        ++callbacks;
        lastRequestId = requestId;
        lastWords = words;
    }

    function lastWordCount() external view returns (uint256) {
        return lastWords.length;
    }
}
