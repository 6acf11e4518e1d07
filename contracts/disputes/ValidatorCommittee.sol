// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {VrfConsumer} from "../randomness/VrfConsumer.sol";
import {IStakeManager} from "../interfaces/IStakeManager.sol";
import {RandomDraw} from "../libraries/RandomDraw.sol";
import {VrfRequest} from "../libraries/VrfRequest.sol";
import {IValidatorCommittee} from "../interfaces/IValidatorCommittee.sol";

/// @title ValidatorCommittee
/// @notice Staked validators and the committees drawn from them by Chainlink VRF v2.5.
/// @dev The draw is {RandomDraw-distinctIndices} over the validator list, so anyone can recompute
/// a committee from the seed and the validator list at the draw (both in events).
contract ValidatorCommittee is IValidatorCommittee, VrfConsumer, AccessControl {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice Role of the contract allowed to request committees (Disputes).
    bytes32 public constant REQUESTER_ROLE = keccak256("REQUESTER_ROLE");

    IStakeManager public immutable stakeManager;
    Config private _config;

    EnumerableSet.AddressSet private _validators;
    mapping(uint256 requestId => uint256 disputeIdPlusOne) private _pendingRequests;
    mapping(uint256 disputeId => bool) private _requested;
    mapping(uint256 disputeId => address[]) private _committees;

    /// @param vrfCoordinator The VRF v2.5 coordinator (locally `VRFCoordinatorV2_5Mock`).
    /// @param governance_ The timelock allowed to change the coordinator.
    /// @param stakeManager_ Where validator stake is locked.
    /// @param config_ See {Config}; 0 < threshold <= size <= 256.
    /// @param admin Holder of DEFAULT_ADMIN_ROLE; grants REQUESTER_ROLE at deployment, then renounces.
    constructor(
        address vrfCoordinator,
        address governance_,
        IStakeManager stakeManager_,
        Config memory config_,
        address admin
    ) VrfConsumer(vrfCoordinator, governance_)
    {
        if (address(stakeManager_) == address(0)) revert ValidatorCommitteeInvalidParameter("stakeManager");
        if (config_.threshold == 0 || config_.threshold > config_.size) {
            revert ValidatorCommitteeInvalidParameter("threshold");
        }
        if (config_.validatorStake == 0) revert ValidatorCommitteeInvalidParameter("validatorStake");
        if (admin == address(0)) revert ValidatorCommitteeInvalidParameter("admin");
        stakeManager = stakeManager_;
        _config = config_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /*//////////////////////////////////////////////////////////////
                               VALIDATORS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IValidatorCommittee
    function join() external {
        if (!_validators.add(msg.sender)) revert ValidatorCommitteeAlreadyValidator(msg.sender);
        uint256 stake = _config.validatorStake;
        emit ValidatorJoined(msg.sender, stake);
        stakeManager.lock(msg.sender, stake);
    }

    /// @inheritdoc IValidatorCommittee
    function exit() external {
        if (!_validators.remove(msg.sender)) revert ValidatorCommitteeNotValidator(msg.sender);
        emit ValidatorExited(msg.sender);
        stakeManager.unlock(msg.sender, _config.validatorStake);
    }

    /*//////////////////////////////////////////////////////////////
                               COMMITTEES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IValidatorCommittee
    function requestCommittee(uint256 disputeId) external onlyRole(REQUESTER_ROLE) returns (uint256 requestId) {
        Config memory c = _config;
        if (_validators.length() < c.size) revert ValidatorCommitteeNotEnoughValidators(_validators.length(), c.size);
        if (_requested[disputeId]) revert ValidatorCommitteeAlreadyRequested(disputeId);
        _requested[disputeId] = true;
        requestId =
            _requestRandomWord(VrfRequest.Params(c.keyHash, c.subscriptionId, c.callbackGasLimit, c.requestConfirmations));
        _pendingRequests[requestId] = disputeId + 1;
        emit CommitteeRequested(disputeId, requestId);
    }

    /// @dev Draws min(size, validators) members. A validator set that shrank below `threshold`
    /// since the request yields a committee that cannot reach a verdict: the dispute then expires.
    function fulfillRandomWords(uint256 requestId, uint256[] calldata randomWords) internal override {
        uint256 disputeIdPlusOne = _pendingRequests[requestId];
        if (disputeIdPlusOne == 0) revert ValidatorCommitteeUnknownRequest(requestId);
        delete _pendingRequests[requestId];
        uint256 seed = randomWords[0];
        uint256 count = _validators.length();
        uint256 size = _config.size < count ? _config.size : count;
        uint256[] memory picked = RandomDraw.distinctIndices(seed, count, size);
        address[] storage members = _committees[disputeIdPlusOne - 1];
        for (uint256 i; i < size; ++i) {
            members.push(_validators.at(picked[i]));
        }
        emit CommitteeDrawn(disputeIdPlusOne - 1, seed, members);
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
    function committeeOf(uint256 disputeId) external view returns (address[] memory) {
        return _committees[disputeId];
    }

    /// @inheritdoc IValidatorCommittee
    function validators() external view returns (address[] memory) {
        return _validators.values();
    }

    /// @inheritdoc IValidatorCommittee
    function config() external view returns (Config memory) {
        return _config;
    }

    function _popCount(uint256 x) private pure returns (uint256 count) {
        for (; x != 0; x &= x - 1) {
            ++count;
        }
    }
}
