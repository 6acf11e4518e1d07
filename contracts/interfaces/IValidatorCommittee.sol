// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IValidatorCommittee
/// @notice The staked validator set, and for each dispute a committee of up to `size` validators drawn
/// with Chainlink VRF randomness from the set as it stood when the committee was requested, at least
/// `threshold` of whom must sign its verdict.
///
/// Validators leave in two steps: {exit} ends eligibility for later requests at once; {release}, after
/// `exitDelay`, removes the entry and unlocks the stake. `exitDelay` exceeds a dispute's life (Disputes
/// refuses a longer verdict period), so every validator of the set at a request is still listed, staked
/// and able to sign until that dispute is over, and leaving cannot shrink a committee already asked for.
///
/// The draw (anyone can recompute it from the events): let `entries` be the validator list (each entry
/// `(account, joinedAt, leftAt)`, kept as follows: {join} appends; {release} of the entry at index k
/// moves the last entry to k and drops the last), `requestedAt` the block timestamp of
/// {CommitteeRequested} and `range` the list's length right after that event. At the VRF answer, with
/// `seed` from {CommitteeDrawn}:
///
///   n      = min(range, entries.length)            // every entry of the set at the request has index < n
///   visits = min(n, 4 * size)                      // at most 4 positions per seat, whatever n is
///   order  = [0, 1, ..., n - 1]                    // conceptually; only visited positions are stored
///   for i in 0 .. visits - 1, until `size` members are picked:
///       j = i + uint256(keccak256(abi.encode(seed, i))) % (n - i)
///       swap(order[i], order[j])
///       e = entries[order[i]]
///       if e.joinedAt <= requestedAt and (e.leftAt == 0 or e.leftAt > requestedAt): append e.account
///
/// Members are listed in the order picked; a committee position is an index in that list.
interface IValidatorCommittee {
    /// @notice Deployment parameters.
    /// @param keyHash VRF gas lane.
    /// @param subscriptionId VRF v2.5 subscription paying for requests.
    /// @param callbackGasLimit Gas for {fulfillRandomWords}; must cover a draw of `size` members (it
    /// does not grow with the number of validators).
    /// @param requestConfirmations Blocks the VRF service waits before answering.
    /// @param size Members drawn per committee (N).
    /// @param threshold Signatures needed for a verdict (M).
    /// @param validatorStake Stake locked from {join} until {release}.
    struct Config {
        bytes32 keyHash;
        uint256 subscriptionId;
        uint32 callbackGasLimit;
        uint16 requestConfirmations;
        uint8 size;
        uint8 threshold;
        uint96 validatorStake;
    }

    /// @notice One entry of the validator list, in one slot.
    struct Validator {
        address account;
        uint40 joinedAt; // block timestamp of {join}
        uint40 leftAt; // block timestamp of {exit}; 0 while active
    }

    /// @notice Where a dispute's committee is.
    enum CommitteeStatus {
        None, // never requested
        Requested, // waiting for the VRF answer
        RequestFailed, // the coordinator refused the request: no committee will be drawn
        Drawn // members drawn
    }

    /// @notice A dispute's committee request, in one slot.
    struct CommitteeRequest {
        uint40 requestedAt; // eligibility is judged at this timestamp
        uint40 drawnAt; // 0 until drawn
        uint64 range; // validator list length at the request
        uint8 members; // members drawn (<= size)
        CommitteeStatus status;
    }

    /// @notice Thrown when `account` joins but already is a validator.
    error ValidatorCommitteeAlreadyValidator(address account);
    /// @notice Thrown when `account` exits or is released but is not listed as a validator.
    error ValidatorCommitteeNotValidator(address account);
    /// @notice Thrown when `account` joins or exits while leaving; its stake is releasable at `releasableAt`.
    error ValidatorCommitteeLeaving(address account, uint256 releasableAt);
    /// @notice Thrown when `account` is released but has not exited.
    error ValidatorCommitteeNotLeaving(address account);
    /// @notice Thrown when `account` is released before `releasableAt` (its exit + `exitDelay`).
    error ValidatorCommitteeExitDelayNotOver(address account, uint256 releasableAt);
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

    /// @notice Emitted when `validator` joins and locks `stake`; the block timestamp is its `joinedAt`.
    event ValidatorJoined(address indexed validator, uint256 stake);
    /// @notice Emitted when `validator` exits: no committee requested from now on draws it; its stake
    /// stays locked and releasable at `releasableAt`. The block timestamp is its `leftAt`.
    event ValidatorExited(address indexed validator, uint256 releasableAt);
    /// @notice Emitted when `validator`'s entry is removed from the list and its `stake` unlocks.
    event ValidatorReleased(address indexed validator, uint256 stake);
    /// @notice Emitted when randomness for dispute `disputeId`'s committee is requested as VRF request
    /// `requestId`; the block timestamp is the request's `requestedAt`.
    event CommitteeRequested(uint256 indexed disputeId, uint256 indexed requestId);
    /// @notice Emitted when the coordinator refuses the VRF request of dispute `disputeId`'s committee:
    /// no committee will be drawn for it.
    event CommitteeRequestFailed(uint256 indexed disputeId);
    /// @notice Emitted when dispute `disputeId`'s committee is drawn from `seed`.
    event CommitteeDrawn(uint256 indexed disputeId, uint256 seed, address[] members);

    /// @notice The caller becomes a validator, locking `validatorStake` of its available stake.
    /// @dev Requirements: not listed (a leaving validator is listed until released); enough available
    /// stake. Emits {ValidatorJoined}.
    function join() external;

    /// @notice The caller stops being drawn for committees requested from now on. Its stake stays locked
    /// until {release}, and it stays on the committees of requests made before (and must judge them).
    /// @dev Requirements: an active validator. Emits {ValidatorExited}.
    function exit() external;

    /// @notice Removes `validator`'s entry and unlocks its stake, `exitDelay` after its exit. Anyone may
    /// call it: the stake only moves back to the validator's available balance.
    /// @dev Requirements: `validator` exited at least `exitDelay` ago. Emits {ValidatorReleased}.
    function release(address validator) external;

    /// @notice Requests VRF randomness to draw dispute `disputeId`'s committee from the validators of
    /// this moment. Never reverts for lack of validators or because the coordinator refuses: a refused
    /// request leaves the dispute without a committee.
    /// @dev Requirements: REQUESTER_ROLE (the Disputes contract); first request for `disputeId`; enough
    /// gas for the coordinator (a request starved of gas reverts rather than counting as refused).
    /// Emits {CommitteeRequested} or {CommitteeRequestFailed}; the VRF callback emits {CommitteeDrawn}.
    /// @return requestId The VRF request id (0 if the coordinator refused).
    function requestCommittee(uint256 disputeId) external returns (uint256 requestId);

    /// @notice Reverts unless `signatures` are valid signatures of `digest` by at least `threshold`
    /// distinct members of dispute `disputeId`'s committee.
    /// @param signerBitmap Bit i set ⇔ the member at committee position i signed.
    /// @param signatures One 65-byte signature per set bit, in increasing position order.
    function verifyVerdict(uint256 disputeId, bytes32 digest, uint256 signerBitmap, bytes[] calldata signatures)
        external
        view;

    /// @notice Whether dispute `disputeId`'s committee was drawn strictly before `deadline` with at least
    /// `threshold` members, i.e. could have reached a verdict in time.
    function committeeFormedBefore(uint256 disputeId, uint256 deadline) external view returns (bool);

    /// @notice The committee drawn for dispute `disputeId` (empty until drawn).
    function committeeOf(uint256 disputeId) external view returns (address[] memory);

    /// @notice Dispute `disputeId`'s committee request (status None if never requested).
    function requestOf(uint256 disputeId) external view returns (CommitteeRequest memory);

    /// @notice The validator list, in draw order: active and leaving validators not yet released.
    function validators() external view returns (Validator[] memory);

    /// @notice `account`'s entry (all zero if it is not listed).
    function validatorOf(address account) external view returns (Validator memory);

    /// @notice Seconds between a validator's {exit} and its {release}; longer than a dispute's life.
    function exitDelay() external view returns (uint32);

    /// @notice The deployment parameters.
    function config() external view returns (Config memory);
}
