// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {VRFV2PlusClient} from "@chainlink/contracts/src/v0.8/vrf/dev/libraries/VRFV2PlusClient.sol";
import {VrfConsumer} from "../../../contracts/randomness/VrfConsumer.sol";

/// @title VrfCoordinatorDouble
/// @notice Test double of a coordinator a consumer is repointed to: it takes every request, whatever its
/// subscription (a real migration carries the subscription over), unless told to refuse (a subscription not
/// listing the consumer yet); numbers them from 1 as Chainlink's mock does (so its ids collide with the old
/// coordinator's), and answers one when the test says so.
contract VrfCoordinatorDouble {
    /// @notice Thrown by a request while the double refuses.
    error VrfCoordinatorDoubleRefused();

    /// @notice The consumer of each request id issued.
    mapping(uint256 requestId => address consumer) public consumerOf;
    uint256 public requestCount;
    /// @notice Whether requests are refused.
    bool public refusing;

    function setRefusing(bool refusing_) external {
        refusing = refusing_;
    }

    /// @notice Takes a request (unless refusing); the id counts from 1.
    function requestRandomWords(VRFV2PlusClient.RandomWordsRequest calldata) external returns (uint256 requestId) {
        if (refusing) revert VrfCoordinatorDoubleRefused();
        requestId = ++requestCount;
        consumerOf[requestId] = msg.sender;
    }

    /// @notice Answers request `requestId` with `word`, bubbling up the consumer's revert.
    function answer(uint256 requestId, uint256 word) external {
        uint256[] memory words = new uint256[](1);
        words[0] = word;
        VrfConsumer(consumerOf[requestId]).rawFulfillRandomWords(requestId, words);
    }
}
