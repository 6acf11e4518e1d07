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
/// @dev The draw is {CommitteeDraw-draw} over the validator list, restricted to the validators of the
/// request's moment; its rule is spelled out in {IValidatorCommittee}. A validator's entry leaves the list
/// only at {release}, `exitDelay` after its exit, so until then every request it was eligible for can
/// still draw it.
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
        _validators.push(Validator({account: msg.sender, joinedAt: uint40(block.timestamp), leftAt: 0}));
        _indexOf[msg.sender] = _validators.length;
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
        uint256 index = _indexOf[validator] - 1;
        uint256 last = _validators.length - 1;
        if (index != last) {
            Validator memory moved = _validators[last];
            _validators[index] = moved;
            _indexOf[moved.account] = index + 1;
        }
        _validators.pop();
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
        Config memory c = _config;
        // The request id exists only once the coordinator (set by governance's timelock) answers, so the
        // pending request is written after the call; everything the call could observe is written before.
        bool requested;
        (requested, requestId) =
            _tryRequestRandomWord(VrfRequest.Params(c.keyHash, c.subscriptionId, c.callbackGasLimit, c.requestConfirmations));
        if (!requested) {
            request.status = CommitteeStatus.RequestFailed;
            emit CommitteeRequestFailed(disputeId);
            return 0;
        }
        _pendingRequests[requestId] = disputeId + 1;
        emit CommitteeRequested(disputeId, requestId);
    }

    /// @dev Draws up to `size` members among the validators eligible at the request; the work is bounded
    /// by `size` (see {CommitteeDraw}), so the callback's gas does not grow with the validator set.
    function fulfillRandomWords(uint256 requestId, uint256[] calldata randomWords) internal override {
        uint256 disputeIdPlusOne = _pendingRequests[requestId];
        if (disputeIdPlusOne == 0) revert ValidatorCommitteeUnknownRequest(requestId);
        delete _pendingRequests[requestId];
        uint256 disputeId = disputeIdPlusOne - 1;
        uint256 seed = randomWords[0];
        CommitteeRequest storage request = _requests[disputeId];
        address[] memory members = CommitteeDraw.draw(_validators, seed, request.range, request.requestedAt, _config.size);
        request.status = CommitteeStatus.Drawn;
        request.drawnAt = uint40(block.timestamp);
        request.members = uint8(members.length);
        _committees[disputeId] = members;
        emit CommitteeDrawn(disputeId, seed, members);
    }

    /// @inheritdoc IValidatorCommittee
    function verifyVerdict(uint256 disputeId, bytes32 digest, uint256 signerBitmap, bytes[] calldata signatures)
        external
        view
    {
        address[] storage members = _committees[disputeId];
        uint256 size = members.length;
        if (size == 0) revert ValidatorCommitteeNotDrawn(disputeId);
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
    function committeeOf(uint256 disputeId) external view returns (address[] memory) {
        return _committees[disputeId];
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
