// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IValidatorCommittee
/// @notice The staked validator set, and for each dispute a committee of up to `size` validators drawn
/// with Chainlink VRF randomness from the set as it stood when the committee was requested, at least
/// `threshold` of whom must sign its verdict.
///
/// Validators leave in two steps: {exit} ends eligibility for later requests at once; {release}, after
/// `exitDelay`, empties the entry's slot and unlocks the stake. `exitDelay` exceeds a dispute's life
/// (Disputes refuses a longer verdict period), so every validator of the set at a request is still listed,
/// staked and able to sign until that dispute is over, and leaving cannot shrink a committee already asked
/// for.
///
/// The list: each entry `(account, joinedAt, leftAt)`, or all zero for an emptied slot. {join} fills the slot
/// emptied last (else appends); {release} empties the validator's slot. No entry ever moves and the list
/// never shrinks.
///
/// The draw (anyone can recompute it from the events): let `entries` be the validator list, `requestedAt`
/// the block timestamp of {CommitteeRequested} and `range` the list's length right after that event; `seed`
/// is the VRF word (in {CommitteeDrawn}, and in {CommitteeDrawUnfinished} if the callback did not finish):
///
///   order  = [0, 1, ..., range - 1]                // conceptually; only visited positions are stored
///   for i in 0 .. range - 1, until `size` members are picked:
///       j = i + uint256(keccak256(abi.encode(seed, i))) % (range - i)
///       swap(order[i], order[j])
///       e = entries[order[i]]
///       if e.joinedAt <= requestedAt and (e.leftAt == 0 or e.leftAt > requestedAt): append e.account
///
/// (An emptied slot has joinedAt = leftAt = 0 and account 0: never picked.) The VRF callback runs the first
/// `4 · size` steps, so its gas does not grow with the list. If they do not finish the draw (fewer than
/// `size` members and positions left), it records the seed ({CommitteeDrawUnfinished}) and anyone runs the
/// draw again from step 0 with {continueDraw}, any number of steps per call, within `exitDelay` of the
/// request: the committee is always the draw above, however many entries that are not eligible fill the
/// list. Entries eligible at the request keep their slots until `requestedAt + exitDelay`, and an entry
/// that fills an emptied slot later joined after `requestedAt`, so every step sees the set of the request
/// (a join in the request's own second could be seen; {continueDraw} starts after that second).
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
        Drawn, // members drawn
        Drawing // the VRF answered but its callback did not finish the draw: {continueDraw} does
    }

    /// @notice A dispute's committee request, in one slot.
    struct CommitteeRequest {
        uint40 requestedAt; // eligibility is judged at this timestamp
        uint40 drawnAt; // 0 until drawn
        uint64 range; // validator list length at the request
        uint8 members; // members drawn (<= size)
        CommitteeStatus status;
        uint64 nextStep; // while Drawing: the next step {continueDraw} runs
        uint32 coordinatorEpoch; // the consumer's `coordinatorEpoch` when the VRF request went out
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
    /// @notice Thrown when dispute `disputeId`'s request is renewed but its committee is not awaiting an answer
    /// (`status`).
    error ValidatorCommitteeNotRequested(uint256 disputeId, CommitteeStatus status);
    /// @notice Thrown when dispute `disputeId`'s request is renewed but went to the current coordinator (epoch
    /// `epoch`), which can still answer it.
    error ValidatorCommitteeRequestCurrent(uint256 disputeId, uint256 epoch);
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
    /// @notice Thrown when {continueDraw} is called for dispute `disputeId`, whose committee is at `status`, not Drawing.
    error ValidatorCommitteeNotDrawing(uint256 disputeId, CommitteeStatus status);
    /// @notice Thrown when {continueDraw} is called for dispute `disputeId` outside its window: after the
    /// request's second `requestedAt`, before `closesAt` (the request + `exitDelay`).
    error ValidatorCommitteeOutsideDrawWindow(uint256 disputeId, uint256 requestedAt, uint256 closesAt);
    /// @notice Thrown when {continueDraw} is asked to run no step of dispute `disputeId`'s draw.
    error ValidatorCommitteeNoSteps(uint256 disputeId);
    /// @notice Thrown when a constructor parameter breaks its rule.
    error ValidatorCommitteeInvalidParameter(string name);

    /// @notice Emitted when `validator` joins and locks `stake`; the block timestamp is its `joinedAt`.
    event ValidatorJoined(address indexed validator, uint256 stake);
    /// @notice Emitted when `validator` exits: no committee requested from now on draws it; its stake
    /// stays locked and releasable at `releasableAt`. The block timestamp is its `leftAt`.
    event ValidatorExited(address indexed validator, uint256 releasableAt);
    /// @notice Emitted when `validator`'s slot is emptied and its `stake` unlocks.
    event ValidatorReleased(address indexed validator, uint256 stake);
    /// @notice Emitted when randomness for dispute `disputeId`'s committee is requested as VRF request
    /// `requestId`; the block timestamp is the request's `requestedAt`, unless {renewRequest} sent it again.
    event CommitteeRequested(uint256 indexed disputeId, uint256 indexed requestId);
    /// @notice Emitted when the coordinator refuses the VRF request of dispute `disputeId`'s committee:
    /// no committee will be drawn for it.
    event CommitteeRequestFailed(uint256 indexed disputeId);
    /// @notice Emitted when dispute `disputeId`'s committee is drawn from `seed`.
    event CommitteeDrawn(uint256 indexed disputeId, uint256 seed, address[] members);
    /// @notice Emitted when the VRF callback's `4 · size` steps did not finish dispute `disputeId`'s draw from
    /// `seed`: {continueDraw} runs it (the automation keeper does).
    event CommitteeDrawUnfinished(uint256 indexed disputeId, uint256 seed);
    /// @notice Emitted when {continueDraw} ran dispute `disputeId`'s draw up to step `nextStep` without finishing
    /// it, `picked` members so far.
    event CommitteeDrawContinued(uint256 indexed disputeId, uint256 nextStep, uint256 picked);

    /// @notice The caller becomes a validator, locking `validatorStake` of its available stake.
    /// @dev Requirements: not listed (a leaving validator is listed until released); enough available
    /// stake. Emits {ValidatorJoined}.
    function join() external;

    /// @notice The caller stops being drawn for committees requested from now on. Its stake stays locked
    /// until {release}, and it stays on the committees of requests made before (and must judge them).
    /// @dev Requirements: an active validator. Emits {ValidatorExited}.
    function exit() external;

    /// @notice Empties `validator`'s slot and unlocks its stake, `exitDelay` after its exit. Anyone may
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

    /// @notice Sends dispute `disputeId`'s VRF request again, to the current coordinator, when the coordinator
    /// it went to was replaced before answering (a consumer accepts answers only from its current coordinator,
    /// and never takes back one it replaced, so that answer can never count). The draw stays the request's:
    /// same `requestedAt`, same `range`, only the word comes from the new coordinator. Anyone may call it (the
    /// automation keeper does on {CoordinatorSet}); nobody can trade a word for another, since a request is
    /// renewed only once per coordinator change, which only governance's timelock makes. A refusal of the new
    /// coordinator reverts, leaving the request to be renewed again (e.g. once its subscription lists this consumer).
    /// @dev Requirements: status Requested; the request's `coordinatorEpoch` is not the current one;
    /// `block.timestamp < requestedAt + exitDelay`; the coordinator takes the request. Emits {CommitteeRequested}
    /// (new request id).
    /// @return requestId The new VRF request id.
    function renewRequest(uint256 disputeId) external returns (uint256 requestId);

    /// @notice Runs up to `maxSteps` more steps of dispute `disputeId`'s draw, which the VRF callback did not
    /// finish (the first call starts again from step 0); the call that finishes it draws the committee. Anyone
    /// may call it: the steps are the draw's, whoever runs them. Each step costs ~30k gas (a stored swap).
    /// @dev Requirements: status Drawing; `requestedAt < block.timestamp < requestedAt + exitDelay`;
    /// `maxSteps > 0`. Emits {CommitteeDrawContinued}, or {CommitteeDrawn} when the draw is over.
    function continueDraw(uint256 disputeId, uint256 maxSteps) external;

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

    /// @notice The committee drawn for dispute `disputeId` (empty until drawn, also while Drawing).
    function committeeOf(uint256 disputeId) external view returns (address[] memory);

    /// @notice Dispute `disputeId`'s committee request (status None if never requested).
    function requestOf(uint256 disputeId) external view returns (CommitteeRequest memory);

    /// @notice The validator list, in draw order: active and leaving validators not yet released, and the
    /// slots emptied by releases (all zero) not yet refilled.
    function validators() external view returns (Validator[] memory);

    /// @notice `account`'s entry (all zero if it is not listed).
    function validatorOf(address account) external view returns (Validator memory);

    /// @notice Seconds between a validator's {exit} and its {release}; longer than a dispute's life.
    function exitDelay() external view returns (uint32);

    /// @notice The deployment parameters.
    function config() external view returns (Config memory);
}
