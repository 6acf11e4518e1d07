// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {VRFV2PlusClient} from "@chainlink/contracts/src/v0.8/vrf/dev/libraries/VRFV2PlusClient.sol";

/// @title VrfRequest
/// @notice The one Chainlink VRF v2.5 request shape the protocol uses: one random word, paid in LINK.
library VrfRequest {
    /// @notice VRF parameters of a deployment.
    /// @param keyHash Gas lane.
    /// @param subscriptionId Subscription paying for requests.
    /// @param callbackGasLimit Gas for the consumer's `fulfillRandomWords`.
    /// @param requestConfirmations Blocks the VRF service waits before answering.
    struct Params {
        bytes32 keyHash;
        uint256 subscriptionId;
        uint32 callbackGasLimit;
        uint16 requestConfirmations;
    }

    /// @notice The request for one random word with `params`.
    function oneWord(Params memory params) internal pure returns (VRFV2PlusClient.RandomWordsRequest memory) {
        return VRFV2PlusClient.RandomWordsRequest({
            keyHash: params.keyHash,
            subId: params.subscriptionId,
            requestConfirmations: params.requestConfirmations,
            callbackGasLimit: params.callbackGasLimit,
            numWords: 1,
            extraArgs: VRFV2PlusClient._argsToBytes(VRFV2PlusClient.ExtraArgsV1({nativePayment: false}))
        });
    }
}
