// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {VrfConsumer} from "../randomness/VrfConsumer.sol";
import {IStakeManager} from "../interfaces/IStakeManager.sol";
import {CommitteeDraw} from "../libraries/CommitteeDraw.sol";
import {VrfRequest} from "../libraries/VrfRequest.sol";
import {IValidatorCommittee} from "../interfaces/IValidatorCommittee.sol";

/// @title ValidatorCommittee
/// @notice Staked validators and the committees drawn from them by Chainlink VRF v2.5.
/// @dev The draw is {CommitteeDraw} over the validator list, restricted to the validators of the
/// request's moment; its rule is spelled out in {IValidatorCommittee}. Entries never move: {release} empties
/// a validator's slot `exitDelay` after its exit, and {join} fills the last slot emptied (else appends), so
/// every request a validator was eligible for finds it at the same position until then, and a later join
/// into an emptied slot is not eligible for it.
contract ValidatorCommittee is IValidatorCommittee, VrfConsumer, AccessControl {
    /*//////////////////////////////////////////////////////////////
                                 ROLES
    //////////////////////////////////////////////////////////////*/

    /// @notice Role of the contract allowed to request committees (Disputes).
    bytes32 public constant REQUESTER_ROLE = keccak256("REQUESTER_ROLE");

    /*//////////////////////////////////////////////////////////////
                               IMMUTABLES
    //////////////////////////////////////////////////////////////*/

    IStakeManager public immutable stakeManager;
    /// @inheritdoc IValidatorCommittee
    uint32 public immutable exitDelay;

    /*//////////////////////////////////////////////////////////////
                                 STATE
    //////////////////////////////////////////////////////////////*/

    Config private _config;
    Validator[] private _validators;
    mapping(address account => uint256 indexPlusOne) private _indexOf;
    mapping(uint256 requestId => uint256 disputeIdPlusOne) private _pendingRequests;
    mapping(uint256 disputeId => CommitteeRequest) private _requests;
    mapping(uint256 disputeId => address[]) private _committees;
    /// @dev Slots emptied by {release}, refilled last first by {join}.
    uint256[] private _emptySlots;
    /// @dev A draw the VRF callback did not finish: its seed and its shuffle (position → list index + 1).
    mapping(uint256 disputeId => uint256) private _drawSeeds;
    mapping(uint256 disputeId => mapping(uint256 position => uint256 indexPlusOne)) private _drawOrders;

    /// @param vrfCoordinator The VRF v2.5 coordinator (locally `VRFCoordinatorV2_5Mock`).
    /// @param governance_ The timelock allowed to change the coordinator.
    /// @param stakeManager_ Where validator stake is locked.
    /// @param config_ See {Config}; 0 < threshold <= size.
    /// @param exitDelay_ Seconds from exit to release (> 0); Disputes requires its verdict period below it.
    /// @param admin Holder of DEFAULT_ADMIN_ROLE; grants REQUESTER_ROLE at deployment, then renounces.
    constructor(
        address vrfCoordinator,
        address governance_,
        IStakeManager stakeManager_,
        Config memory config_,
        uint32 exitDelay_,
        address admin
    ) VrfConsumer(vrfCoordinator, governance_) {
        if (address(stakeManager_) == address(0)) revert ValidatorCommitteeInvalidParameter("stakeManager");
        if (config_.threshold == 0 || config_.threshold > config_.size) {
            revert ValidatorCommitteeInvalidParameter("threshold");
        }
        if (config_.validatorStake == 0) revert ValidatorCommitteeInvalidParameter("validatorStake");
        if (exitDelay_ == 0) revert ValidatorCommitteeInvalidParameter("exitDelay");
        if (admin == address(0)) revert ValidatorCommitteeInvalidParameter("admin");
        stakeManager = stakeManager_;
        _config = config_;
        exitDelay = exitDelay_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /*//////////////////////////////////////////////////////////////
                               VALIDATORS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IValidatorCommittee
    function join() external {
        uint256 indexPlusOne = _indexOf[msg.sender];
        // INVARIANT: an account is listed at most once; a leaving validator rejoins only once released.
        if (indexPlusOne != 0) {
            uint40 leftAt = _validators[indexPlusOne - 1].leftAt;
            if (leftAt != 0) revert ValidatorCommitteeLeaving(msg.sender, uint256(leftAt) + exitDelay);
            revert ValidatorCommitteeAlreadyValidator(msg.sender);
        }
        Validator memory entry = Validator({account: msg.sender, joinedAt: uint40(block.timestamp), leftAt: 0});
        uint256 empty = _emptySlots.length;
        if (empty == 0) {
            _validators.push(entry);
            _indexOf[msg.sender] = _validators.length;
        } else {
            uint256 index = _emptySlots[empty - 1];
            _emptySlots.pop();
            _validators[index] = entry;
            _indexOf[msg.sender] = index + 1;
        }
        uint256 stake = _config.validatorStake;
        emit ValidatorJoined(msg.sender, stake);
        stakeManager.lock(msg.sender, stake);
    }

    /// @inheritdoc IValidatorCommittee
    function exit() external {
        Validator storage entry = _listed(msg.sender);
        // INVARIANT: a validator exits once; its stake stays locked until release.
        if (entry.leftAt != 0) revert ValidatorCommitteeLeaving(msg.sender, uint256(entry.leftAt) + exitDelay);
        entry.leftAt = uint40(block.timestamp);
        emit ValidatorExited(msg.sender, block.timestamp + exitDelay);
    }

    /// @inheritdoc IValidatorCommittee
    function release(address validator) external {
        Validator storage entry = _listed(validator);
        uint256 leftAt = entry.leftAt;
        if (leftAt == 0) revert ValidatorCommitteeNotLeaving(validator);
        // INVARIANT: an entry leaves the list only after exitDelay, which outlasts every dispute it may sit on.
        if (block.timestamp < leftAt + exitDelay) revert ValidatorCommitteeExitDelayNotOver(validator, leftAt + exitDelay);
        // INVARIANT: no entry moves, so no release can change what a draw in progress visits.
        uint256 index = _indexOf[validator] - 1;
        delete _validators[index];
        _emptySlots.push(index);
        delete _indexOf[validator];
        uint256 stake = _config.validatorStake;
        emit ValidatorReleased(validator, stake);
        stakeManager.unlock(validator, stake);
    }

    /*//////////////////////////////////////////////////////////////
                               COMMITTEES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IValidatorCommittee
    function requestCommittee(uint256 disputeId) external onlyRole(REQUESTER_ROLE) returns (uint256 requestId) {
        CommitteeRequest storage request = _requests[disputeId];
        // INVARIANT: one request per dispute, so its committee and the set it is drawn from never change.
        if (request.status != CommitteeStatus.None) revert ValidatorCommitteeAlreadyRequested(disputeId);
        request.requestedAt = uint40(block.timestamp);
        request.range = uint64(_validators.length);
        request.status = CommitteeStatus.Requested;
        request.coordinatorEpoch = coordinatorEpoch;
        bool requested;
        (requested, requestId) = _tryRequestRandomWord(_vrfParams());
        if (!requested) {
            request.status = CommitteeStatus.RequestFailed;
            emit CommitteeRequestFailed(disputeId);
            return 0;
        }
        _pend(disputeId, requestId);
    }

    /// @inheritdoc IValidatorCommittee
    function renewRequest(uint256 disputeId) external returns (uint256 requestId) {
        CommitteeRequest storage request = _requests[disputeId];
        CommitteeStatus status = request.status;
        if (status != CommitteeStatus.Requested) revert ValidatorCommitteeNotRequested(disputeId, status);
        uint32 epoch = coordinatorEpoch;
        // INVARIANT: a request is sent again only when the coordinator it went to can no longer answer it here,
        // which only governance's timelock brings about: nobody can trade a word for another.
        if (request.coordinatorEpoch == epoch) revert ValidatorCommitteeRequestCurrent(disputeId, epoch);
        uint256 requestedAt = request.requestedAt;
        // INVARIANT: the draw stays the request's, whose eligible validators keep their slots until requestedAt +
        // exitDelay.
        if (block.timestamp >= requestedAt + exitDelay) {
            revert ValidatorCommitteeOutsideDrawWindow(disputeId, requestedAt, requestedAt + exitDelay);
        }
        request.coordinatorEpoch = epoch;
        // A refusal reverts (unlike the first request's): the request stays renewable.
        requestId = _requestRandomWord(_vrfParams());
        _pend(disputeId, requestId);
    }

    /// @inheritdoc IValidatorCommittee
    function continueDraw(uint256 disputeId, uint256 maxSteps) external {
        CommitteeRequest storage request = _requests[disputeId];
        if (request.status != CommitteeStatus.Drawing) revert ValidatorCommitteeNotDrawing(disputeId, request.status);
        uint256 requestedAt = request.requestedAt;
        // INVARIANT: every entry eligible at the request keeps its slot until requestedAt + exitDelay, and a join
        // after the request's second is not eligible: inside the window, the steps see the list of the request.
        if (block.timestamp <= requestedAt || block.timestamp >= requestedAt + exitDelay) {
            revert ValidatorCommitteeOutsideDrawWindow(disputeId, requestedAt, requestedAt + exitDelay);
        }
        if (maxSteps == 0) revert ValidatorCommitteeNoSteps(disputeId);
        uint256 seed = _drawSeeds[disputeId];
        address[] storage members = _committees[disputeId];
        (uint256 next, bool finished) = CommitteeDraw.drawFrom(
            _validators, _drawOrders[disputeId], members, seed, request.range, requestedAt, _config.size, request.nextStep, maxSteps
        );
        request.nextStep = uint64(next);
        if (!finished) {
            emit CommitteeDrawContinued(disputeId, next, members.length);
            return;
        }
        delete _drawSeeds[disputeId];
        _drawn(disputeId, request, seed, members);
    }

    /// @dev The VRF request parameters of the committee's configuration.
    function _vrfParams() private view returns (VrfRequest.Params memory) {
        Config memory c = _config;
        return VrfRequest.Params(c.keyHash, c.subscriptionId, c.callbackGasLimit, c.requestConfirmations);
    }

    /// @dev Records VRF request `requestId`, just sent, as dispute `disputeId`'s. The request id exists only once the
    /// coordinator (set by governance's timelock) answers, so this is written after the call; everything the call
    /// could observe is written before.
    function _pend(uint256 disputeId, uint256 requestId) private {
        _pendingRequests[requestId] = disputeId + 1;
        emit CommitteeRequested(disputeId, requestId);
    }

    /// @dev Draws the committee if the first `4 · size` steps finish it, so the callback's gas does not grow
    /// with the validator set; otherwise records the seed for {continueDraw}.
    function fulfillRandomWords(uint256 requestId, uint256[] calldata randomWords) internal override {
        uint256 disputeIdPlusOne = _pendingRequests[requestId];
        if (disputeIdPlusOne == 0) revert ValidatorCommitteeUnknownRequest(requestId);
        delete _pendingRequests[requestId];
        uint256 disputeId = disputeIdPlusOne - 1;
        uint256 seed = randomWords[0];
        CommitteeRequest storage request = _requests[disputeId];
        (address[] memory members, bool finished) =
            CommitteeDraw.draw(_validators, seed, request.range, request.requestedAt, _config.size);
        if (!finished) {
            request.status = CommitteeStatus.Drawing;
            _drawSeeds[disputeId] = seed;
            emit CommitteeDrawUnfinished(disputeId, seed);
            return;
        }
        _committees[disputeId] = members;
        _drawn(disputeId, request, seed, members);
    }

    /// @dev Marks dispute `disputeId`'s committee, already stored, as drawn now.
    function _drawn(uint256 disputeId, CommitteeRequest storage request, uint256 seed, address[] memory members) private {
        request.status = CommitteeStatus.Drawn;
        request.drawnAt = uint40(block.timestamp);
        request.members = uint8(members.length);
        emit CommitteeDrawn(disputeId, seed, members);
    }

    /// @inheritdoc IValidatorCommittee
    function verifyVerdict(uint256 disputeId, bytes32 digest, uint256 signerBitmap, bytes[] calldata signatures)
        external
        view
    {
        address[] storage members = _committees[disputeId];
        uint256 size = members.length;
        if (size == 0 || _requests[disputeId].status != CommitteeStatus.Drawn) revert ValidatorCommitteeNotDrawn(disputeId);
        if (signerBitmap >> size != 0) revert ValidatorCommitteeInvalidBitmap(signerBitmap, size);
        uint256 named = _popCount(signerBitmap);
        if (named != signatures.length) revert ValidatorCommitteeSignatureCountMismatch(named, signatures.length);
        if (named < _config.threshold) revert ValidatorCommitteeTooFewSignatures(disputeId, named, _config.threshold);
        // INVARIANT: a signer is named by its committee position, so it is a member and counted once.
        uint256 next;
        for (uint256 position; position < size; ++position) {
            if (signerBitmap & (1 << position) == 0) continue;
            address signer = ECDSA.recover(digest, signatures[next++]);
            if (signer != members[position]) revert ValidatorCommitteeInvalidSignature(disputeId, position, signer);
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IValidatorCommittee
    function committeeFormedBefore(uint256 disputeId, uint256 deadline) external view returns (bool) {
        CommitteeRequest storage request = _requests[disputeId];
        return request.status == CommitteeStatus.Drawn && request.drawnAt < deadline
            && request.members >= _config.threshold;
    }

    /// @inheritdoc IValidatorCommittee
    function committeeOf(uint256 disputeId) external view returns (address[] memory members) {
        if (_requests[disputeId].status == CommitteeStatus.Drawn) members = _committees[disputeId];
    }

    /// @inheritdoc IValidatorCommittee
    function requestOf(uint256 disputeId) external view returns (CommitteeRequest memory) {
        return _requests[disputeId];
    }

    /// @inheritdoc IValidatorCommittee
    function validators() external view returns (Validator[] memory) {
        return _validators;
    }

    /// @inheritdoc IValidatorCommittee
    function validatorOf(address account) external view returns (Validator memory entry) {
        uint256 indexPlusOne = _indexOf[account];
        if (indexPlusOne != 0) entry = _validators[indexPlusOne - 1];
    }

    /// @inheritdoc IValidatorCommittee
    function config() external view returns (Config memory) {
        return _config;
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _listed(address account) private view returns (Validator storage) {
        uint256 indexPlusOne = _indexOf[account];
        if (indexPlusOne == 0) revert ValidatorCommitteeNotValidator(account);
        return _validators[indexPlusOne - 1];
    }

    function _popCount(uint256 x) private pure returns (uint256 count) {
        for (; x != 0; x &= x - 1) {
            ++count;
        }
    }
}
