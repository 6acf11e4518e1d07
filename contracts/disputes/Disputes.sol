// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {RangeUpkeep} from "../automation/RangeUpkeep.sol";
import {IDisputes} from "../interfaces/IDisputes.sol";
import {IJobRegistry} from "../interfaces/IJobRegistry.sol";
import {IRoundJobRegistry} from "../interfaces/IRoundJobRegistry.sol";
import {IValidatorCommittee} from "../interfaces/IValidatorCommittee.sol";

/// @title Disputes
/// @notice Bonds, state and EIP-712 verdicts of challenges against training results, of single-provider jobs
/// (JobRegistry) and of distributed jobs' rounds (RoundJobRegistry).
/// @dev Holds the bonds of open disputes; the registries move escrow and stake on resolution. One contract serves
/// both registries: ValidatorCommittee keys committees by dispute id, so dispute ids must be unique across them.
contract Disputes is IDisputes, RangeUpkeep, EIP712 {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice EIP-712 type of a committee verdict.
    bytes32 public constant VERDICT_TYPEHASH = keccak256("Verdict(uint256 disputeId,bool providerWrong)");

    IERC20 public immutable token;
    IJobRegistry public immutable jobRegistry;
    IRoundJobRegistry public immutable roundJobRegistry;
    IValidatorCommittee public immutable committee;
    /// @notice Bond a challenger posts, in the protocol token.
    uint96 public immutable challengeBond;
    /// @notice Seconds from a challenge to its verdict deadline (covers the VRF draw and re-execution).
    uint32 public immutable verdictPeriod;

    mapping(uint256 disputeId => Dispute) private _disputes;
    uint256 private _disputeCount;

    /// @param jobRegistry_ The JobRegistry whose results are disputed; its token is the bond token.
    /// @param roundJobRegistry_ The RoundJobRegistry whose rounds are disputed (same token).
    /// @param committee_ The ValidatorCommittee drawing and checking verdict signers.
    /// @param challengeBond_ Bond per challenge (> 0).
    /// @param verdictPeriod_ Seconds a committee has to settle a dispute (0 < verdictPeriod < committee's exitDelay).
    constructor(
        IJobRegistry jobRegistry_,
        IRoundJobRegistry roundJobRegistry_,
        IValidatorCommittee committee_,
        uint96 challengeBond_,
        uint32 verdictPeriod_
    ) EIP712("veritrain Disputes", "1") {
        if (address(jobRegistry_) == address(0)) revert DisputesInvalidParameter("jobRegistry");
        if (address(roundJobRegistry_) == address(0)) revert DisputesInvalidParameter("roundJobRegistry");
        if (roundJobRegistry_.token() != jobRegistry_.token()) revert DisputesInvalidParameter("roundJobRegistry");
        if (address(committee_) == address(0)) revert DisputesInvalidParameter("committee");
        if (challengeBond_ == 0) revert DisputesInvalidParameter("challengeBond");
        if (verdictPeriod_ == 0) revert DisputesInvalidParameter("verdictPeriod");
        // A dispute lives verdictPeriod from its committee request: its validators cannot be released meanwhile.
        uint256 exitDelay = committee_.exitDelay();
        if (verdictPeriod_ >= exitDelay) revert DisputesVerdictPeriodNotBelowExitDelay(verdictPeriod_, exitDelay);
        jobRegistry = jobRegistry_;
        roundJobRegistry = roundJobRegistry_;
        token = jobRegistry_.token();
        committee = committee_;
        challengeBond = challengeBond_;
        verdictPeriod = verdictPeriod_;
    }

    /*//////////////////////////////////////////////////////////////
                               CHALLENGERS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IDisputes
    function challenge(uint256 jobId, uint64 checkpointIndex, bytes32 claimedHash)
        external
        nonReentrant
        returns (uint256 disputeId)
    {
        if (claimedHash == bytes32(0)) revert DisputesZeroClaimedHash();
        (address provider, uint32 windowRemaining) = jobRegistry.openDispute(jobId);
        disputeId = ++_disputeCount;
        uint40 verdictDeadline = uint40(block.timestamp) + verdictPeriod;
        _disputes[disputeId] = Dispute({
            challenger: msg.sender,
            verdictDeadline: verdictDeadline,
            status: DisputeStatus.Open,
            windowRemaining: windowRemaining,
            provider: provider,
            bond: challengeBond,
            jobId: jobId.toUint64(),
            checkpointIndex: checkpointIndex,
            claimedHash: claimedHash,
            registry: DisputeRegistry.Jobs
        });
        emit DisputeOpened(disputeId, jobId, msg.sender, checkpointIndex, claimedHash, challengeBond, verdictDeadline);
        committee.requestCommittee(disputeId);
        token.safeTransferFrom(msg.sender, address(this), challengeBond);
    }

    /// @inheritdoc IDisputes
    function challengeRound(uint256 jobId, uint16 round, uint8 slot, bytes32 claimedHash)
        external
        nonReentrant
        returns (uint256 disputeId)
    {
        if (claimedHash == bytes32(0)) revert DisputesZeroClaimedHash();
        (address accused, uint32 windowRemaining) = roundJobRegistry.openRoundDispute(jobId, round, slot);
        disputeId = ++_disputeCount;
        uint40 verdictDeadline = uint40(block.timestamp) + verdictPeriod;
        _disputes[disputeId] = Dispute({
            challenger: msg.sender,
            verdictDeadline: verdictDeadline,
            status: DisputeStatus.Open,
            windowRemaining: windowRemaining,
            provider: accused,
            bond: challengeBond,
            jobId: jobId.toUint64(),
            checkpointIndex: (uint64(round) << 8) | slot,
            claimedHash: claimedHash,
            registry: DisputeRegistry.RoundJobs
        });
        emit RoundDisputeOpened(disputeId, jobId, round, slot, msg.sender, claimedHash, challengeBond, verdictDeadline);
        committee.requestCommittee(disputeId);
        token.safeTransferFrom(msg.sender, address(this), challengeBond);
    }

    /*//////////////////////////////////////////////////////////////
                               VERDICTS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IDisputes
    function settle(uint256 disputeId, bool providerWrong, uint256 signerBitmap, bytes[] calldata signatures)
        external
        nonReentrant
    {
        Dispute storage dispute = _open(disputeId);
        // INVARIANT: a verdict counts only strictly before the verdict deadline.
        if (block.timestamp >= dispute.verdictDeadline) {
            revert DisputesVerdictTooLate(disputeId, dispute.verdictDeadline);
        }
        committee.verifyVerdict(disputeId, verdictDigest(disputeId, providerWrong), signerBitmap, signatures);
        address challenger = dispute.challenger;
        address bondRecipient = providerWrong ? challenger : dispute.provider;
        dispute.status = providerWrong ? DisputeStatus.ProviderWrong : DisputeStatus.ChallengerWrong;
        emit DisputeSettled(disputeId, providerWrong, bondRecipient, signerBitmap);
        IJobRegistry.DisputeOutcome outcome =
            providerWrong ? IJobRegistry.DisputeOutcome.ProviderWrong : IJobRegistry.DisputeOutcome.ResultStands;
        _resolve(dispute, outcome, challenger);
        token.safeTransfer(bondRecipient, dispute.bond);
    }

    /// @inheritdoc IDisputes
    function expire(uint256 disputeId) external nonReentrant {
        Dispute storage dispute = _open(disputeId);
        if (block.timestamp < dispute.verdictDeadline) {
            revert DisputesVerdictDeadlineNotReached(disputeId, dispute.verdictDeadline);
        }
        _expire(disputeId, dispute);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IDisputes
    function verdictDigest(uint256 disputeId, bool providerWrong) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(VERDICT_TYPEHASH, disputeId, providerWrong)));
    }

    /// @inheritdoc IDisputes
    function getDispute(uint256 disputeId) external view returns (Dispute memory) {
        return _disputes[disputeId];
    }

    /// @inheritdoc IDisputes
    function disputeCount() external view returns (uint256) {
        return _disputeCount;
    }

    /*//////////////////////////////////////////////////////////////
                                UPKEEP
    //////////////////////////////////////////////////////////////*/

    function _upkeepCount() internal view override returns (uint256) {
        return _disputeCount;
    }

    function _upkeepDue(uint256 disputeId) internal view override returns (bool) {
        Dispute storage dispute = _disputes[disputeId];
        return dispute.status == DisputeStatus.Open && block.timestamp >= dispute.verdictDeadline;
    }

    function _performUpkeep(uint256 disputeId) internal override {
        _expire(disputeId, _disputes[disputeId]);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    /// @dev A committee that could have judged in time but did not leaves the result standing (the challenger
    /// may challenge again); without one, nothing was judged, so the result can neither be paid nor slashed.
    function _expire(uint256 disputeId, Dispute storage dispute) private {
        address challenger = dispute.challenger;
        IJobRegistry.DisputeOutcome outcome;
        if (committee.committeeFormedBefore(disputeId, dispute.verdictDeadline)) {
            dispute.status = DisputeStatus.Expired;
            outcome = IJobRegistry.DisputeOutcome.ResultStands;
            emit DisputeExpired(disputeId);
        } else {
            dispute.status = DisputeStatus.NoCommittee;
            outcome = IJobRegistry.DisputeOutcome.NoCommittee;
            emit DisputeNoCommittee(disputeId);
        }
        _resolve(dispute, outcome, challenger);
        token.safeTransfer(challenger, dispute.bond);
    }

    /// @dev Reports `outcome` to the registry of the dispute's job. RoundJobRegistry's outcomes have the same
    /// order (ResultStands, AccusedWrong, NoCommittee), its accused being the dispute's `provider`.
    function _resolve(Dispute storage dispute, IJobRegistry.DisputeOutcome outcome, address challenger) private {
        if (dispute.registry == DisputeRegistry.Jobs) {
            jobRegistry.resolveDispute(dispute.jobId, outcome, challenger, dispute.windowRemaining);
        } else {
            roundJobRegistry.resolveRoundDispute(
                dispute.jobId, IRoundJobRegistry.RoundDisputeOutcome(uint8(outcome)), challenger, dispute.windowRemaining
            );
        }
    }

    function _open(uint256 disputeId) private view returns (Dispute storage dispute) {
        dispute = _disputes[disputeId];
        if (dispute.status == DisputeStatus.None) revert DisputesUnknownDispute(disputeId);
        if (dispute.status != DisputeStatus.Open) revert DisputesNotOpen(disputeId, dispute.status);
    }
}

