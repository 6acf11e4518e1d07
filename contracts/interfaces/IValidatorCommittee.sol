// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IValidatorCommittee
/// @notice The staked validator set, and for each dispute a committee of `size` validators drawn
/// from Chainlink VRF randomness, at least `threshold` of whom must sign its verdict.
interface IValidatorCommittee {
    /// @notice Deployment parameters.
    /// @param keyHash VRF gas lane.
    /// @param subscriptionId VRF v2.5 subscription paying for requests.
    /// @param callbackGasLimit Gas for {fulfillRandomWords}; must cover a draw over the whole validator set.
    /// @param requestConfirmations Blocks the VRF service waits before answering.
    /// @param size Members drawn per committee (N).
    /// @param threshold Signatures needed for a verdict (M).
    /// @param validatorStake Stake locked while an account is a validator.
    struct Config {
        bytes32 keyHash;
        uint256 subscriptionId;
        uint32 callbackGasLimit;
        uint16 requestConfirmations;
        uint8 size;
        uint8 threshold;
        uint96 validatorStake;
    }

    /// @notice Thrown when `account` joins but already is a validator.
    error ValidatorCommitteeAlreadyValidator(address account);
    /// @notice Thrown when `account` exits but is not a validator.
    error ValidatorCommitteeNotValidator(address account);
    /// @notice Thrown when a committee of `size` is requested from only `validators` validators.
    error ValidatorCommitteeNotEnoughValidators(uint256 validators, uint256 size);
    /// @notice Thrown when a committee for dispute `disputeId` was requested already.
    error ValidatorCommitteeAlreadyRequested(uint256 disputeId);
    /// @notice Thrown when the VRF answers a request this contract did not make (or answered already).
    error ValidatorCommitteeUnknownRequest(uint256 requestId);
    /// @notice Thrown when a verdict arrives for dispute `disputeId` before its committee is drawn.
    error ValidatorCommitteeNotDrawn(uint256 disputeId);
    /// @notice Thrown when `signerBitmap` names positions outside the committee of `size`.
    error ValidatorCommitteeInvalidBitmap(uint256 signerBitmap, uint256 size);
    /// @notice Thrown when `count` signatures were given for dispute `disputeId` but `threshold` are needed.
    error ValidatorCommitteeTooFewSignatures(uint256 disputeId, uint256 count, uint256 threshold);
    /// @notice Thrown when the bitmap names `expected` signers but `actual` signatures were given.
    error ValidatorCommitteeSignatureCountMismatch(uint256 expected, uint256 actual);
    /// @notice Thrown when the signature for committee position `position` recovers to `signer`, not to its member.
    error ValidatorCommitteeInvalidSignature(uint256 disputeId, uint256 position, address signer);
    /// @notice Thrown when a constructor parameter breaks its rule.
    error ValidatorCommitteeInvalidParameter(string name);

    /// @notice Emitted when `validator` joins and locks `stake`.
    event ValidatorJoined(address indexed validator, uint256 stake);
    /// @notice Emitted when `validator` exits and its stake unlocks.
    event ValidatorExited(address indexed validator);
    /// @notice Emitted when randomness for dispute `disputeId`'s committee is requested as VRF request `requestId`.
    event CommitteeRequested(uint256 indexed disputeId, uint256 indexed requestId);
    /// @notice Emitted when dispute `disputeId`'s committee is drawn from `seed`.
    event CommitteeDrawn(uint256 indexed disputeId, uint256 seed, address[] members);

    /// @notice The caller becomes a validator, locking `validatorStake` of its available stake.
    /// @dev Requirements: not a validator yet; enough available stake. Emits {ValidatorJoined}.
    function join() external;

    /// @notice The caller stops being a validator; its stake unlocks. Committees already drawn keep it.
    /// @dev Requirements: is a validator. Emits {ValidatorExited}.
    function exit() external;

    /// @notice Requests VRF randomness to draw dispute `disputeId`'s committee.
    /// @dev Requirements: REQUESTER_ROLE (the Disputes contract); at least `size` validators; first request
    /// for `disputeId`. Emits {CommitteeRequested}; the VRF callback emits {CommitteeDrawn}.
    function requestCommittee(uint256 disputeId) external returns (uint256 requestId);

    /// @notice Reverts unless `signatures` are valid signatures of `digest` by at least `threshold`
    /// distinct members of dispute `disputeId`'s committee.
    /// @param signerBitmap Bit i set ⇔ the member at committee position i signed.
    /// @param signatures One 65-byte signature per set bit, in increasing position order.
    function verifyVerdict(uint256 disputeId, bytes32 digest, uint256 signerBitmap, bytes[] calldata signatures)
        external
        view;

    /// @notice The committee drawn for dispute `disputeId` (empty until drawn).
    function committeeOf(uint256 disputeId) external view returns (address[] memory);

    /// @notice The current validator set.
    function validators() external view returns (address[] memory);

    /// @notice The deployment parameters.
    function config() external view returns (Config memory);
}
