// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {VRFV2PlusClient} from "@chainlink/contracts/src/v0.8/vrf/dev/libraries/VRFV2PlusClient.sol";

/// @title IRandomWordsConsumer
/// @notice The callback a VRF v2.5 consumer exposes (Chainlink's `VRFConsumerBaseV2Plus`, our `VrfConsumer`).
interface IRandomWordsConsumer {
    /// @notice Delivers the words of request `requestId`; consumers accept it from their coordinator only.
    function rawFulfillRandomWords(uint256 requestId, uint256[] calldata randomWords) external;
}

/// @title IDrandBeaconCoordinator
/// @notice A stand-in for a Chainlink VRF v2.5 coordinator where VRF is not offered: each request is answered
/// with a future round of the drand beacon "evmnet" (scheme `bls-bn254-unchained-on-g1`, threshold BLS
/// signatures on BN254 G1), checked on chain against the beacon's public key (spec: docs/architecture.md,
/// "Randomness without Chainlink VRF: the drand beacon").
///
/// Life of a request: a consumer calls {requestRandomWords} (the request's consumer is `msg.sender`); the
/// request is given the first drand round whose time is at least `block.timestamp + minDelay` (Pending).
/// Once drand has published that round, anyone calls {fulfillRandomWords} with the round's signature; the
/// signature is verified, the request becomes Fulfilled, and the consumer's `rawFulfillRandomWords` is called
/// with the request's `callbackGasLimit`. A consumer that reverts leaves the request CallbackFailed: it is
/// never answered again. No account chooses a word: the round is fixed by the request's block, a round has one
/// valid signature (BLS signatures are unique), and the word is a hash of it.
///
/// Trust: drand's threshold of nodes does not collude (they could otherwise sign any round early), and block
/// timestamps lag real time by less than `minDelay` (otherwise a round could already be public when its
/// request is included). Liveness: someone must relay the signature; consumers' own time-outs cover silence.
interface IDrandBeaconCoordinator {
    /// @notice Where a request is.
    enum RequestStatus {
        None, // no such request
        Pending, // waiting for its round's signature
        Fulfilled, // answered; the consumer's callback succeeded
        CallbackFailed // answered; the consumer's callback reverted or ran out of gas
    }

    /// @notice A request.
    /// @param consumer The contract that asked and is called back.
    /// @param round The drand round that answers it.
    /// @param callbackGasLimit Gas given to the consumer's `rawFulfillRandomWords`.
    /// @param numWords Words delivered.
    /// @param status Where the request is.
    struct Request {
        address consumer;
        uint64 round;
        uint32 callbackGasLimit;
        uint32 numWords;
        RequestStatus status;
    }

    /// @notice Emitted when `consumer` asked for `numWords` words, to be answered by drand round `round`.
    event RandomWordsRequested(
        uint256 indexed requestId, address indexed consumer, uint64 round, uint32 callbackGasLimit, uint32 numWords
    );
    /// @notice Emitted when request `requestId` was answered by `round`'s `signature`; `success` says whether
    /// the consumer's callback succeeded.
    event RandomWordsFulfilled(uint256 indexed requestId, uint64 round, uint256[2] signature, bool success);

    /// @notice Thrown when the constructor gets a period or minimum delay of zero.
    error DrandBeaconCoordinatorInvalidTiming(uint64 period, uint64 minDelay);
    /// @notice Thrown when the constructor's public key is not a valid G2 point (off the twist, or not canonical).
    error DrandBeaconCoordinatorInvalidPublicKey(uint256[4] publicKey);
    /// @notice Thrown when a request asks for `numWords` words, outside 1..`maxNumWords`.
    error DrandBeaconCoordinatorInvalidNumWords(uint32 numWords, uint32 maxNumWords);
    /// @notice Thrown when a request's `callbackGasLimit` exceeds `maxCallbackGasLimit`.
    error DrandBeaconCoordinatorCallbackGasLimitTooHigh(uint32 callbackGasLimit, uint32 maxCallbackGasLimit);
    /// @notice Thrown when request `requestId` is not Pending (unknown, or already answered: `status`).
    error DrandBeaconCoordinatorNotPending(uint256 requestId, RequestStatus status);
    /// @notice Thrown when `signature` is not drand's signature of round `round`.
    error DrandBeaconCoordinatorInvalidSignature(uint256 requestId, uint64 round, uint256[2] signature);
    /// @notice Thrown when the relayer left `gasLeft` gas before the callback, fewer than `gasNeeded`, so the
    /// consumer would not get its full `callbackGasLimit`.
    error DrandBeaconCoordinatorInsufficientGas(uint256 gasLeft, uint256 gasNeeded);

    /// @notice Records a request for `req.numWords` random words by `msg.sender`, to be answered by the first
    /// drand round whose time is at least `block.timestamp + minDelay`. `keyHash`, `subId`,
    /// `requestConfirmations` and `extraArgs` are accepted and ignored: nothing is paid, and the delay replaces
    /// confirmations.
    /// @dev Requirements: 1 ≤ `numWords` ≤ {maxNumWords}; `callbackGasLimit` ≤ {maxCallbackGasLimit}.
    /// Emits {RandomWordsRequested}.
    /// @return requestId The request's id, counting from 1.
    function requestRandomWords(VRFV2PlusClient.RandomWordsRequest calldata req) external returns (uint256 requestId);

    /// @notice Answers request `requestId` with `signature`, drand's BLS signature of the request's round
    /// (a G1 point `[x, y]`, as drand's HTTP API gives it: the 64 bytes split in two), then calls the
    /// consumer's `rawFulfillRandomWords(requestId, words)` with `words[i] = {randomWord}(requestId, i, signature)`.
    /// Anyone may call it.
    /// @dev Requirements: the request is Pending; `signature` is a canonical G1 point that verifies; the
    /// caller left enough gas for the full `callbackGasLimit`. The request is marked answered before the call,
    /// so it is answered once whatever the consumer does. Emits {RandomWordsFulfilled}.
    function fulfillRandomWords(uint256 requestId, uint256[2] calldata signature) external;

    /// @notice Word `index` of request `requestId` answered by `signature`:
    /// `uint256(keccak256(abi.encode(block.chainid, address(this), requestId, index, signature[0], signature[1])))`.
    function randomWord(uint256 requestId, uint256 index, uint256[2] calldata signature)
        external
        view
        returns (uint256);

    /// @notice Requests made so far: ids run from 1 to this.
    function requestCount() external view returns (uint256);

    /// @notice Request `requestId` (all zero if unknown).
    function getRequest(uint256 requestId) external view returns (Request memory);

    /// @notice The drand round whose time is the first at or after `timestamp` (round 1 is at `genesisTime`).
    function roundAt(uint256 timestamp) external view returns (uint64);

    /// @notice When drand publishes round `round` (≥ 1): `genesisTime + (round - 1) · period`.
    function roundTime(uint64 round) external view returns (uint256);

    /// @notice The message drand signs for round `round`: keccak256 of the round as 8 big-endian bytes.
    function roundMessage(uint64 round) external pure returns (bytes memory);

    /// @notice Whether `signature` is the beacon's valid signature of round `round`.
    /// @dev Reverts (with BlsBn254's errors) when `signature` is not a canonical G1 point.
    function verifyRound(uint64 round, uint256[2] calldata signature) external view returns (bool);

    /// @notice The beacon's public key in G2, EIP-197 order `[x.c1, x.c0, y.c1, y.c0]`.
    function publicKey() external view returns (uint256[4] memory);

    /// @notice Time of round 1 (unix seconds).
    function genesisTime() external view returns (uint64);
    /// @notice Seconds between rounds.
    function period() external view returns (uint64);
    /// @notice Seconds between a request's block time and its round's time, at least.
    function minDelay() external view returns (uint64);
    /// @notice The largest `callbackGasLimit` a request may ask for.
    function maxCallbackGasLimit() external view returns (uint32);
    /// @notice The most words a request may ask for.
    function maxNumWords() external view returns (uint32);
}
