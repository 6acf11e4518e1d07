// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {RangeUpkeep} from "../automation/RangeUpkeep.sol";
import {IDatasetRegistry} from "../interfaces/IDatasetRegistry.sol";
import {IRoundJobRegistry} from "../interfaces/IRoundJobRegistry.sol";
import {IStakeManager} from "../interfaces/IStakeManager.sol";
import {VrfRequest} from "../libraries/VrfRequest.sol";
import {VrfConsumer} from "../randomness/VrfConsumer.sol";

/// @title RoundJobRegistry
/// @notice Auctions, escrow, round commitments, aggregates, challenge windows and payouts of jobs trained
/// by several providers in rounds (see {IRoundJobRegistry}).
/// @dev The escrow of a job is slots x rounds x priceLimit from {post} until a terminal status pays it out
/// exactly once. A slot earns every round completed while it is active, so no round loops over slots:
/// an active slot's rounds earned is `round`, a dropped slot's is frozen in `_earnedAtDrop` when dropped.
/// Every loop runs over at most MAX_SLOTS slots. Each job's seed is one VRF word requested at settlement; the
/// callback writes it and starts round 0 (no loop), and a job whose word does not come fails at `seedTimeout`.
contract RoundJobRegistry is IRoundJobRegistry, RangeUpkeep, VrfConsumer, AccessControl {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////
                                 ROLES
    //////////////////////////////////////////////////////////////*/

    /// @notice Role of the Disputes contract: stops and resumes challenge windows, settles disputed rounds.
    bytes32 public constant DISPUTES_ROLE = keccak256("DISPUTES_ROLE");

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice The most slots (providers) a job may have; slot sets are uint16 bitmasks.
    uint8 public constant MAX_SLOTS = 16;
    /// @notice The slot number that names a round's aggregate in a dispute.
    uint8 public constant AGGREGATE_SLOT = 255;

    /*//////////////////////////////////////////////////////////////
                               IMMUTABLES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRoundJobRegistry
    IERC20 public immutable token;
    /// @notice Where providers' and aggregators' stake is locked and slashed.
    IStakeManager public immutable stakeManager;
    /// @notice Where the datasets orders train on are registered.
    IDatasetRegistry public immutable datasetRegistry;
    /// @inheritdoc IRoundJobRegistry
    uint32 public immutable maxChallengeWindow;
    /// @inheritdoc IRoundJobRegistry
    uint96 public immutable aggregatorStake;
    /// @inheritdoc IRoundJobRegistry
    uint16 public immutable maxRounds;
    /// @inheritdoc IRoundJobRegistry
    uint32 public immutable seedTimeout;

    /*//////////////////////////////////////////////////////////////
                                 STATE
    //////////////////////////////////////////////////////////////*/

    /// @dev A held bid while Bidding (sorted by price, then bid order), then a slot.
    struct Slot {
        address provider;
        uint96 price;
    }

    mapping(uint256 jobId => RoundJob) private _jobs;
    mapping(uint256 jobId => Slot[MAX_SLOTS]) private _slots;
    /// @dev Rounds a dropped slot earned before it was dropped (one storage slot per job).
    mapping(uint256 jobId => uint16[MAX_SLOTS]) private _earnedAtDrop;
    /// @dev While Bidding: 1 if the provider holds a bid; afterwards its slot + 1; 0: none.
    mapping(uint256 jobId => mapping(address provider => uint8 slotPlusOne)) private _slotOf;
    mapping(uint256 jobId => mapping(uint256 round => bytes32[MAX_SLOTS])) private _commitments;
    mapping(uint256 jobId => mapping(uint256 round => bytes32)) private _aggregates;
    mapping(uint256 jobId => bytes32) private _seeds;
    mapping(uint256 jobId => bytes32 program) private _aggregations;
    /// @dev The job whose seed a pending VRF request asks for, + 1 (0: none).
    mapping(uint256 requestId => uint256 jobIdPlusOne) private _seedRequests;
    VrfRequest.Params private _vrf;
    uint256 private _jobCount;

    /// @param stakeManager_ The StakeManager; its stake token is the escrow token.
    /// @param datasetRegistry_ The DatasetRegistry orders must name an active dataset of.
    /// @param maxChallengeWindow_ Longest challenge window an order may ask for (> 0); governance's delay exceeds it.
    /// @param aggregatorStake_ Stake the poster of an aggregate locks (> 0).
    /// @param maxRounds_ The most rounds an order may ask for (> 0).
    /// @param vrfCoordinator The VRF v2.5 coordinator jobs' seeds are requested from.
    /// @param governance_ The timelock allowed to change it.
    /// @param vrf The seed requests' parameters.
    /// @param seedTimeout_ Seconds a settled job waits for its seed (> 0).
    /// @param admin Holder of DEFAULT_ADMIN_ROLE; grants DISPUTES_ROLE at deployment, then renounces.
    constructor(
        IStakeManager stakeManager_,
        IDatasetRegistry datasetRegistry_,
        uint32 maxChallengeWindow_,
        uint96 aggregatorStake_,
        uint16 maxRounds_,
        address vrfCoordinator,
        address governance_,
        VrfRequest.Params memory vrf,
        uint32 seedTimeout_,
        address admin
    ) VrfConsumer(vrfCoordinator, governance_) {
        if (address(stakeManager_) == address(0)) revert RoundJobRegistryInvalidParameter("stakeManager");
        if (address(datasetRegistry_) == address(0)) revert RoundJobRegistryInvalidParameter("datasetRegistry");
        if (maxChallengeWindow_ == 0) revert RoundJobRegistryInvalidParameter("maxChallengeWindow");
        if (aggregatorStake_ == 0) revert RoundJobRegistryInvalidParameter("aggregatorStake");
        if (maxRounds_ == 0) revert RoundJobRegistryInvalidParameter("maxRounds");
        if (seedTimeout_ == 0) revert RoundJobRegistryInvalidParameter("seedTimeout");
        if (admin == address(0)) revert RoundJobRegistryInvalidParameter("admin");
        stakeManager = stakeManager_;
        datasetRegistry = datasetRegistry_;
        maxChallengeWindow = maxChallengeWindow_;
        aggregatorStake = aggregatorStake_;
        maxRounds = maxRounds_;
        _vrf = vrf;
        seedTimeout = seedTimeout_;
        token = IERC20(stakeManager_.stakeToken());
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /*//////////////////////////////////////////////////////////////
                               CONSUMERS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRoundJobRegistry
    function post(RoundOrder calldata order) external nonReentrant returns (uint256 jobId) {
        return _post(order);
    }

    /// @inheritdoc IRoundJobRegistry
    function postWithPermit(RoundOrder calldata order, uint256 permitDeadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
        returns (uint256 jobId)
    {
        uint256 escrow = uint256(order.slots) * order.rounds * order.priceLimit;
        // A front-runner may have used the permit already; the allowance then decides in _post.
        try IERC20Permit(address(token)).permit(msg.sender, address(this), escrow, permitDeadline, v, r, s) {} catch {}
        return _post(order);
    }

    /// @inheritdoc IRoundJobRegistry
    function cancel(uint256 jobId) external nonReentrant {
        RoundJob storage job = _existing(jobId);
        // INVARIANT: only the consumer cancels, and only before the auction settles.
        if (msg.sender != job.consumer) revert RoundJobRegistryUnauthorized(jobId, msg.sender, job.consumer);
        _requireStatus(jobId, job, RoundJobStatus.Bidding);
        uint256 refund = _escrow(job);
        job.status = RoundJobStatus.Cancelled;
        emit RoundJobCancelled(jobId, refund);
        _releaseBids(jobId, job);
        token.safeTransfer(job.consumer, refund);
    }

    /*//////////////////////////////////////////////////////////////
                               PROVIDERS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRoundJobRegistry
    function bid(uint256 jobId, uint96 price) external nonReentrant {
        RoundJob storage job = _existing(jobId);
        _requireStatus(jobId, job, RoundJobStatus.Bidding);
        // INVARIANT: bids are accepted strictly before the bidding deadline.
        if (block.timestamp >= job.deadline) revert RoundJobRegistryDeadlinePassed(jobId, job.deadline);
        if (price == 0) revert RoundJobRegistryZeroBid(jobId);
        // INVARIANT: one held bid (one slot) per provider per job.
        if (_slotOf[jobId][msg.sender] != 0) revert RoundJobRegistryAlreadyBidding(jobId, msg.sender);
        Slot[MAX_SLOTS] storage bids = _slots[jobId];
        uint256 held = job.bidCount;
        uint256 limit = job.priceLimit;
        Slot memory evicted;
        if (held == job.slots) {
            // INVARIANT: a full book only takes a bid strictly below its highest (earlier bids win ties).
            evicted = bids[held - 1];
            // unchecked: held prices are > 0.
            unchecked {
                limit = evicted.price - 1;
            }
            if (price > limit) revert RoundJobRegistryBidTooHigh(jobId, price, limit);
            // unchecked: held == slots >= 1.
            unchecked {
                --held;
            }
            _slotOf[jobId][evicted.provider] = 0;
        } else {
            if (price > limit) revert RoundJobRegistryBidTooHigh(jobId, price, limit);
            // unchecked: held < slots <= MAX_SLOTS.
            unchecked {
                job.bidCount = uint8(held + 1);
            }
        }
        // Insertion keeps the book sorted by (price, bid order): the new bid goes after every bid at or below it.
        while (held != 0 && bids[held - 1].price > price) {
            bids[held] = bids[held - 1];
            // unchecked: held != 0.
            unchecked {
                --held;
            }
        }
        bids[held] = Slot(msg.sender, price);
        _slotOf[jobId][msg.sender] = 1;
        emit RoundBidPlaced(jobId, msg.sender, price);
        uint256 minStake = job.minStake;
        stakeManager.lock(msg.sender, minStake);
        if (evicted.provider != address(0)) {
            emit RoundBidEvicted(jobId, evicted.provider, evicted.price);
            stakeManager.unlock(evicted.provider, minStake);
        }
    }

    /// @inheritdoc IRoundJobRegistry
    function commitUpdate(uint256 jobId, uint16 round, bytes32 digest) external {
        RoundJob storage job = _existing(jobId);
        _requireStatus(jobId, job, RoundJobStatus.Training);
        // The job's first slot, read once: this is the hot path of every round (issue 19: <= 60k gas).
        (uint16 current, uint40 deadline, uint16 active, uint16 committed) =
            (job.round, job.deadline, job.activeMask, job.committedMask);
        if (round != current) revert RoundJobRegistryWrongRound(jobId, round, current);
        // INVARIANT: an update counts only if committed strictly before the training deadline.
        if (block.timestamp >= deadline) revert RoundJobRegistryDeadlinePassed(jobId, deadline);
        if (digest == bytes32(0)) revert RoundJobRegistryZeroDigest(jobId);
        uint256 slot = _slotOf[jobId][msg.sender];
        if (slot == 0) revert RoundJobRegistryNotASlot(jobId, msg.sender);
        // unchecked: slot != 0 (slot + 1 is stored).
        unchecked {
            --slot;
        }
        if (active & (1 << slot) == 0) revert RoundJobRegistryInactiveSlot(jobId, slot);
        // INVARIANT: a slot commits once per round.
        if (committed & (1 << slot) != 0) revert RoundJobRegistryAlreadyCommitted(jobId, round, slot);
        // slot < MAX_SLOTS = 16, so the bit fits a uint16.
        committed |= uint16(1 << slot);
        _commitments[jobId][round][slot] = digest;
        job.committedMask = committed;
        emit UpdateCommitted(jobId, round, slot, digest);
        // The last active slot to commit closes the round's training.
        if (committed & active == active) {
            uint40 aggregationDeadline = uint40(block.timestamp) + job.aggregationPeriod;
            job.status = RoundJobStatus.Aggregating;
            job.deadline = aggregationDeadline;
            emit TrainingClosed(jobId, round, aggregationDeadline);
        }
    }

    /*//////////////////////////////////////////////////////////////
                                ANYONE
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRoundJobRegistry
    function settleAuction(uint256 jobId) external nonReentrant {
        _settleAuction(jobId, _due(jobId, RoundJobStatus.Bidding));
    }

    /// @inheritdoc IRoundJobRegistry
    function expireSeed(uint256 jobId) external nonReentrant {
        _payout(jobId, _due(jobId, RoundJobStatus.Seeding), false);
    }

    /// @inheritdoc IRoundJobRegistry
    function closeRound(uint256 jobId) external nonReentrant {
        _closeTraining(jobId, _due(jobId, RoundJobStatus.Training));
    }

    /// @inheritdoc IRoundJobRegistry
    function postAggregate(uint256 jobId, uint16 round, bytes32 globalDigest) external nonReentrant {
        RoundJob storage job = _existing(jobId);
        RoundJobStatus status = job.status;
        uint40 deadline = job.deadline;
        bool closing = status == RoundJobStatus.Training;
        if (closing) {
            // INVARIANT: an aggregate waits for every update or for the training deadline.
            if (block.timestamp < deadline) revert RoundJobRegistryDeadlineNotReached(jobId, deadline);
            deadline += job.aggregationPeriod;
        } else {
            _requireStatus(jobId, job, RoundJobStatus.Aggregating);
        }
        // INVARIANT: an aggregate counts only if posted strictly before the aggregation deadline.
        if (block.timestamp >= deadline) revert RoundJobRegistryDeadlinePassed(jobId, deadline);
        if (round != job.round) revert RoundJobRegistryWrongRound(jobId, round, job.round);
        if (globalDigest == bytes32(0)) revert RoundJobRegistryZeroDigest(jobId);
        if (closing && !_closeTraining(jobId, job)) return;
        uint40 challengeDeadline = uint40(block.timestamp) + job.challengeWindow;
        job.status = RoundJobStatus.Aggregated;
        job.deadline = challengeDeadline;
        job.aggregator = msg.sender;
        _aggregates[jobId][round] = globalDigest;
        emit AggregatePosted(jobId, round, msg.sender, globalDigest, job.activeMask, challengeDeadline);
        stakeManager.lock(msg.sender, aggregatorStake);
    }

    /// @inheritdoc IRoundJobRegistry
    function advance(uint256 jobId) external nonReentrant {
        _advance(jobId, _due(jobId, RoundJobStatus.Aggregated));
    }

    /// @inheritdoc IRoundJobRegistry
    function expireRound(uint256 jobId) external nonReentrant {
        _payout(jobId, _due(jobId, RoundJobStatus.Aggregating), false);
    }

    /*//////////////////////////////////////////////////////////////
                                DISPUTES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRoundJobRegistry
    function openRoundDispute(uint256 jobId, uint16 round, uint8 slot)
        external
        onlyRole(DISPUTES_ROLE)
        returns (address accused, uint32 windowRemaining)
    {
        RoundJob storage job = _existing(jobId);
        // INVARIANT: only the current round, before its deadline, and one dispute at a time: an update while the
        // round awaits its aggregate (one withheld would stall it), an update or the aggregate once posted.
        RoundJobStatus status = job.status;
        if (status != RoundJobStatus.Aggregating) _requireStatus(jobId, job, RoundJobStatus.Aggregated);
        if (round != job.round) revert RoundJobRegistryWrongRound(jobId, round, job.round);
        if (block.timestamp >= job.deadline) revert RoundJobRegistryDeadlinePassed(jobId, job.deadline);
        if (slot == AGGREGATE_SLOT) {
            if (status == RoundJobStatus.Aggregating) {
                revert RoundJobRegistryWrongStatus(jobId, status, RoundJobStatus.Aggregated);
            }
            accused = job.aggregator;
        } else {
            // INVARIANT: a disputed update is an active slot's, committed in this round (training closed, so every
            // active slot committed).
            if (slot >= job.slots || job.activeMask & (1 << slot) == 0) revert RoundJobRegistryInactiveSlot(jobId, slot);
            accused = _slots[jobId][slot].provider;
        }
        // unchecked: deadline > block.timestamp (checked above) and the difference is <= challengeWindow or
        // aggregationPeriod (uint32).
        unchecked {
            windowRemaining = uint32(job.deadline - block.timestamp);
        }
        job.status = RoundJobStatus.Disputed;
        job.disputedSlot = slot;
        emit RoundDisputed(jobId, round, slot, windowRemaining);
    }

    /// @inheritdoc IRoundJobRegistry
    function resolveRoundDispute(uint256 jobId, RoundDisputeOutcome outcome, address challenger, uint32 windowRemaining)
        external
        onlyRole(DISPUTES_ROLE)
        nonReentrant
    {
        RoundJob storage job = _existing(jobId);
        _requireStatus(jobId, job, RoundJobStatus.Disputed);
        uint16 round = job.round;
        // INVARIANT: `aggregator` is set exactly while an aggregate is posted, so zero here means the dispute
        // was opened while the round awaited its aggregate.
        address aggregator = job.aggregator;
        bool posted = aggregator != address(0);
        // Nothing was proven either way: nobody is punished, the job cannot go on unjudged.
        if (outcome == RoundDisputeOutcome.NoCommittee) return _payout(jobId, job, false);
        uint40 aggregationDeadline = uint40(block.timestamp) + job.aggregationPeriod;
        if (outcome == RoundDisputeOutcome.ResultStands) {
            if (!posted) {
                // The update was there after all: aggregation starts over with a whole period.
                job.status = RoundJobStatus.Aggregating;
                job.deadline = aggregationDeadline;
                emit AggregationReopened(jobId, round, aggregationDeadline);
                return;
            }
            uint40 challengeDeadline = uint40(block.timestamp) + windowRemaining;
            job.status = RoundJobStatus.Aggregated;
            job.deadline = challengeDeadline;
            emit RoundResumed(jobId, round, challengeDeadline);
            return;
        }
        uint8 slot = job.disputedSlot;
        delete _aggregates[jobId][round];
        if (slot == AGGREGATE_SLOT) {
            job.aggregator = address(0);
            job.status = RoundJobStatus.Aggregating;
            job.deadline = aggregationDeadline;
            uint256 slashed = stakeManager.slash(aggregator, aggregatorStake, challenger);
            emit AggregateVoided(jobId, round, aggregator, slashed, aggregationDeadline);
            return;
        }
        address provider = _markDropped(jobId, job, slot);
        if (job.activeMask == 0 || !job.continueOnFault) {
            job.status = RoundJobStatus.Failed;
            _slashDropped(jobId, job, slot, provider, DropReason.FoundWrong, challenger);
            return _payout(jobId, job, false);
        }
        job.aggregator = address(0);
        job.status = RoundJobStatus.Aggregating;
        job.deadline = aggregationDeadline;
        _slashDropped(jobId, job, slot, provider, DropReason.FoundWrong, challenger);
        if (!posted) {
            emit AggregationReopened(jobId, round, aggregationDeadline);
            return;
        }
        // The aggregator combined the updates it was given; one of them was wrong, not its work.
        emit AggregateVoided(jobId, round, aggregator, 0, aggregationDeadline);
        stakeManager.unlock(aggregator, aggregatorStake);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRoundJobRegistry
    function getRoundJob(uint256 jobId) external view returns (RoundJob memory) {
        return _jobs[jobId];
    }

    /// @inheritdoc IRoundJobRegistry
    function slotsOf(uint256 jobId) external view returns (SlotView[] memory views) {
        RoundJob storage job = _jobs[jobId];
        uint256 n = job.slots;
        bool assigned = job.status != RoundJobStatus.Bidding && job.bidCount == n;
        views = new SlotView[](n);
        for (uint256 s; s < n; ++s) {
            Slot memory slot = _slots[jobId][s];
            bool active = assigned && job.activeMask & (1 << s) != 0;
            uint16 earned = !assigned ? 0 : active ? job.round : _earnedAtDrop[jobId][s];
            views[s] = SlotView(slot.provider, slot.price, earned, active);
        }
    }

    /// @inheritdoc IRoundJobRegistry
    function slotOf(uint256 jobId, address provider) external view returns (bool holds, uint8 slot) {
        uint8 slotPlusOne = _slotOf[jobId][provider];
        // While Bidding the mapping marks held bids (1), not slots.
        if (slotPlusOne == 0 || _jobs[jobId].status == RoundJobStatus.Bidding) return (false, 0);
        return (true, slotPlusOne - 1);
    }

    /// @inheritdoc IRoundJobRegistry
    function commitmentOf(uint256 jobId, uint16 round, uint8 slot) external view returns (bytes32) {
        if (slot >= MAX_SLOTS) return bytes32(0);
        return _commitments[jobId][round][slot];
    }

    /// @inheritdoc IRoundJobRegistry
    function seedOf(uint256 jobId) external view returns (bytes32) {
        return _seeds[jobId];
    }

    /// @inheritdoc IRoundJobRegistry
    function aggregateOf(uint256 jobId, uint16 round) external view returns (bytes32) {
        return _aggregates[jobId][round];
    }

    /// @inheritdoc IRoundJobRegistry
    function aggregationOf(uint256 jobId) external view returns (bytes32) {
        return _aggregations[jobId];
    }

    /// @inheritdoc IRoundJobRegistry
    function escrowOf(uint256 jobId) external view returns (uint256) {
        RoundJob storage job = _jobs[jobId];
        return _terminal(job.status) || job.status == RoundJobStatus.None ? 0 : _escrow(job);
    }

    /// @inheritdoc IRoundJobRegistry
    function jobCount() external view returns (uint256) {
        return _jobCount;
    }

    /// @inheritdoc IRoundJobRegistry
    function dueAction(uint256 jobId) public view returns (RoundUpkeepAction) {
        RoundJob storage job = _jobs[jobId];
        if (block.timestamp < job.deadline) return RoundUpkeepAction.None;
        RoundJobStatus status = job.status;
        if (status == RoundJobStatus.Bidding) return RoundUpkeepAction.SettleAuction;
        if (status == RoundJobStatus.Seeding) return RoundUpkeepAction.ExpireSeed;
        if (status == RoundJobStatus.Training) return RoundUpkeepAction.CloseRound;
        if (status == RoundJobStatus.Aggregating) return RoundUpkeepAction.ExpireRound;
        if (status == RoundJobStatus.Aggregated) return RoundUpkeepAction.Advance;
        return RoundUpkeepAction.None;
    }

    /*//////////////////////////////////////////////////////////////
                                UPKEEP
    //////////////////////////////////////////////////////////////*/

    function _upkeepCount() internal view override returns (uint256) {
        return _jobCount;
    }

    function _upkeepDue(uint256 jobId) internal view override returns (bool) {
        return dueAction(jobId) != RoundUpkeepAction.None;
    }

    function _performUpkeep(uint256 jobId) internal override {
        RoundUpkeepAction action = dueAction(jobId);
        RoundJob storage job = _jobs[jobId];
        if (action == RoundUpkeepAction.SettleAuction) _settleAuction(jobId, job);
        else if (action == RoundUpkeepAction.ExpireSeed) _payout(jobId, job, false);
        else if (action == RoundUpkeepAction.CloseRound) _closeTraining(jobId, job);
        else if (action == RoundUpkeepAction.ExpireRound) _payout(jobId, job, false);
        else _advance(jobId, job);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _post(RoundOrder calldata order) private returns (uint256 jobId) {
        if (order.priceLimit == 0) revert RoundJobRegistryInvalidOrder("priceLimit");
        if (order.minStake == 0) revert RoundJobRegistryInvalidOrder("minStake");
        if (order.specDigest == bytes32(0)) revert RoundJobRegistryInvalidOrder("specDigest");
        if (order.slots == 0 || order.slots > MAX_SLOTS) revert RoundJobRegistryInvalidOrder("slots");
        if (order.rounds == 0 || order.rounds > maxRounds) revert RoundJobRegistryInvalidOrder("rounds");
        if (order.biddingPeriod == 0) revert RoundJobRegistryInvalidOrder("biddingPeriod");
        if (order.roundPeriod == 0) revert RoundJobRegistryInvalidOrder("roundPeriod");
        if (order.aggregationPeriod == 0) revert RoundJobRegistryInvalidOrder("aggregationPeriod");
        if (order.challengeWindow == 0 || order.challengeWindow > maxChallengeWindow) {
            revert RoundJobRegistryInvalidOrder("challengeWindow");
        }
        if (!datasetRegistry.isActive(order.datasetId)) revert RoundJobRegistryDatasetNotActive(order.datasetId);
        jobId = ++_jobCount;
        uint40 biddingDeadline = uint40(block.timestamp) + order.biddingPeriod;
        RoundJob storage job = _jobs[jobId];
        job.consumer = msg.sender;
        job.deadline = biddingDeadline;
        job.status = RoundJobStatus.Bidding;
        job.priceLimit = order.priceLimit;
        job.minStake = order.minStake;
        job.biddingPeriod = order.biddingPeriod;
        job.slots = order.slots;
        job.rounds = order.rounds;
        job.roundPeriod = order.roundPeriod;
        job.aggregationPeriod = order.aggregationPeriod;
        job.challengeWindow = order.challengeWindow;
        job.datasetId = order.datasetId;
        job.continueOnFault = order.continueOnFault;
        job.specDigest = order.specDigest;
        if (order.aggregation != bytes32(0)) _aggregations[jobId] = order.aggregation;
        uint256 escrow = _escrow(job);
        emit RoundJobPosted(jobId, msg.sender, order, escrow, biddingDeadline);
        token.safeTransferFrom(msg.sender, address(this), escrow);
    }

    function _settleAuction(uint256 jobId, RoundJob storage job) private {
        uint256 n = job.slots;
        if (job.bidCount < n) {
            uint256 refund = _escrow(job);
            job.status = RoundJobStatus.Failed;
            emit RoundJobFailed(jobId, 0, refund);
            _releaseBids(jobId, job);
            token.safeTransfer(job.consumer, refund);
            return;
        }
        Slot[MAX_SLOTS] storage slots = _slots[jobId];
        for (uint256 s; s < n; ++s) {
            Slot memory slot = slots[s];
            // unchecked: s < MAX_SLOTS, so s + 1 fits a uint8.
            unchecked {
                _slotOf[jobId][slot.provider] = uint8(s + 1);
            }
            emit SlotAssigned(jobId, s, slot.provider, slot.price);
        }
        uint40 seedDeadline = uint40(block.timestamp) + seedTimeout;
        job.status = RoundJobStatus.Seeding;
        job.deadline = seedDeadline;
        // n <= 16: every slot's bit of a uint16.
        job.activeMask = uint16((1 << n) - 1);
        // The request id exists only once the coordinator (set by governance's timelock) answers, so the pending
        // request is written after the call; everything the call could observe is written before.
        (bool requested, uint256 requestId) = _tryRequestRandomWord(_vrf);
        // A refused request (e.g. a subscription that no longer lists this contract): no round ran, all refunded.
        if (!requested) return _payout(jobId, job, false);
        _seedRequests[requestId] = jobId + 1;
        emit SeedRequested(jobId, requestId, seedDeadline);
    }

    /// @dev Writes the seed of the job request `requestId` asked for and starts its round 0. Reverts (changing
    /// nothing) for a request it does not await, and for a job no longer Seeding or past its seed deadline: a seed
    /// arrives once, while its job waits for it.
    function fulfillRandomWords(uint256 requestId, uint256[] calldata randomWords) internal override {
        uint256 jobIdPlusOne = _seedRequests[requestId];
        if (jobIdPlusOne == 0) revert RoundJobRegistryUnknownSeedRequest(requestId);
        uint256 jobId = jobIdPlusOne - 1;
        RoundJob storage job = _jobs[jobId];
        _requireStatus(jobId, job, RoundJobStatus.Seeding);
        if (block.timestamp >= job.deadline) revert RoundJobRegistryDeadlinePassed(jobId, job.deadline);
        delete _seedRequests[requestId];
        bytes32 seed = bytes32(randomWords[0]);
        _seeds[jobId] = seed;
        uint40 trainingDeadline = uint40(block.timestamp) + job.roundPeriod;
        job.status = RoundJobStatus.Training;
        job.deadline = trainingDeadline;
        emit JobSeeded(jobId, seed);
        emit RoundStarted(jobId, 0, trainingDeadline);
    }

    /// @dev Ends the current round's training at its deadline: drops every active slot without a commitment.
    /// Returns false when the job failed instead (no slot left, or a drop it may not continue past).
    /// @dev Slots are marked dropped and the job's next status written before any slash moves tokens.
    function _closeTraining(uint256 jobId, RoundJob storage job) private returns (bool alive) {
        uint16 missing = job.activeMask & ~job.committedMask;
        uint40 aggregationDeadline = job.deadline + job.aggregationPeriod;
        address[MAX_SLOTS] memory dropped;
        for (uint256 s; missing != 0 && s < MAX_SLOTS; ++s) {
            if (missing & (1 << s) != 0) dropped[s] = _markDropped(jobId, job, s);
        }
        alive = missing == 0 || (job.activeMask != 0 && job.continueOnFault);
        if (alive) {
            job.status = RoundJobStatus.Aggregating;
            job.deadline = aggregationDeadline;
            emit TrainingClosed(jobId, job.round, aggregationDeadline);
        } else {
            job.status = RoundJobStatus.Failed;
        }
        address consumer = job.consumer;
        for (uint256 s; missing != 0 && s < MAX_SLOTS; ++s) {
            if (missing & (1 << s) != 0) _slashDropped(jobId, job, s, dropped[s], DropReason.MissedDeadline, consumer);
        }
        if (!alive) _payout(jobId, job, false);
    }

    /// @dev Removes active slot `slot` from the job, freezing the rounds it earned; returns its provider.
    function _markDropped(uint256 jobId, RoundJob storage job, uint256 slot) private returns (address provider) {
        provider = _slots[jobId][slot].provider;
        // slot < MAX_SLOTS = 16, so the bit fits a uint16.
        job.activeMask &= ~uint16(1 << slot);
        _earnedAtDrop[jobId][slot] = job.round;
    }

    /// @dev Slashes dropped slot `slot`'s minStake to `beneficiary` (StakeManager pays it the beneficiary share,
    /// the treasury the rest).
    function _slashDropped(
        uint256 jobId,
        RoundJob storage job,
        uint256 slot,
        address provider,
        DropReason reason,
        address beneficiary
    ) private {
        uint256 slashed = stakeManager.slash(provider, job.minStake, beneficiary);
        emit SlotDropped(jobId, job.round, slot, provider, reason, slashed);
    }

    function _advance(uint256 jobId, RoundJob storage job) private {
        uint16 round = job.round;
        // unchecked: round < rounds <= type(uint16).max while a job runs.
        unchecked {
            job.round = round + 1;
        }
        job.committedMask = 0;
        emit RoundCompleted(jobId, round, job.activeMask);
        if (round + 1 == job.rounds) return _payout(jobId, job, true);
        address aggregator = job.aggregator;
        job.aggregator = address(0);
        uint40 trainingDeadline = uint40(block.timestamp) + job.roundPeriod;
        job.status = RoundJobStatus.Training;
        job.deadline = trainingDeadline;
        emit RoundStarted(jobId, round + 1, trainingDeadline);
        stakeManager.unlock(aggregator, aggregatorStake);
    }

    /// @dev The one payout of a job that ran: each slot gets price x rounds earned, active slots' stake unlocks
    /// (dropped slots were slashed when dropped), a posted aggregate's stake unlocks, the consumer gets the rest.
    /// The terminal status is written first, so it runs once.
    function _payout(uint256 jobId, RoundJob storage job, bool finalized) private {
        job.status = finalized ? RoundJobStatus.Finalized : RoundJobStatus.Failed;
        address aggregator = job.aggregator;
        job.aggregator = address(0);
        uint256 n = job.slots;
        uint16 active = job.activeMask;
        uint256 paid;
        uint256[MAX_SLOTS] memory amounts;
        for (uint256 s; s < n; ++s) {
            uint256 earned = active & (1 << s) != 0 ? job.round : _earnedAtDrop[jobId][s];
            amounts[s] = _slots[jobId][s].price * earned;
            paid += amounts[s];
        }
        // price <= priceLimit and earned <= rounds per slot, so paid <= escrow.
        uint256 refund = _escrow(job) - paid;
        if (finalized) emit RoundJobFinalized(jobId, paid, refund);
        else emit RoundJobFailed(jobId, paid, refund);
        if (aggregator != address(0)) stakeManager.unlock(aggregator, aggregatorStake);
        uint256 minStake = job.minStake;
        for (uint256 s; s < n; ++s) {
            address provider = _slots[jobId][s].provider;
            if (active & (1 << s) != 0) stakeManager.unlock(provider, minStake);
            if (amounts[s] != 0) {
                emit SlotPaid(jobId, s, provider, amounts[s]);
                token.safeTransfer(provider, amounts[s]);
            }
        }
        if (refund != 0) token.safeTransfer(job.consumer, refund);
    }

    /// @dev Unlocks the stake of every held bid (cancel, or an auction without enough bids).
    function _releaseBids(uint256 jobId, RoundJob storage job) private {
        uint256 held = job.bidCount;
        uint256 minStake = job.minStake;
        for (uint256 i; i < held; ++i) {
            address provider = _slots[jobId][i].provider;
            _slotOf[jobId][provider] = 0;
            stakeManager.unlock(provider, minStake);
        }
    }

    function _escrow(RoundJob storage job) private view returns (uint256) {
        return uint256(job.slots) * job.rounds * job.priceLimit;
    }

    function _terminal(RoundJobStatus status) private pure returns (bool) {
        return status == RoundJobStatus.Finalized || status == RoundJobStatus.Cancelled
            || status == RoundJobStatus.Failed;
    }

    function _existing(uint256 jobId) private view returns (RoundJob storage job) {
        job = _jobs[jobId];
        if (job.status == RoundJobStatus.None) revert RoundJobRegistryUnknownJob(jobId);
    }

    function _requireStatus(uint256 jobId, RoundJob storage job, RoundJobStatus expected) private view {
        if (job.status != expected) revert RoundJobRegistryWrongStatus(jobId, job.status, expected);
    }

    /// @dev The job `jobId`, after checking it is in `expected` status and its deadline has been reached.
    function _due(uint256 jobId, RoundJobStatus expected) private view returns (RoundJob storage job) {
        job = _existing(jobId);
        _requireStatus(jobId, job, expected);
        if (block.timestamp < job.deadline) revert RoundJobRegistryDeadlineNotReached(jobId, job.deadline);
    }
}
