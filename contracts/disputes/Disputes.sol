// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {RangeUpkeep} from "../automation/RangeUpkeep.sol";
import {IBisectionGame} from "../interfaces/IBisectionGame.sol";
import {IDisputes} from "../interfaces/IDisputes.sol";
import {IGameMachine} from "../interfaces/IGameMachine.sol";
import {IGameReferee} from "../interfaces/IGameReferee.sol";
import {IJobRegistry} from "../interfaces/IJobRegistry.sol";
import {IRoundJobRegistry} from "../interfaces/IRoundJobRegistry.sol";
import {IStakeManager} from "../interfaces/IStakeManager.sol";
import {IValidatorCommittee} from "../interfaces/IValidatorCommittee.sol";
import {IAggregateReferee} from "../interfaces/IAggregateReferee.sol";
import {IRefereeDeployer} from "../interfaces/IRefereeDeployer.sol";
import {ChunkedBlob} from "../libraries/ChunkedBlob.sol";
import {ShareSplit} from "../libraries/ShareSplit.sol";
import {BisectionGame} from "./BisectionGame.sol";

/// @title Disputes
/// @notice Bonds, state and EIP-712 verdicts of challenges against training results, of single-provider jobs
/// (JobRegistry) and of distributed jobs' rounds (RoundJobRegistry).
/// @dev Holds the bonds of open disputes; the registries move escrow and stake on resolution. One contract serves
/// both registries: ValidatorCommittee keys committees by dispute id, so dispute ids must be unique across them.
/// Disputes deploys its BisectionGame itself (the game's referee is this contract) and has a RefereeDeployer deploy
/// its AggregateReferee (whose Disputes is this contract), so no account ever wires them.
contract Disputes is IDisputes, RangeUpkeep, EIP712 {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice EIP-712 type of a committee verdict.
    bytes32 public constant VERDICT_TYPEHASH = keccak256("Verdict(uint256 disputeId,bool providerWrong)");
    /// @inheritdoc IDisputes
    uint64 public constant RESULT_DISPUTE = type(uint64).max;
    /// @inheritdoc IDisputes
    /// @dev 1,024 words, 32 KiB: up to 1.45M gas a chunk with its calldata and event (docs/benchmarks.md).
    uint8 public constant CHUNK_DEPTH = 10;
    /// @inheritdoc IDisputes
    /// @dev 32 KiB of calldata and event data: about 0.9M gas a chunk (docs/benchmarks.md, `bench:dispute`).
    uint32 public constant BLOB_CHUNK_BYTES = ChunkedBlob.CHUNK_BYTES;
    /// @notice A round's aggregate, as a slot number (RoundJobRegistry's AGGREGATE_SLOT).
    uint8 private constant AGGREGATE_SLOT = 255;

    IERC20 public immutable token;
    IJobRegistry public immutable jobRegistry;
    IRoundJobRegistry public immutable roundJobRegistry;
    IValidatorCommittee public immutable committee;
    /// @notice Bond a challenger posts, in the protocol token.
    uint96 public immutable challengeBond;
    /// @notice Seconds from a challenge to its verdict deadline (covers the VRF draw and re-execution).
    uint32 public immutable verdictPeriod;
    /// @inheritdoc IDisputes
    uint32 public immutable forcePeriod;
    /// @inheritdoc IDisputes
    IBisectionGame public immutable game;
    /// @inheritdoc IDisputes
    IAggregateReferee public immutable referee;
    /// @inheritdoc IDisputes
    address public immutable treasury;
    /// @inheritdoc IDisputes
    uint16 public immutable accusedShareBps;

    mapping(uint256 disputeId => Dispute) private _disputes;
    uint256 private _disputeCount;
    mapping(uint256 gameId => uint256 disputeId) private _disputeOfGame;
    mapping(uint256 disputeId => Publication) private _publications;
    mapping(uint256 disputeId => mapping(uint256 bucket => uint256 bits)) private _chunksPublished;
    mapping(uint256 jobId => uint256 disputeId) private _publishedIn;
    mapping(bytes32 digest => uint256 disputeId) private _blobPublishedIn;

    /// @param jobRegistry_ The JobRegistry whose results are disputed; its token is the bond token.
    /// @param roundJobRegistry_ The RoundJobRegistry whose rounds are disputed (same token).
    /// @param committee_ The ValidatorCommittee drawing and checking verdict signers.
    /// @param challengeBond_ Bond per challenge (> 0).
    /// @param verdictPeriod_ Seconds a committee has to settle a dispute (0 < verdictPeriod < committee's exitDelay).
    /// @param machine_ The machine games replay (TrainingVm).
    /// @param clockBudget_ Seconds each side of a game has for all its moves (> 0; above the network's censorship bound).
    /// @param forcePeriod_ Seconds a provider has to force a game (0 < forcePeriod < verdictPeriod; above the
    /// network's censorship bound).
    /// @param refereeDeployer_ The RefereeDeployer that deploys this contract's AggregateReferee.
    constructor(
        IJobRegistry jobRegistry_,
        IRoundJobRegistry roundJobRegistry_,
        IValidatorCommittee committee_,
        uint96 challengeBond_,
        uint32 verdictPeriod_,
        IGameMachine machine_,
        uint64 clockBudget_,
        uint32 forcePeriod_,
        IRefereeDeployer refereeDeployer_
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
        if (forcePeriod_ == 0 || forcePeriod_ >= verdictPeriod_) {
            revert DisputesForcePeriodNotBelowVerdictPeriod(forcePeriod_, verdictPeriod_);
        }
        if (address(refereeDeployer_) == address(0)) revert DisputesInvalidParameter("refereeDeployer");
        jobRegistry = jobRegistry_;
        roundJobRegistry = roundJobRegistry_;
        token = jobRegistry_.token();
        committee = committee_;
        challengeBond = challengeBond_;
        IStakeManager stakes = jobRegistry_.stakeManager();
        treasury = stakes.treasury();
        accusedShareBps = stakes.beneficiaryShareBps();
        verdictPeriod = verdictPeriod_;
        forcePeriod = forcePeriod_;
        // The challenge bond is the game's move 0, so a level-0 move is bonded as much (docs/dispute-game.md §3).
        game = new BisectionGame(token, machine_, IGameReferee(this), challengeBond_, clockBudget_);
        referee = refereeDeployer_.deploy(roundJobRegistry_);
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
        if (checkpointIndex == RESULT_DISPUTE) return _challengeResult(jobId);
        if (claimedHash == bytes32(0)) revert DisputesZeroClaimedHash();
        disputeId = _openJobDispute(jobId, checkpointIndex, claimedHash, uint40(block.timestamp) + verdictPeriod);
        committee.requestCommittee(disputeId);
        token.safeTransferFrom(msg.sender, address(this), challengeBond);
    }

    /// @inheritdoc IDisputes
    function challengeResult(uint256 jobId) external nonReentrant returns (uint256 disputeId) {
        return _challengeResult(jobId);
    }

    /// @inheritdoc IDisputes
    function challengeByGame(uint256 jobId, uint64 checkpoint, bytes32 claimedHash, TraceOpening calldata opening)
        external
        nonReentrant
        returns (uint256 disputeId)
    {
        if (claimedHash == bytes32(0)) revert DisputesZeroClaimedHash();
        disputeId = _openJobDispute(jobId, checkpoint, claimedHash, 0);
        (bytes32 program, uint64[2] memory range, bytes32[2] memory states) = _segment(jobId, checkpoint, opening);
        if (range[1] == 0) revert DisputesNoSegment(jobId, checkpoint);
        _startGame(disputeId, _disputes[disputeId], program, range, states, false);
        token.safeTransferFrom(msg.sender, address(this), challengeBond);
    }

    /// @inheritdoc IDisputes
    function challengeRound(uint256 jobId, uint16 round, uint8 slot, bytes32 claimedHash)
        external
        nonReentrant
        returns (uint256 disputeId)
    {
        if (claimedHash == bytes32(0)) revert DisputesZeroClaimedHash();
        disputeId = _openRoundDispute(jobId, round, slot, claimedHash);
        // An aggregate of a job that commits its aggregation is the referee's: no committee.
        if (slot != AGGREGATE_SLOT || roundJobRegistry.aggregationOf(jobId) == bytes32(0)) {
            committee.requestCommittee(disputeId);
        }
        token.safeTransferFrom(msg.sender, address(this), challengeBond);
    }

    /// @inheritdoc IDisputes
    function challengeUpdate(uint256 jobId, uint16 round, uint8 slot) external nonReentrant returns (uint256 disputeId) {
        bytes32 digest = _committedBlob(jobId, _roundSlot(round, slot));
        uint256 published = _blobPublishedIn[digest];
        if (published != 0) revert DisputesBlobPublished(digest, published);
        disputeId = _openRoundDispute(jobId, round, slot, bytes32(0));
        token.safeTransferFrom(msg.sender, address(this), challengeBond);
    }

    /*//////////////////////////////////////////////////////////////
                              PUBLICATION
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IDisputes
    function publishTrace(uint256 disputeId, TraceBatch calldata batch, bytes calldata program) external nonReentrant {
        Dispute storage dispute = _publishing(disputeId, DisputeRegistry.Jobs);
        Publication storage publication = _publications[disputeId];
        IJobRegistry.Job memory job = jobRegistry.getJob(dispute.jobId);
        (uint8 depth, uint64 checkpoints) = game.machine().checkpointShape(job.program, program);
        uint64 from = batch.from;
        if (from != publication.traced) revert DisputesTraceOutOfOrder(disputeId, from, publication.traced);
        uint256 count = batch.hashes.length;
        if (count == 0 || from + count > checkpoints) revert DisputesTraceOutOfRange(disputeId, from, count, checkpoints);
        bytes32[] memory leaves = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) {
            leaves[i] = keccak256(bytes.concat(keccak256(abi.encode(from + i, batch.hashes[i]))));
        }
        if (!MerkleProof.multiProofVerifyCalldata(batch.proof, batch.proofFlags, job.traceRoot, leaves)) {
            revert DisputesCheckpointsNotInTrace(dispute.jobId, from, count);
        }
        publication.traced = uint64(from + count);
        publication.checkpoints = checkpoints;
        if (from + count == checkpoints) {
            publication.lastHash = batch.hashes[count - 1];
            publication.depth = depth;
            publication.chunksLeft = (uint256(1) << (depth - _chunkDepth(depth))).toUint64();
        }
        emit TracePublished(disputeId, from, batch.hashes);
    }

    /// @inheritdoc IDisputes
    function publishChunk(uint256 disputeId, uint64 chunk, bytes32[] calldata words, bytes32[] calldata proof)
        external
        nonReentrant
    {
        Dispute storage dispute = _publishing(disputeId, DisputeRegistry.Jobs);
        Publication storage publication = _publications[disputeId];
        if (publication.checkpoints == 0 || publication.traced != publication.checkpoints) {
            revert DisputesTraceIncomplete(disputeId, publication.traced, publication.checkpoints);
        }
        _requireChunk(disputeId, publication, chunk, words, proof);
        _markPublished(disputeId, chunk);
        uint64 left = --publication.chunksLeft;
        emit CheckpointChunkPublished(disputeId, chunk, words);
        if (left != 0) return;
        // The whole result is on-chain: available for good. The result stands, the bond is the provider's.
        uint256 jobId = dispute.jobId;
        _publishedIn[jobId] = disputeId;
        emit ResultPublished(disputeId, jobId, dispute.provider);
        _accusedRight(disputeId, dispute);
    }

    /// @inheritdoc IDisputes
    function publishUpdateChunk(
        uint256 disputeId,
        uint64 length,
        bytes32 root,
        uint64 chunk,
        bytes calldata bytes_,
        bytes32[] calldata proof
    ) external nonReentrant {
        Dispute storage dispute = _publishing(disputeId, DisputeRegistry.RoundJobs);
        bytes32 digest = _requireUpdateHeader(disputeId, dispute, length, root);
        uint64 chunks = _requireBlobChunk(disputeId, length, root, chunk, bytes_, proof);
        _markPublished(disputeId, chunk);
        Publication storage publication = _publications[disputeId];
        if (publication.checkpoints == 0) {
            publication.checkpoints = chunks;
            publication.chunksLeft = chunks;
        }
        uint64 left = --publication.chunksLeft;
        emit UpdateChunkPublished(disputeId, chunk, bytes_);
        if (left != 0) return;
        // The whole blob is on-chain: available for good. The update stands, the bond is its provider's.
        uint64 roundSlot = dispute.checkpointIndex;
        _blobPublishedIn[digest] = disputeId;
        emit UpdatePublished(disputeId, dispute.jobId, roundSlot >> 8, roundSlot & 255, dispute.provider);
        _accusedRight(disputeId, dispute);
    }

    /*//////////////////////////////////////////////////////////////
                                 GAMES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IDisputes
    function forceGame(uint256 disputeId, TraceOpening calldata opening) external nonReentrant {
        Dispute storage dispute = _open(disputeId);
        // INVARIANT: only a single-provider job's accused turns its dispute of a checkpoint into a game, within the
        // force period. A dispute of the result as published is the committee's: no game replays availability.
        if (dispute.registry != DisputeRegistry.Jobs || dispute.checkpointIndex == RESULT_DISPUTE) {
            revert DisputesNotGameable(disputeId);
        }
        if (msg.sender != dispute.provider) revert DisputesOnlyProvider(disputeId, msg.sender, dispute.provider);
        uint256 forceDeadline = _forceDeadline(dispute);
        if (block.timestamp >= forceDeadline) revert DisputesForcePeriodOver(disputeId, forceDeadline);
        uint64 checkpoint = dispute.checkpointIndex;
        (bytes32 program, uint64[2] memory range, bytes32[2] memory states) = _segment(dispute.jobId, checkpoint, opening);
        if (range[1] == 0) {
            // The challenger named a checkpoint the job does not have: nothing is wrong there.
            emit DisputeDismissed(disputeId, checkpoint);
            _accusedRight(disputeId, dispute);
            return;
        }
        _startGame(disputeId, dispute, program, range, states, true);
    }

    /// @inheritdoc IGameReferee
    function gameEnded(uint256 gameId, bool providerWon) external nonReentrant {
        // INVARIANT: only the game contract reports ends, once per game (it ends each game once).
        if (msg.sender != address(game)) revert DisputesOnlyGame(msg.sender);
        uint256 disputeId = _disputeOfGame[gameId];
        Dispute storage dispute = _disputes[disputeId];
        address challenger = dispute.challenger;
        address bondRecipient = providerWon ? dispute.provider : challenger;
        dispute.status = providerWon ? DisputeStatus.ChallengerWrong : DisputeStatus.ProviderWrong;
        emit DisputeDecidedByGame(disputeId, gameId, !providerWon, bondRecipient);
        IJobRegistry.DisputeOutcome outcome =
            providerWon ? IJobRegistry.DisputeOutcome.ResultStands : IJobRegistry.DisputeOutcome.ProviderWrong;
        _resolve(dispute, outcome, challenger);
        _payBond(disputeId, dispute, !providerWon);
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
        // INVARIANT: publication alone decides an availability dispute, the referee a refereed one; no committee was
        // drawn for either.
        if (_availability(dispute) || _refereed(dispute)) revert DisputesNoCommitteeDispute(disputeId);
        // INVARIANT: no verdict counts while the provider may still force a game (a colluding committee could
        // otherwise settle before the provider's forceGame is included).
        if (_gameable(dispute)) {
            uint256 forceDeadline = _forceDeadline(dispute);
            if (block.timestamp < forceDeadline) revert DisputesForcePeriodNotOver(disputeId, forceDeadline);
        }
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
        _payBond(disputeId, dispute, providerWrong);
    }

    /// @inheritdoc IDisputes
    function expire(uint256 disputeId) external nonReentrant {
        Dispute storage dispute = _open(disputeId);
        if (block.timestamp < dispute.verdictDeadline) {
            revert DisputesVerdictDeadlineNotReached(disputeId, dispute.verdictDeadline);
        }
        _expire(disputeId, dispute);
    }

    /// @inheritdoc IDisputes
    function refuteAggregate(uint256 disputeId, address prover) external nonReentrant {
        // INVARIANT: only the referee, which checked the dispute open, refereed and before its deadline.
        if (msg.sender != address(referee)) revert DisputesOnlyReferee(msg.sender);
        Dispute storage dispute = _disputes[disputeId];
        address challenger = dispute.challenger;
        dispute.status = DisputeStatus.ProviderWrong;
        emit DisputeDecidedByReferee(disputeId, challenger, prover);
        // The slash rewards whoever proved it (anyone may, in any open refereed dispute: a dispute the aggregator
        // opened itself shields nothing); the challenger, right, gets its bond back.
        _resolve(dispute, IJobRegistry.DisputeOutcome.ProviderWrong, prover);
        _payBond(disputeId, dispute, true);
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

    /// @inheritdoc IDisputes
    function disputeOfGame(uint256 gameId) external view returns (uint256) {
        return _disputeOfGame[gameId];
    }

    /// @inheritdoc IDisputes
    function getPublication(uint256 disputeId) external view returns (Publication memory) {
        return _publications[disputeId];
    }

    /// @inheritdoc IDisputes
    function publishedIn(uint256 jobId) external view returns (uint256) {
        return _publishedIn[jobId];
    }

    /// @inheritdoc IDisputes
    function blobPublishedIn(bytes32 digest) external view returns (uint256) {
        return _blobPublishedIn[digest];
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

    /// @dev An availability dispute unanswered by its deadline finds the provider wrong (only silence loses); a refereed
    /// one unrefuted upholds the aggregate (the bond to the aggregator). A committee that could have judged in time but did not leaves the result standing (the challenger may challenge
    /// again); without one, nothing was judged, so the result can neither be paid nor slashed.
    function _expire(uint256 disputeId, Dispute storage dispute) private {
        if (_refereed(dispute)) {
            // Nobody proved the aggregate wrong in time: it stands, and the challenger's bond pays for the delay.
            emit AggregateUpheld(disputeId, dispute.provider);
            _accusedRight(disputeId, dispute);
            return;
        }
        address challenger = dispute.challenger;
        IJobRegistry.DisputeOutcome outcome;
        if (_availability(dispute)) {
            dispute.status = DisputeStatus.ProviderWrong;
            outcome = IJobRegistry.DisputeOutcome.ProviderWrong;
            emit ResultWithheld(disputeId);
        } else if (committee.committeeFormedBefore(disputeId, dispute.verdictDeadline)) {
            dispute.status = DisputeStatus.Expired;
            outcome = IJobRegistry.DisputeOutcome.ResultStands;
            emit DisputeExpired(disputeId);
        } else {
            dispute.status = DisputeStatus.NoCommittee;
            outcome = IJobRegistry.DisputeOutcome.NoCommittee;
            emit DisputeNoCommittee(disputeId);
        }
        _resolve(dispute, outcome, challenger);
        _payBond(disputeId, dispute, true);
    }

    /// @dev Ends `dispute` for its accused without a verdict (published, or dismissed): what it accused stands, the
    /// registry resumes, the bond is lost.
    function _accusedRight(uint256 disputeId, Dispute storage dispute) private {
        dispute.status = DisputeStatus.ChallengerWrong;
        _resolve(dispute, IJobRegistry.DisputeOutcome.ResultStands, dispute.challenger);
        _payBond(disputeId, dispute, false);
    }

    /// @dev Pays dispute `disputeId`'s bond back to its challenger when `challengerRight`. Otherwise the bond is lost and
    /// split as a slash is: the accused's share (`accusedShareBps`) to the accused, the rest to the treasury. Were all of
    /// it the accused's, an accused disputing itself through a second account would lose nothing and could hold its job
    /// or round disputed, one dispute after another, at the cost of gas alone.
    function _payBond(uint256 disputeId, Dispute storage dispute, bool challengerRight) private {
        if (challengerRight) {
            token.safeTransfer(dispute.challenger, dispute.bond);
            return;
        }
        address accused = dispute.provider;
        (uint256 toAccused, uint256 toTreasury) = ShareSplit.split(dispute.bond, accusedShareBps);
        emit BondForfeited(disputeId, accused, toAccused, toTreasury);
        if (toAccused != 0) token.safeTransfer(accused, toAccused);
        if (toTreasury != 0) token.safeTransfer(treasury, toTreasury);
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

    /// @dev Opens a dispute of job `jobId`'s result as published: answered by publication on a job that commits a
    /// program, by a committee on any other.
    function _challengeResult(uint256 jobId) private returns (uint256 disputeId) {
        uint256 published = _publishedIn[jobId];
        if (published != 0) revert DisputesResultPublished(jobId, published);
        disputeId = _openJobDispute(jobId, RESULT_DISPUTE, bytes32(0), uint40(block.timestamp) + verdictPeriod);
        if (jobRegistry.programOf(jobId) == bytes32(0)) committee.requestCommittee(disputeId);
        token.safeTransferFrom(msg.sender, address(this), challengeBond);
    }

    /// @dev Stops job `jobId`'s window and records a dispute of the caller over checkpoint `checkpoint` (effects;
    /// the registry is a trusted module). A `verdictDeadline` of 0 marks a dispute opened as a game.
    function _openJobDispute(uint256 jobId, uint64 checkpoint, bytes32 claimedHash, uint40 verdictDeadline)
        private
        returns (uint256 disputeId)
    {
        (address provider, uint32 windowRemaining) = jobRegistry.openDispute(jobId);
        disputeId = ++_disputeCount;
        _disputes[disputeId] = Dispute({
            challenger: msg.sender,
            verdictDeadline: verdictDeadline,
            status: DisputeStatus.Open,
            windowRemaining: windowRemaining,
            provider: provider,
            bond: challengeBond,
            jobId: jobId.toUint64(),
            checkpointIndex: checkpoint,
            claimedHash: claimedHash,
            registry: DisputeRegistry.Jobs,
            gameId: 0
        });
        emit DisputeOpened(disputeId, jobId, msg.sender, checkpoint, claimedHash, challengeBond, verdictDeadline);
    }

    /// @dev Stops round `round` of distributed job `jobId` (the registry checks the round, its status and the slot) and
    /// records a dispute of the caller over slot `slot`'s update (255: the aggregate), claiming `claimedHash` (0: its
    /// availability). Effects only; the registry is a trusted module.
    function _openRoundDispute(uint256 jobId, uint16 round, uint8 slot, bytes32 claimedHash)
        private
        returns (uint256 disputeId)
    {
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
            checkpointIndex: _roundSlot(round, slot),
            claimedHash: claimedHash,
            registry: DisputeRegistry.RoundJobs,
            gameId: 0
        });
        emit RoundDisputeOpened(disputeId, jobId, round, slot, msg.sender, claimedHash, challengeBond, verdictDeadline);
    }

    /// @dev Job `jobId`'s program and the segment ending at its checkpoint `checkpoint` as the machine reads it
    /// from the program: `range` = [first step, steps] (no steps: no such segment) and the `states` at its ends, both
    /// checkpoints proven against the result's trace root when the segment exists.
    function _segment(uint256 jobId, uint64 checkpoint, TraceOpening calldata opening)
        private
        view
        returns (bytes32 program, uint64[2] memory range, bytes32[2] memory states)
    {
        IJobRegistry.Job memory job = jobRegistry.getJob(jobId);
        program = job.program;
        if (program == bytes32(0)) revert DisputesNoProgram(jobId);
        (range[0], range[1], states[0], states[1]) =
            game.machine().segment(program, checkpoint, opening.hashBefore, opening.hashAfter, opening.program);
        if (range[1] == 0) return (program, range, states);
        // Checkpoint 0 is the program's own; any later one must be the provider's, as its trace root commits it.
        if (checkpoint > 1) _requireLeaf(jobId, job.traceRoot, checkpoint - 1, opening.hashBefore, opening.proofBefore);
        _requireLeaf(jobId, job.traceRoot, checkpoint, opening.hashAfter, opening.proofAfter);
    }

    /// @dev Reverts unless (`checkpoint`, `checkpointHash`) is a leaf of `traceRoot`, an OpenZeppelin
    /// StandardMerkleTree of (uint256 index, bytes32 hash) leaves (docs/training.md §8).
    function _requireLeaf(
        uint256 jobId,
        bytes32 traceRoot,
        uint64 checkpoint,
        bytes32 checkpointHash,
        bytes32[] calldata proof
    ) private pure {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(uint256(checkpoint), checkpointHash))));
        if (!MerkleProof.verifyCalldata(proof, traceRoot, leaf)) {
            revert DisputesCheckpointNotInTrace(jobId, checkpoint, checkpointHash);
        }
    }

    /// @dev Hands `dispute` to a new game of `program` between its provider and challenger over `range` = [first
    /// step, steps] from `states` = [before, after]. The game contract is this contract's own (trusted) creation.
    function _startGame(
        uint256 disputeId,
        Dispute storage dispute,
        bytes32 program,
        uint64[2] memory range,
        bytes32[2] memory states,
        bool forced
    ) private {
        uint256 gameId =
            game.open(dispute.provider, dispute.challenger, program, range[0], range[1], states[0], states[1]);
        dispute.status = DisputeStatus.InGame;
        dispute.gameId = gameId.toUint64();
        _disputeOfGame[gameId] = disputeId;
        emit DisputeGameStarted(disputeId, gameId, dispute.checkpointIndex, forced);
    }

    /// @dev Whether `dispute` can become a game: a single-provider job's checkpoint, the job having committed a program.
    function _gameable(Dispute storage dispute) private view returns (bool) {
        return dispute.registry == DisputeRegistry.Jobs && dispute.checkpointIndex != RESULT_DISPUTE
            && jobRegistry.programOf(dispute.jobId) != bytes32(0);
    }

    /// @dev Whether `dispute` is an availability dispute: a single-provider job's result as published, the job having
    /// committed a program (so its checkpoints have word trees to publish chunks of), or a round slot's update or a
    /// round's aggregate ({challengeUpdate}: no claimed hash; its blob is chunked).
    function _availability(Dispute storage dispute) private view returns (bool) {
        if (dispute.registry == DisputeRegistry.RoundJobs) return dispute.claimedHash == bytes32(0);
        return dispute.checkpointIndex == RESULT_DISPUTE && jobRegistry.programOf(dispute.jobId) != bytes32(0);
    }

    /// @dev Whether `dispute` is the referee's: an aggregate's ({challengeRound}, slot 255, a claimed hash) on a job that
    /// commits its aggregation program.
    function _refereed(Dispute storage dispute) private view returns (bool) {
        return dispute.registry == DisputeRegistry.RoundJobs && dispute.claimedHash != bytes32(0)
            && uint8(dispute.checkpointIndex) == AGGREGATE_SLOT && roundJobRegistry.aggregationOf(dispute.jobId) != bytes32(0);
    }

    /// @dev Open availability dispute `disputeId` of a job in `registry`, before its deadline.
    function _publishing(uint256 disputeId, DisputeRegistry registry) private view returns (Dispute storage dispute) {
        dispute = _open(disputeId);
        if (dispute.registry != registry || !_availability(dispute)) revert DisputesNotAvailabilityDispute(disputeId);
        if (block.timestamp >= dispute.verdictDeadline) revert DisputesPublicationTooLate(disputeId, dispute.verdictDeadline);
    }

    /// @dev Reverts unless `words` (none: all zero) and `proof` are chunk `chunk` of the last checkpoint `publication`
    /// holds the hash of: in range, of the right shape, leading to that hash.
    function _requireChunk(
        uint256 disputeId,
        Publication storage publication,
        uint64 chunk,
        bytes32[] calldata words,
        bytes32[] calldata proof
    ) private view {
        uint8 depth = publication.depth;
        uint8 chunkDepth = _chunkDepth(depth);
        uint256 above = depth - chunkDepth;
        if (chunk >> above != 0) revert DisputesChunkOutOfRange(disputeId, chunk, uint256(1) << above);
        if ((words.length != 0 && words.length != uint256(1) << chunkDepth) || proof.length != above) {
            revert DisputesChunkShape(disputeId, words.length, proof.length, uint256(1) << chunkDepth, above);
        }
        bytes32 node = words.length == 0 ? _zeroRoot(chunkDepth) : _subtreeRoot(words);
        for (uint256 h = 0; h < above; h++) {
            node = (chunk >> h) & 1 == 1 ? Hashes.efficientKeccak256(proof[h], node) : Hashes.efficientKeccak256(node, proof[h]);
        }
        if (node != publication.lastHash) revert DisputesChunkNotInCheckpoint(disputeId, chunk);
    }

    /// @dev Reverts unless `bytes_` and `proof` are chunk `chunk` of the chunked blob of `length` bytes whose tree root
    /// is `root` (docs/distributed-training.md, "Chunked blobs"): in range, of its length, its SHA-256 leading to the
    /// root through one sibling per level. Returns the blob's number of chunks.
    function _requireBlobChunk(
        uint256 disputeId,
        uint64 length,
        bytes32 root,
        uint64 chunk,
        bytes calldata bytes_,
        bytes32[] calldata proof
    ) private view returns (uint64 chunks) {
        uint256 expected;
        uint256 depth;
        (expected, depth, chunks) = ChunkedBlob.shape(length, chunk);
        if (expected == 0) revert DisputesChunkOutOfRange(disputeId, chunk, chunks);
        if (bytes_.length != expected || proof.length != depth) {
            revert DisputesBlobChunkShape(disputeId, bytes_.length, proof.length, expected, depth);
        }
        if (ChunkedBlob.rootOf(chunk, bytes_, proof) != root) revert DisputesChunkNotInBlob(disputeId, chunk);
    }

    /// @dev Reverts unless the chunked blob header (`length`, `root`) hashes to the digest committed for what `dispute`
    /// is about; returns that digest.
    function _requireUpdateHeader(uint256 disputeId, Dispute storage dispute, uint64 length, bytes32 root)
        private
        view
        returns (bytes32 commitment)
    {
        commitment = _committedBlob(dispute.jobId, dispute.checkpointIndex);
        bytes32 header = ChunkedBlob.digest(length, root);
        if (header != commitment) revert DisputesBlobHeaderMismatch(disputeId, header, commitment);
    }

    /// @dev The chunked blob's digest committed at `roundSlot` (round << 8 | slot) of distributed job `jobId`: the slot's
    /// update commitment, or for slot 255 the round's posted aggregate (0 if none).
    function _committedBlob(uint256 jobId, uint64 roundSlot) private view returns (bytes32) {
        uint16 round = uint16(roundSlot >> 8);
        uint8 slot = uint8(roundSlot);
        return slot == AGGREGATE_SLOT ? roundJobRegistry.aggregateOf(jobId, round) : roundJobRegistry.commitmentOf(jobId, round, slot);
    }

    /// @dev Records chunk `chunk` of dispute `disputeId` as published; reverts if it was already.
    function _markPublished(uint256 disputeId, uint64 chunk) private {
        mapping(uint256 => uint256) storage published = _chunksPublished[disputeId];
        uint256 bit = uint256(1) << (chunk & 255);
        if (published[chunk >> 8] & bit != 0) revert DisputesChunkAlreadyPublished(disputeId, chunk);
        published[chunk >> 8] |= bit;
    }

    /// @dev A round job's (round, slot) as one key, as {Dispute}'s `checkpointIndex` holds it.
    function _roundSlot(uint16 round, uint8 slot) private pure returns (uint64) {
        return (uint64(round) << 8) | slot;
    }

    /// @dev The depth of a chunk of a depth-`depth` word tree: CHUNK_DEPTH, or the whole tree if smaller.
    function _chunkDepth(uint8 depth) private pure returns (uint8) {
        return depth < CHUNK_DEPTH ? depth : CHUNK_DEPTH;
    }

    /// @dev The root of the word tree over `words` (a power of two of them): a node is keccak256(left ‖ right).
    function _subtreeRoot(bytes32[] calldata words) private pure returns (bytes32) {
        bytes32[] memory level = words;
        for (uint256 n = level.length; n > 1; n >>= 1) {
            for (uint256 i = 0; i < n >> 1; i++) level[i] = Hashes.efficientKeccak256(level[2 * i], level[2 * i + 1]);
        }
        return level[0];
    }

    /// @dev The root of the all-zero word tree of depth `depth`.
    function _zeroRoot(uint8 depth) private pure returns (bytes32 node) {
        for (uint256 h = 0; h < depth; h++) node = Hashes.efficientKeccak256(node, node);
    }

    /// @dev The end of the period in which `dispute`'s provider may force a game: `forcePeriod` after the challenge.
    function _forceDeadline(Dispute storage dispute) private view returns (uint256) {
        return uint256(dispute.verdictDeadline) - verdictPeriod + forcePeriod;
    }

    function _open(uint256 disputeId) private view returns (Dispute storage dispute) {
        dispute = _disputes[disputeId];
        if (dispute.status == DisputeStatus.None) revert DisputesUnknownDispute(disputeId);
        if (dispute.status != DisputeStatus.Open) revert DisputesNotOpen(disputeId, dispute.status);
    }
}

