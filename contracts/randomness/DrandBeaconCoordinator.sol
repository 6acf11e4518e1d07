// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {VRFV2PlusClient} from "@chainlink/contracts/src/v0.8/vrf/dev/libraries/VRFV2PlusClient.sol";
import {IDrandBeaconCoordinator, IRandomWordsConsumer} from "../interfaces/IDrandBeaconCoordinator.sol";
import {BlsBn254} from "../libraries/BlsBn254.sol";

/// @title DrandBeaconCoordinator
/// @notice Answers VRF v2.5-shaped requests with future rounds of the drand beacon "evmnet", verified on chain.
/// No owner, no admin: the beacon's key, genesis, period and the delay are immutable.
/// @dev Gas (cancun, optimizer 200 runs, measured in test/contracts/DrandBeaconCoordinator.test.ts):
/// {verifyRound} ~140k; {fulfillRandomWords} ~174k (transaction) plus the consumer's callback; a request ~76k.
contract DrandBeaconCoordinator is IDrandBeaconCoordinator {
    /// @notice RFC 9380 domain separation tag of drand's BN254 G1 signatures.
    bytes public constant DST = "BLS_SIG_BN254G1_XMD:KECCAK-256_SVDW_RO_NUL_";

    /// @inheritdoc IDrandBeaconCoordinator
    uint32 public constant maxNumWords = 16;
    /// @inheritdoc IDrandBeaconCoordinator
    uint32 public constant maxCallbackGasLimit = 5_000_000;
    /// @dev Gas kept back around the callback: the CALL itself (cold account 2,600), the status write after a
    /// failure and the event. The relayer must leave `callbackGasLimit · 64/63 + CALLBACK_RESERVE`.
    uint256 private constant CALLBACK_RESERVE = 30_000;

    uint256 private immutable publicKey0;
    uint256 private immutable publicKey1;
    uint256 private immutable publicKey2;
    uint256 private immutable publicKey3;
    /// @inheritdoc IDrandBeaconCoordinator
    uint64 public immutable genesisTime;
    /// @inheritdoc IDrandBeaconCoordinator
    uint64 public immutable period;
    /// @inheritdoc IDrandBeaconCoordinator
    uint64 public immutable minDelay;

    /// @inheritdoc IDrandBeaconCoordinator
    uint256 public requestCount;
    mapping(uint256 requestId => Request) private requests;

    /// @param publicKey_ The beacon's G2 public key, EIP-197 order `[x.c1, x.c0, y.c1, y.c0]` (drand's 128-byte
    /// `public_key` split into four words in order).
    /// @param genesisTime_ Time of round 1 (drand's `genesis_time`).
    /// @param period_ Seconds between rounds (drand's `period`), > 0.
    /// @param minDelay_ Least seconds between a request's block time and its round's time, > 0. It must exceed
    /// how far the chain's block timestamps may lag real time, or a round could be public when its request is
    /// included.
    constructor(uint256[4] memory publicKey_, uint64 genesisTime_, uint64 period_, uint64 minDelay_) {
        if (period_ == 0 || minDelay_ == 0) revert DrandBeaconCoordinatorInvalidTiming(period_, minDelay_);
        if (!BlsBn254.isG2(publicKey_)) revert DrandBeaconCoordinatorInvalidPublicKey(publicKey_);
        publicKey0 = publicKey_[0];
        publicKey1 = publicKey_[1];
        publicKey2 = publicKey_[2];
        publicKey3 = publicKey_[3];
        genesisTime = genesisTime_;
        period = period_;
        minDelay = minDelay_;
    }

    // ------------------------------------------------------------------ requests

    /// @inheritdoc IDrandBeaconCoordinator
    function requestRandomWords(VRFV2PlusClient.RandomWordsRequest calldata req) external returns (uint256 requestId) {
        // INVARIANT: a request asks for 1..maxNumWords words, so the callback's loop is bounded.
        if (req.numWords == 0 || req.numWords > maxNumWords) {
            revert DrandBeaconCoordinatorInvalidNumWords(req.numWords, maxNumWords);
        }
        // INVARIANT: a relayer can always supply the callback's gas within a block.
        if (req.callbackGasLimit > maxCallbackGasLimit) {
            revert DrandBeaconCoordinatorCallbackGasLimitTooHigh(req.callbackGasLimit, maxCallbackGasLimit);
        }
        // INVARIANT: the round's time is at least minDelay after this block's, so nobody knows its beacon yet.
        uint64 round = roundAt(block.timestamp + minDelay);
        requestId = ++requestCount;
        requests[requestId] = Request({
            consumer: msg.sender,
            round: round,
            callbackGasLimit: req.callbackGasLimit,
            numWords: req.numWords,
            status: RequestStatus.Pending
        });
        emit RandomWordsRequested(requestId, msg.sender, round, req.callbackGasLimit, req.numWords);
    }

    /// @inheritdoc IDrandBeaconCoordinator
    function fulfillRandomWords(uint256 requestId, uint256[2] calldata signature) external {
        Request storage request = requests[requestId];
        RequestStatus status = request.status;
        // INVARIANT: a request is answered once.
        if (status != RequestStatus.Pending) revert DrandBeaconCoordinatorNotPending(requestId, status);
        uint64 round = request.round;
        // INVARIANT: the answer is the request's own round, signed by the beacon.
        if (!verifyRound(round, signature)) revert DrandBeaconCoordinatorInvalidSignature(requestId, round, signature);

        address consumer = request.consumer;
        uint32 callbackGasLimit = request.callbackGasLimit;
        uint256[] memory words = new uint256[](request.numWords);
        for (uint256 i = 0; i < words.length; ++i) {
            words[i] = _word(requestId, i, signature);
        }
        // Effects before the call: a reentrant or reverting consumer cannot get a second answer.
        request.status = RequestStatus.Fulfilled;

        bool success = _callWithExactGas(
            consumer,
            callbackGasLimit,
            abi.encodeCall(IRandomWordsConsumer.rawFulfillRandomWords, (requestId, words))
        );
        // Recorded after the call; the request is no longer Pending either way, so reentrancy gains nothing.
        if (!success) request.status = RequestStatus.CallbackFailed;
        emit RandomWordsFulfilled(requestId, round, signature, success);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IDrandBeaconCoordinator
    function randomWord(uint256 requestId, uint256 index, uint256[2] calldata signature)
        external
        view
        returns (uint256)
    {
        return _word(requestId, index, signature);
    }

    /// @inheritdoc IDrandBeaconCoordinator
    function getRequest(uint256 requestId) external view returns (Request memory) {
        return requests[requestId];
    }

    /// @inheritdoc IDrandBeaconCoordinator
    function roundAt(uint256 timestamp) public view returns (uint64) {
        if (timestamp <= genesisTime) return 1;
        // ceil((timestamp - genesis) / period) rounds after round 1; timestamp > genesisTime, period > 0.
        return uint64((timestamp - genesisTime + period - 1) / period + 1);
    }

    /// @inheritdoc IDrandBeaconCoordinator
    function roundTime(uint64 round) external view returns (uint256) {
        if (round == 0) return genesisTime;
        return uint256(genesisTime) + uint256(round - 1) * period;
    }

    /// @inheritdoc IDrandBeaconCoordinator
    function roundMessage(uint64 round) public pure returns (bytes memory) {
        return abi.encodePacked(keccak256(abi.encodePacked(round)));
    }

    /// @inheritdoc IDrandBeaconCoordinator
    function verifyRound(uint64 round, uint256[2] calldata signature) public view returns (bool) {
        return BlsBn254.verify(signature, publicKey(), roundMessage(round), DST);
    }

    /// @inheritdoc IDrandBeaconCoordinator
    function publicKey() public view returns (uint256[4] memory) {
        return [publicKey0, publicKey1, publicKey2, publicKey3];
    }

    // ------------------------------------------------------------------ helpers

    /// @dev Word `index` of request `requestId`; bound to this chain and coordinator, so the same round answers
    /// different requests (and deployments) with independent words.
    function _word(uint256 requestId, uint256 index, uint256[2] calldata signature) private view returns (uint256) {
        return uint256(
            keccak256(abi.encode(block.chainid, address(this), requestId, index, signature[0], signature[1]))
        );
    }

    /// @dev Calls `target` with exactly `gasAmount` gas, copying no return data (a consumer cannot make the
    /// relayer pay for a large one). Reverts with {DrandBeaconCoordinatorInsufficientGas} when fewer than
    /// `gasAmount · 64/63 + CALLBACK_RESERVE` are left: EIP-150 would otherwise hand the consumer only 63/64
    /// of what is left, and a relayer could starve it into failing on purpose.
    function _callWithExactGas(address target, uint256 gasAmount, bytes memory data) private returns (bool success) {
        uint256 gasNeeded = gasAmount + gasAmount / 63 + CALLBACK_RESERVE;
        uint256 gasLeft = gasleft();
        // INVARIANT: the consumer gets its whole callbackGasLimit, so its failure is its own.
        if (gasLeft < gasNeeded) revert DrandBeaconCoordinatorInsufficientGas(gasLeft, gasNeeded);
        assembly ("memory-safe") {
            success := call(gasAmount, target, 0, add(data, 32), mload(data), 0, 0)
        }
    }
}
