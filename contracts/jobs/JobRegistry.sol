// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {RangeUpkeep} from "../automation/RangeUpkeep.sol";
import {IDatasetRegistry} from "../interfaces/IDatasetRegistry.sol";
import {IJobRegistry} from "../interfaces/IJobRegistry.sol";
import {IStakeManager} from "../interfaces/IStakeManager.sol";

/// @title JobRegistry
/// @notice Orders, reverse auctions, escrow, results, challenge windows and payouts of training jobs.
/// @dev The escrow of a job is `reward` from {post} until a terminal status pays it out exactly once.
/// Only the leading bid holds locked stake, so settling an auction needs no loop and cannot fail.
contract JobRegistry is IJobRegistry, RangeUpkeep, AccessControl {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////
                                 ROLES
    //////////////////////////////////////////////////////////////*/

    /// @notice Role of the Disputes contract: stops and resumes challenge windows, settles disputed jobs.
    bytes32 public constant DISPUTES_ROLE = keccak256("DISPUTES_ROLE");

    /*//////////////////////////////////////////////////////////////
                               IMMUTABLES
    //////////////////////////////////////////////////////////////*/

    /// @notice The escrow token (the protocol token, also the stake token).
    IERC20 public immutable token;
    /// @notice Where providers' stake is locked and slashed.
    IStakeManager public immutable stakeManager;
    /// @notice Where the datasets orders train on are registered.
    IDatasetRegistry public immutable datasetRegistry;
    /// @inheritdoc IJobRegistry
    uint32 public immutable maxChallengeWindow;

    /*//////////////////////////////////////////////////////////////
                                 STATE
    //////////////////////////////////////////////////////////////*/

    mapping(uint256 jobId => Job) private _jobs;
    uint256 private _jobCount;

    /// @param stakeManager_ The StakeManager; its stake token is the escrow token.
    /// @param datasetRegistry_ The DatasetRegistry orders must name an active dataset of.
    /// @param maxChallengeWindow_ Longest challenge window an order may ask for (> 0); governance's delay exceeds it.
    /// @param admin Holder of DEFAULT_ADMIN_ROLE; grants DISPUTES_ROLE at deployment, then renounces.
    constructor(IStakeManager stakeManager_, IDatasetRegistry datasetRegistry_, uint32 maxChallengeWindow_, address admin) {
        if (address(stakeManager_) == address(0)) revert JobRegistryInvalidParameter("stakeManager");
        if (address(datasetRegistry_) == address(0)) revert JobRegistryInvalidParameter("datasetRegistry");
        if (maxChallengeWindow_ == 0) revert JobRegistryInvalidParameter("maxChallengeWindow");
        if (admin == address(0)) revert JobRegistryInvalidParameter("admin");
        stakeManager = stakeManager_;
        datasetRegistry = datasetRegistry_;
        maxChallengeWindow = maxChallengeWindow_;
        token = IERC20(stakeManager_.stakeToken());
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /*//////////////////////////////////////////////////////////////
                               CONSUMERS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IJobRegistry
    function post(Order calldata order) external nonReentrant returns (uint256 jobId) {
        return _post(order);
    }

    /// @inheritdoc IJobRegistry
    function postWithPermit(Order calldata order, uint256 permitDeadline, uint8 v, bytes32 r, bytes32 s)
        external
        nonReentrant
        returns (uint256 jobId)
    {
        // A front-runner may have used the permit already; the allowance then decides in _post.
        try IERC20Permit(address(token)).permit(msg.sender, address(this), order.reward, permitDeadline, v, r, s) {}
            catch {}
        return _post(order);
    }

    /// @inheritdoc IJobRegistry
    function cancel(uint256 jobId) external nonReentrant {
        Job storage job = _existing(jobId);
        // INVARIANT: only the consumer cancels, and only before the auction settles.
        if (msg.sender != job.consumer) revert JobRegistryUnauthorized(jobId, msg.sender, job.consumer);
        _requireStatus(jobId, job, JobStatus.Bidding);
        address leader = job.provider;
        uint256 refund = job.reward;
        job.status = JobStatus.Cancelled;
        emit JobCancelled(jobId, refund);
        if (leader != address(0)) stakeManager.unlock(leader, job.minStake);
        token.safeTransfer(job.consumer, refund);
    }

    /*//////////////////////////////////////////////////////////////
                               PROVIDERS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IJobRegistry
    function bid(uint256 jobId, uint96 price) external {
        Job storage job = _existing(jobId);
        _requireStatus(jobId, job, JobStatus.Bidding);
        // INVARIANT: bids are accepted strictly before the bidding deadline.
        if (block.timestamp >= job.deadline) revert JobRegistryDeadlinePassed(jobId, job.deadline);
        if (price == 0) revert JobRegistryZeroBid(jobId);
        address leader = job.provider;
        // INVARIANT: a bid never exceeds the reward and must strictly beat the leader (earlier bid wins ties).
        uint256 limit = leader == address(0) ? job.reward : job.price - 1;
        if (price > limit) revert JobRegistryBidTooHigh(jobId, price, limit);
        job.provider = msg.sender;
        job.price = price;
        emit BidPlaced(jobId, msg.sender, price);
        if (leader != msg.sender) {
            stakeManager.lock(msg.sender, job.minStake);
            if (leader != address(0)) stakeManager.unlock(leader, job.minStake);
        }
    }

    /// @inheritdoc IJobRegistry
    function submitResult(uint256 jobId, bytes32 resultDigest, bytes32 traceRoot, uint32 metric) external {
        Job storage job = _existing(jobId);
        _requireStatus(jobId, job, JobStatus.Assigned);
        if (msg.sender != job.provider) revert JobRegistryUnauthorized(jobId, msg.sender, job.provider);
        // INVARIANT: a result counts only if posted strictly before the execution deadline.
        if (block.timestamp >= job.deadline) revert JobRegistryDeadlinePassed(jobId, job.deadline);
        if (resultDigest == bytes32(0) || traceRoot == bytes32(0)) revert JobRegistryInvalidResult(jobId);
        uint40 challengeDeadline = uint40(block.timestamp) + job.challengeWindow;
        job.status = JobStatus.Submitted;
        job.deadline = challengeDeadline;
        job.metric = metric;
        job.resultDigest = resultDigest;
        job.traceRoot = traceRoot;
        emit ResultSubmitted(jobId, msg.sender, resultDigest, traceRoot, metric, challengeDeadline);
    }

    /*//////////////////////////////////////////////////////////////
                           ANYONE, AFTER DEADLINES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IJobRegistry
    function settleAuction(uint256 jobId) external nonReentrant {
        _settleAuction(jobId, _due(jobId, JobStatus.Bidding));
    }

    /// @inheritdoc IJobRegistry
    function expire(uint256 jobId) external nonReentrant {
        _expire(jobId, _due(jobId, JobStatus.Assigned));
    }

    /// @inheritdoc IJobRegistry
    function finalize(uint256 jobId) external nonReentrant {
        _finalize(jobId, _due(jobId, JobStatus.Submitted));
    }

    /*//////////////////////////////////////////////////////////////
                                DISPUTES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IJobRegistry
    function openDispute(uint256 jobId)
        external
        onlyRole(DISPUTES_ROLE)
        returns (address provider, uint32 windowRemaining)
    {
        Job storage job = _existing(jobId);
        _requireStatus(jobId, job, JobStatus.Submitted);
        // INVARIANT: a result can only be challenged inside its window.
        if (block.timestamp >= job.deadline) revert JobRegistryDeadlinePassed(jobId, job.deadline);
        // unchecked: deadline > block.timestamp (checked above) and the difference is <= challengeWindow (uint32).
        unchecked {
            windowRemaining = uint32(job.deadline - block.timestamp);
        }
        provider = job.provider;
        job.status = JobStatus.Disputed;
        emit JobDisputed(jobId, windowRemaining);
    }

    /// @inheritdoc IJobRegistry
    function resolveDispute(uint256 jobId, DisputeOutcome outcome, address challenger, uint32 windowRemaining)
        external
        onlyRole(DISPUTES_ROLE)
        nonReentrant
    {
        Job storage job = _existing(jobId);
        _requireStatus(jobId, job, JobStatus.Disputed);
        if (outcome == DisputeOutcome.ProviderWrong) {
            _fail(jobId, job, challenger, true);
        } else if (outcome == DisputeOutcome.NoCommittee) {
            // Nothing was proven either way: the result is not paid, and the provider not punished.
            _fail(jobId, job, address(0), false);
        } else {
            uint40 challengeDeadline = uint40(block.timestamp) + windowRemaining;
            job.status = JobStatus.Submitted;
            job.deadline = challengeDeadline;
            emit JobResumed(jobId, challengeDeadline);
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IJobRegistry
    function getJob(uint256 jobId) external view returns (Job memory) {
        return _jobs[jobId];
    }

    /// @inheritdoc IJobRegistry
    function programOf(uint256 jobId) external view returns (bytes32) {
        return _jobs[jobId].program;
    }

    /// @inheritdoc IJobRegistry
    function jobCount() external view returns (uint256) {
        return _jobCount;
    }

    /// @inheritdoc IJobRegistry
    function dueAction(uint256 jobId) public view returns (UpkeepAction) {
        Job storage job = _jobs[jobId];
        if (block.timestamp < job.deadline) return UpkeepAction.None;
        JobStatus status = job.status;
        if (status == JobStatus.Bidding) return UpkeepAction.SettleAuction;
        if (status == JobStatus.Assigned) return UpkeepAction.Expire;
        if (status == JobStatus.Submitted) return UpkeepAction.Finalize;
        return UpkeepAction.None;
    }

    /*//////////////////////////////////////////////////////////////
                                UPKEEP
    //////////////////////////////////////////////////////////////*/

    function _upkeepCount() internal view override returns (uint256) {
        return _jobCount;
    }

    function _upkeepDue(uint256 jobId) internal view override returns (bool) {
        return dueAction(jobId) != UpkeepAction.None;
    }

    function _performUpkeep(uint256 jobId) internal override {
        UpkeepAction action = dueAction(jobId);
        Job storage job = _jobs[jobId];
        if (action == UpkeepAction.SettleAuction) _settleAuction(jobId, job);
        else if (action == UpkeepAction.Expire) _expire(jobId, job);
        else _finalize(jobId, job);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _post(Order calldata order) private returns (uint256 jobId) {
        if (order.reward == 0) revert JobRegistryInvalidOrder("reward");
        if (order.minStake == 0) revert JobRegistryInvalidOrder("minStake");
        if (order.specDigest == bytes32(0)) revert JobRegistryInvalidOrder("specDigest");
        if (order.biddingPeriod == 0) revert JobRegistryInvalidOrder("biddingPeriod");
        if (order.executionPeriod == 0) revert JobRegistryInvalidOrder("executionPeriod");
        if (order.challengeWindow == 0 || order.challengeWindow > maxChallengeWindow) {
            revert JobRegistryInvalidOrder("challengeWindow");
        }
        if (!datasetRegistry.isActive(order.datasetId)) revert JobRegistryDatasetNotActive(order.datasetId);
        jobId = ++_jobCount;
        uint40 biddingDeadline = uint40(block.timestamp) + order.biddingPeriod;
        Job storage job = _jobs[jobId];
        job.consumer = msg.sender;
        job.deadline = biddingDeadline;
        job.status = JobStatus.Bidding;
        job.challengeWindow = order.challengeWindow;
        job.reward = order.reward;
        job.minStake = order.minStake;
        job.biddingPeriod = order.biddingPeriod;
        job.executionPeriod = order.executionPeriod;
        job.datasetId = order.datasetId;
        job.specDigest = order.specDigest;
        job.program = order.program;
        emit JobPosted(jobId, msg.sender, order, biddingDeadline);
        token.safeTransferFrom(msg.sender, address(this), order.reward);
    }

    function _settleAuction(uint256 jobId, Job storage job) private {
        if (job.provider == address(0)) return _fail(jobId, job, address(0), false);
        uint40 executionDeadline = uint40(block.timestamp) + job.executionPeriod;
        job.status = JobStatus.Assigned;
        job.deadline = executionDeadline;
        emit AuctionSettled(jobId, job.provider, job.price, executionDeadline);
    }

    function _expire(uint256 jobId, Job storage job) private {
        address provider = job.provider;
        uint40 biddingDeadline = uint40(block.timestamp) + job.biddingPeriod;
        job.status = JobStatus.Bidding;
        job.deadline = biddingDeadline;
        job.provider = address(0);
        job.price = 0;
        uint256 slashed = stakeManager.slash(provider, job.minStake, job.consumer);
        emit ExecutionExpired(jobId, provider, slashed, biddingDeadline);
    }

    function _finalize(uint256 jobId, Job storage job) private {
        address provider = job.provider;
        uint256 payment = job.price;
        uint256 refund = job.reward - payment;
        job.status = JobStatus.Finalized;
        emit JobFinalized(jobId, provider, payment, refund);
        stakeManager.unlock(provider, job.minStake);
        token.safeTransfer(provider, payment);
        if (refund != 0) token.safeTransfer(job.consumer, refund);
    }

    /// @dev Ends a job without a valid result and refunds the whole escrow to the consumer. The provider's
    /// stake, if there is a provider, is slashed to `beneficiary` (`slashProvider`) or unlocked.
    function _fail(uint256 jobId, Job storage job, address beneficiary, bool slashProvider) private {
        address provider = job.provider;
        uint256 refund = job.reward;
        job.status = JobStatus.Failed;
        uint256 slashed;
        if (provider != address(0)) {
            if (slashProvider) slashed = stakeManager.slash(provider, job.minStake, beneficiary);
            else stakeManager.unlock(provider, job.minStake);
        }
        emit JobFailed(jobId, slashed, refund);
        token.safeTransfer(job.consumer, refund);
    }

    function _existing(uint256 jobId) private view returns (Job storage job) {
        job = _jobs[jobId];
        if (job.status == JobStatus.None) revert JobRegistryUnknownJob(jobId);
    }

    function _requireStatus(uint256 jobId, Job storage job, JobStatus expected) private view {
        if (job.status != expected) revert JobRegistryWrongStatus(jobId, job.status, expected);
    }

    /// @dev The job `jobId`, after checking it is in `expected` status and its deadline has been reached.
    function _due(uint256 jobId, JobStatus expected) private view returns (Job storage job) {
        job = _existing(jobId);
        _requireStatus(jobId, job, expected);
        if (block.timestamp < job.deadline) revert JobRegistryDeadlineNotReached(jobId, job.deadline);
    }
}
