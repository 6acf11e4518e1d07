// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IRoundJobRegistry} from "../interfaces/IRoundJobRegistry.sol";
import {ISecureAggregationLedger} from "../interfaces/ISecureAggregationLedger.sol";

/// @title SecureAggregationLedger
/// @notice The round ledger of secure aggregation for RoundJobRegistry's jobs (see {ISecureAggregationLedger}).
/// @dev Holds no value and no role, and loops over nothing: a post reads the registry (status, round, deadline,
/// the caller's slot), checks its stage's window, then records the message's SHA-256 and one bit and emits the
/// message (bounded by MAX_MESSAGE_BYTES, its gas paid by the poster). Every window ends with the registry's own
/// deadlines (Keys, Shares and Complaints inside the training period; Unmask and Recover with the round), so the ledger
/// adds no waiting state of its own. A noise-seed opening is only checked and emitted; an opening key is one word per
/// account.
contract SecureAggregationLedger is ISecureAggregationLedger {
    /// @inheritdoc ISecureAggregationLedger
    uint256 public constant MAX_MESSAGE_BYTES = 2048;
    /// @inheritdoc ISecureAggregationLedger
    uint256 public constant MAX_OPENING_BYTES = 66 + 108 * 255;

    /// @inheritdoc ISecureAggregationLedger
    IRoundJobRegistry public immutable registry;

    mapping(uint256 jobId => mapping(uint256 round => PostedMasks)) private _masks;
    mapping(uint256 jobId => mapping(uint256 round => bytes32[16][4])) private _digests;
    mapping(uint256 jobId => bytes32[16]) private _dataRoots;
    mapping(uint256 jobId => mapping(uint256 round => bytes32[16])) private _noiseSeedCommitments;
    mapping(uint256 jobId => mapping(uint256 round => bytes32[16][16])) private _recoveryDigests;
    mapping(address account => bytes32 key) private _openingKeys;

    /// @param registry_ The RoundJobRegistry whose jobs' slots post here.
    constructor(IRoundJobRegistry registry_) {
        if (address(registry_) == address(0)) revert SecureAggregationLedgerInvalidParameter("registry");
        registry = registry_;
    }

    /// @inheritdoc ISecureAggregationLedger
    function post(uint256 jobId, uint16 round, Stage stage, bytes calldata message) external {
        if (message.length == 0 || message.length > MAX_MESSAGE_BYTES) {
            revert SecureAggregationLedgerMessageLength(jobId, message.length, MAX_MESSAGE_BYTES);
        }
        (IRoundJobRegistry.RoundJob memory job, uint8 slot) = _callerSlot(jobId, round, stage);
        _markPosted(jobId, round, stage, slot, job);
        bytes32 digest = sha256(message);
        _digests[jobId][round][uint256(stage)][slot] = digest;
        emit SecAggPosted(jobId, round, stage, slot, digest, message);
    }

    /// @inheritdoc ISecureAggregationLedger
    function recover(uint256 jobId, uint16 round, uint8 owner, bytes calldata message) external {
        if (message.length == 0 || message.length > MAX_MESSAGE_BYTES) {
            revert SecureAggregationLedgerMessageLength(jobId, message.length, MAX_MESSAGE_BYTES);
        }
        (IRoundJobRegistry.RoundJob memory job, uint8 slot) = _callerSlot(jobId, round, Stage.Unmask);
        PostedMasks memory masks = _masks[jobId][round];
        if (masks.unmask & (1 << slot) == 0) revert SecureAggregationLedgerMissedStage(jobId, round, Stage.Unmask, slot);
        // INVARIANT: a mask key is recovered only for a slot that posted Complaints and that the registry dropped: out
        // of the sum. Once training closed every active slot committed and the registry drops one only on a dispute's
        // verdict, so a slot that still counts never has both its secrets revealed (docs/secure-aggregation.md §9); a
        // slot dropped before, without an input, never has its self mask revealed.
        if (owner >= 16 || masks.complaints & (1 << owner) == 0 || job.activeMask & (1 << owner) != 0) {
            revert SecureAggregationLedgerNotWithdrawn(jobId, round, owner);
        }
        bytes32[16] storage digests = _recoveryDigests[jobId][round][owner];
        if (digests[slot] != bytes32(0)) revert SecureAggregationLedgerAlreadyRecovered(jobId, round, owner, slot);
        bytes32 digest = sha256(message);
        digests[slot] = digest;
        emit SecAggRecovered(jobId, round, owner, slot, digest, message);
    }

    /// @inheritdoc ISecureAggregationLedger
    function commitOwner(uint256 jobId, uint16 round, bytes32 dataRoot, bytes32 noiseSeedCommitment) external {
        if (dataRoot == bytes32(0) || noiseSeedCommitment == bytes32(0)) revert SecureAggregationLedgerZeroCommitment(jobId);
        IRoundJobRegistry.RoundJob memory job = registry.getRoundJob(jobId);
        if (job.status != IRoundJobRegistry.RoundJobStatus.Training) {
            revert SecureAggregationLedgerOwnerNotTraining(jobId, job.status);
        }
        uint8 slot = _activeSlot(jobId, round, job);
        if (
            _noiseSeedCommitments[jobId][round][slot] != bytes32(0)
                || registry.commitmentOf(jobId, round, slot) != bytes32(0)
        ) revert SecureAggregationLedgerOwnerCommitted(jobId, round, slot);
        bytes32 committed = _dataRoots[jobId][slot];
        if (committed == bytes32(0)) {
            _dataRoots[jobId][slot] = dataRoot;
        } else if (committed != dataRoot) {
            revert SecureAggregationLedgerDataRootChanged(jobId, slot, committed, dataRoot);
        }
        _noiseSeedCommitments[jobId][round][slot] = noiseSeedCommitment;
        emit OwnerCommitted(jobId, round, slot, dataRoot, noiseSeedCommitment);
    }

    /// @inheritdoc ISecureAggregationLedger
    function openNoiseSeed(uint256 jobId, uint16 round, bytes calldata envelopes) external {
        IRoundJobRegistry.RoundJob memory job = registry.getRoundJob(jobId);
        // INVARIANT: a noise seed is opened only while a dispute holds the job, to the committee it drew: outside one
        // nobody is entitled to it.
        if (job.status != IRoundJobRegistry.RoundJobStatus.Disputed) {
            revert SecureAggregationLedgerNotDisputed(jobId, job.status);
        }
        uint8 slot = _activeSlot(jobId, round, job);
        if (job.disputedSlot != slot) revert SecureAggregationLedgerNotDisputedSlot(jobId, slot, job.disputedSlot);
        if (_noiseSeedCommitments[jobId][round][slot] == bytes32(0)) {
            revert SecureAggregationLedgerNoNoiseSeedCommitment(jobId, round, slot);
        }
        if (envelopes.length == 0 || envelopes.length > MAX_OPENING_BYTES) {
            revert SecureAggregationLedgerMessageLength(jobId, envelopes.length, MAX_OPENING_BYTES);
        }
        emit NoiseSeedOpened(jobId, round, slot, sha256(envelopes), envelopes);
    }

    /// @inheritdoc ISecureAggregationLedger
    function setOpeningKey(bytes32 key) external {
        if (key == bytes32(0)) revert SecureAggregationLedgerZeroOpeningKey(msg.sender);
        _openingKeys[msg.sender] = key;
        emit OpeningKeySet(msg.sender, key);
    }

    /// @inheritdoc ISecureAggregationLedger
    function ownerCommitmentOf(uint256 jobId, uint16 round, uint8 slot)
        external
        view
        returns (bytes32 dataRoot, bytes32 noiseSeedCommitment)
    {
        if (slot >= 16) revert SecureAggregationLedgerNoSuchSlot(slot);
        // A slot's data root counts from the round of its first commitment on.
        noiseSeedCommitment = _noiseSeedCommitments[jobId][round][slot];
        if (noiseSeedCommitment != bytes32(0)) dataRoot = _dataRoots[jobId][slot];
    }

    /// @inheritdoc ISecureAggregationLedger
    function openingKeyOf(address account) external view returns (bytes32) {
        return _openingKeys[account];
    }

    /// @inheritdoc ISecureAggregationLedger
    function postedMasks(uint256 jobId, uint16 round) external view returns (PostedMasks memory) {
        return _masks[jobId][round];
    }

    /// @inheritdoc ISecureAggregationLedger
    function digestsOf(uint256 jobId, uint16 round) external view returns (bytes32[16][4] memory) {
        return _digests[jobId][round];
    }

    /// @inheritdoc ISecureAggregationLedger
    function recoveryDigestsOf(uint256 jobId, uint16 round, uint8 owner) external view returns (bytes32[16] memory) {
        if (owner >= 16) revert SecureAggregationLedgerNoSuchSlot(owner);
        return _recoveryDigests[jobId][round][owner];
    }

    /// @inheritdoc ISecureAggregationLedger
    function stageEnds(uint256 jobId) external view returns (uint256 keysEnd, uint256 sharesEnd, uint256 complaintsEnd) {
        IRoundJobRegistry.RoundJob memory job = registry.getRoundJob(jobId);
        if (job.status != IRoundJobRegistry.RoundJobStatus.Training) {
            revert SecureAggregationLedgerWrongStatus(jobId, Stage.Keys, job.status, IRoundJobRegistry.RoundJobStatus.Training);
        }
        return _stageEnds(job);
    }

    /// @dev The job and the caller's active slot, after the checks every stage shares.
    function _callerSlot(uint256 jobId, uint16 round, Stage stage)
        private
        view
        returns (IRoundJobRegistry.RoundJob memory job, uint8 slot)
    {
        job = registry.getRoundJob(jobId);
        IRoundJobRegistry.RoundJobStatus status = job.status;
        if (stage != Stage.Unmask && status != IRoundJobRegistry.RoundJobStatus.Training) {
            revert SecureAggregationLedgerWrongStatus(jobId, stage, status, IRoundJobRegistry.RoundJobStatus.Training);
        }
        // Unmask shares are taken once training closed and until the round ends: while it awaits its aggregate, and
        // while a posted one is open to challenge or disputed (whoever checks it needs t shares of each secret).
        if (
            stage == Stage.Unmask && status != IRoundJobRegistry.RoundJobStatus.Aggregating
                && status != IRoundJobRegistry.RoundJobStatus.Aggregated && status != IRoundJobRegistry.RoundJobStatus.Disputed
        ) revert SecureAggregationLedgerWrongStatus(jobId, stage, status, IRoundJobRegistry.RoundJobStatus.Aggregating);
        slot = _activeSlot(jobId, round, job);
    }

    /// @dev The caller's active slot of job `jobId`, whose current round must be `round`.
    function _activeSlot(uint256 jobId, uint16 round, IRoundJobRegistry.RoundJob memory job)
        private
        view
        returns (uint8 slot)
    {
        if (round != job.round) revert SecureAggregationLedgerWrongRound(jobId, round, job.round);
        bool holds;
        (holds, slot) = registry.slotOf(jobId, msg.sender);
        if (!holds) revert SecureAggregationLedgerNotASlot(jobId, msg.sender);
        if (job.activeMask & (1 << slot) == 0) revert SecureAggregationLedgerInactiveSlot(jobId, slot);
    }

    /// @dev Checks `stage`'s window and the slot's earlier stages, then sets the slot's bit of the stage.
    function _markPosted(uint256 jobId, uint16 round, Stage stage, uint8 slot, IRoundJobRegistry.RoundJob memory job)
        private
    {
        PostedMasks storage masks = _masks[jobId][round];
        PostedMasks memory posted = masks;
        // slot < 16 (the registry's MAX_SLOTS): its bit fits a uint16.
        uint16 bit = uint16(1 << slot);
        uint16 stageMask = stage == Stage.Keys
            ? posted.keys
            : stage == Stage.Shares ? posted.shares : stage == Stage.Complaints ? posted.complaints : posted.unmask;
        // INVARIANT: a slot posts each stage of a round once, so a stage's set and digests never change once read.
        if (stageMask & bit != 0) revert SecureAggregationLedgerAlreadyPosted(jobId, round, stage, slot);
        if (stage == Stage.Unmask) {
            // INVARIANT: unmask shares only from U3, and only once training closed, so U3 is final before any share of
            // a secret is revealed. Once training closed every active slot committed its update (the registry dropped
            // the others), so U3 is the active slots that cleared Complaints.
            if (posted.complaints & bit == 0) revert SecureAggregationLedgerMissedStage(jobId, round, stage, slot);
            masks.unmask = posted.unmask | bit;
            return;
        }
        (uint256 keysEnd, uint256 sharesEnd, uint256 complaintsEnd) = _stageEnds(job);
        if (stage == Stage.Keys) {
            // An active slot that has not posted sees Keys open until keysEnd (an early close needs its post too).
            if (block.timestamp >= keysEnd) revert SecureAggregationLedgerStageClosed(jobId, round, stage, keysEnd);
            masks.keys = posted.keys | bit;
            return;
        }
        // INVARIANT: each later stage opens only once the one before is final: its time is up, or every slot that may
        // post it posted (every active slot for Keys, every active slot of Keys for Shares).
        bool keysClosed = block.timestamp >= keysEnd || posted.keys & job.activeMask == job.activeMask;
        if (stage == Stage.Shares) {
            if (posted.keys & bit == 0) revert SecureAggregationLedgerMissedStage(jobId, round, stage, slot);
            if (!keysClosed) revert SecureAggregationLedgerStageNotOpen(jobId, round, stage, keysEnd);
            if (block.timestamp >= sharesEnd) revert SecureAggregationLedgerStageClosed(jobId, round, stage, sharesEnd);
            masks.shares = posted.shares | bit;
            return;
        }
        if (posted.shares & bit == 0) revert SecureAggregationLedgerMissedStage(jobId, round, stage, slot);
        uint16 advertised = posted.keys & job.activeMask;
        if (block.timestamp < sharesEnd && !(keysClosed && posted.shares & advertised == advertised)) {
            revert SecureAggregationLedgerStageNotOpen(jobId, round, stage, sharesEnd);
        }
        if (block.timestamp >= complaintsEnd) {
            revert SecureAggregationLedgerStageClosed(jobId, round, stage, complaintsEnd);
        }
        masks.complaints = posted.complaints | bit;
    }

    /// @dev Keys ends a quarter, Shares half, Complaints three quarters of the way through a Training round
    /// (start = deadline - roundPeriod).
    function _stageEnds(IRoundJobRegistry.RoundJob memory job)
        private
        pure
        returns (uint256 keysEnd, uint256 sharesEnd, uint256 complaintsEnd)
    {
        uint256 start = uint256(job.deadline) - job.roundPeriod;
        return (start + job.roundPeriod / 4, start + job.roundPeriod / 2, start + (3 * uint256(job.roundPeriod)) / 4);
    }
}
