// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IStakeManager} from "./IStakeManager.sol";

/// @title IJobRegistry
/// @notice Training orders: a consumer escrows a reward, compute providers bid it down in a
/// reverse auction backed by locked stake, the winner trains and submits a result, the result
/// is open to challenge for a window, then anyone finalizes and the escrow pays out.
///
/// Life of a job (`deadline` means the end of the current status):
///
///   Bidding --settleAuction--> Assigned --submitResult--> Submitted --finalize--> Finalized
///      |  \--(no bid)--> Failed     |                       |   ^
///   cancel                   expire: slash, back to Bidding |   | challenger wrong / drawn committee silent
///      v                                              Disputed --(provider wrong: slash)--> Failed
///   Cancelled                                                 \--(no committee: unlock, no pay)--> Failed
interface IJobRegistry {
    /// @notice Where a job is in its life.
    enum JobStatus {
        None, // no such job
        Bidding, // open for bids until `deadline`
        Assigned, // auction settled; the provider must submit a result before `deadline`
        Submitted, // result posted; challengeable until `deadline`
        Disputed, // a dispute is open; the window's clock is stopped
        Finalized, // provider paid, remainder refunded (terminal)
        Cancelled, // consumer cancelled before the auction settled (terminal)
        Failed // no bid, the result was found wrong, or no committee could judge it; consumer refunded (terminal)
    }

    /// @notice How a dispute ended, as Disputes reports it to {resolveDispute}.
    enum DisputeOutcome {
        ResultStands, // challenger wrong, or the drawn committee gave no verdict: the window resumes
        ProviderWrong, // the provider is slashed (challenger as beneficiary), the consumer refunded, the job fails
        NoCommittee // no committee could judge: the consumer is refunded, the provider's stake unlocks unslashed, the job fails
    }

    /// @notice The order a consumer posts.
    /// @param datasetId The dataset to train on (DatasetRegistry id).
    /// @param specDigest SHA-256 digest of the job spec; the spec's CID is CIDv1(raw, sha2-256, digest).
    /// @param reward Escrowed maximum price, in the protocol token.
    /// @param minStake Stake a bidder must lock while it leads the auction and until payout.
    /// @param biddingPeriod Seconds the auction stays open (again after each reopening).
    /// @param executionPeriod Seconds the winner has, from settlement, to submit a result.
    /// @param challengeWindow Seconds a submitted result stays open to challenge (0 < challengeWindow <= maxChallengeWindow).
    /// @param program The program hash of the job on the training VM (docs/training-vm.md §5), which a dispute game
    /// replays; providers bid only if it is the hash they compute from the spec, the model and the data. Zero: the
    /// job's results can be disputed through a committee only.
    struct Order {
        uint64 datasetId;
        bytes32 specDigest;
        uint96 reward;
        uint96 minStake;
        uint32 biddingPeriod;
        uint32 executionPeriod;
        uint32 challengeWindow;
        bytes32 program;
    }

    /// @notice A job as stored, in eight slots: [consumer, deadline, status, challengeWindow],
    /// [provider, price], [reward, minStake, biddingPeriod, executionPeriod], [datasetId, metric],
    /// specDigest, resultDigest, traceRoot, program.
    struct Job {
        address consumer;
        uint40 deadline;
        JobStatus status;
        uint32 challengeWindow;
        address provider; // leading bidder while Bidding, then the winner
        uint96 price; // leading bid while Bidding, then the price to pay
        uint96 reward;
        uint96 minStake;
        uint32 biddingPeriod;
        uint32 executionPeriod;
        uint64 datasetId;
        uint32 metric; // claimed metric in basis points (e.g. accuracy 9912 = 99.12%)
        bytes32 specDigest;
        // SHA-256 digest of the result manifest (a dag-cbor block listing every checkpoint's block and hash). The
        // trained weights are, by definition, the parameters of the last checkpoint, which traceRoot commits.
        bytes32 resultDigest;
        bytes32 traceRoot; // Merkle root of the checkpoint hashes
        bytes32 program; // the training VM program a dispute game replays (0: committee disputes only)
    }

    /// @notice A due upkeep action found by `checkUpkeep`.
    enum UpkeepAction {
        None,
        SettleAuction,
        Expire,
        Finalize
    }

    /// @notice Thrown when job `jobId` does not exist.
    error JobRegistryUnknownJob(uint256 jobId);
    /// @notice Thrown when job `jobId` is in `actual` status but the call needs `expected`.
    error JobRegistryWrongStatus(uint256 jobId, JobStatus actual, JobStatus expected);
    /// @notice Thrown when an order field breaks its rule (`field` names it).
    error JobRegistryInvalidOrder(string field);
    /// @notice Thrown when a bid of `price` is above `limit`: the reward, or one less than the leading bid.
    error JobRegistryBidTooHigh(uint256 jobId, uint256 price, uint256 limit);
    /// @notice Thrown when the current phase of job `jobId` ended at `deadline` (now is later).
    error JobRegistryDeadlinePassed(uint256 jobId, uint256 deadline);
    /// @notice Thrown when the current phase of job `jobId` only ends at `deadline`.
    error JobRegistryDeadlineNotReached(uint256 jobId, uint256 deadline);
    /// @notice Thrown when `caller` is not the account allowed (`expected`) to act on job `jobId`.
    error JobRegistryUnauthorized(uint256 jobId, address caller, address expected);
    /// @notice Thrown when a submitted result has a zero digest or trace root.
    error JobRegistryInvalidResult(uint256 jobId);
    /// @notice Thrown when an order names dataset `datasetId`, which is not placed and active in DatasetRegistry.
    error JobRegistryDatasetNotActive(uint256 datasetId);
    /// @notice Thrown when a bid of zero is placed on job `jobId`.
    error JobRegistryZeroBid(uint256 jobId);
    /// @notice Thrown when a constructor parameter breaks its rule.
    error JobRegistryInvalidParameter(string name);

    /// @notice Emitted when `consumer` posts job `jobId` and escrows `order.reward`; bids close at `biddingDeadline`.
    event JobPosted(uint256 indexed jobId, address indexed consumer, Order order, uint256 biddingDeadline);
    /// @notice Emitted when `provider` takes the lead on job `jobId` with `price`.
    event BidPlaced(uint256 indexed jobId, address indexed provider, uint256 price);
    /// @notice Emitted when job `jobId` is assigned to `provider` at `price`; its result is due by `executionDeadline`.
    event AuctionSettled(uint256 indexed jobId, address indexed provider, uint256 price, uint256 executionDeadline);
    /// @notice Emitted when the consumer cancels job `jobId` and gets `refund` back.
    event JobCancelled(uint256 indexed jobId, uint256 refund);
    /// @notice Emitted when `provider` posts its result for job `jobId`; challengeable until `challengeDeadline`.
    event ResultSubmitted(
        uint256 indexed jobId,
        address indexed provider,
        bytes32 resultDigest,
        bytes32 traceRoot,
        uint32 metric,
        uint256 challengeDeadline
    );
    /// @notice Emitted when `provider` missed job `jobId`'s execution deadline: `slashed` taken, bids reopen until `biddingDeadline`.
    event ExecutionExpired(uint256 indexed jobId, address indexed provider, uint256 slashed, uint256 biddingDeadline);
    /// @notice Emitted when a dispute stops job `jobId`'s challenge window with `windowRemaining` seconds left.
    event JobDisputed(uint256 indexed jobId, uint256 windowRemaining);
    /// @notice Emitted when job `jobId`'s result survived a dispute; the window ends at `challengeDeadline`.
    event JobResumed(uint256 indexed jobId, uint256 challengeDeadline);
    /// @notice Emitted when job `jobId` ends without a valid result; `slashed` of the provider's stake was taken
    /// (0 with no bid, or when no committee could judge the result) and the consumer gets `refund`.
    event JobFailed(uint256 indexed jobId, uint256 slashed, uint256 refund);
    /// @notice Emitted when job `jobId` pays `payment` to `provider` and refunds `refund` to the consumer.
    event JobFinalized(uint256 indexed jobId, address indexed provider, uint256 payment, uint256 refund);

    /// @notice Posts `order`, escrowing `order.reward` from the caller (who approved this contract).
    /// @dev Requirements: the dataset is active; reward > 0, specDigest != 0, every period > 0, minStake > 0.
    /// Emits {JobPosted}.
    /// @return jobId The new job's id (ids start at 1).
    function post(Order calldata order) external returns (uint256 jobId);

    /// @notice Like {post}, with an EIP-2612 permit for the escrow instead of a prior approval.
    /// @dev A permit already used (e.g. front-run) is tolerated when the allowance suffices.
    function postWithPermit(Order calldata order, uint256 permitDeadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 jobId);

    /// @notice Bids `price` for job `jobId`, locking the job's minimum stake while the bid leads.
    /// The previous leader's stake is unlocked. Ties go to the earlier bid: a new bid must be strictly lower.
    /// @dev Requirements: Bidding, before the deadline, price <= reward and < the leading price.
    /// Emits {BidPlaced}.
    function bid(uint256 jobId, uint96 price) external;

    /// @notice Closes job `jobId`'s auction: the leading bid wins (its stake is already locked);
    /// with no bid the job fails and the consumer is refunded.
    /// @dev Requirements: Bidding, deadline reached. Emits {AuctionSettled} or {JobFailed}.
    function settleAuction(uint256 jobId) external;

    /// @notice The consumer cancels job `jobId` before its auction settles; escrow refunded, leader unlocked.
    /// @dev Requirements: caller is the consumer; Bidding. Emits {JobCancelled}.
    function cancel(uint256 jobId) external;

    /// @notice The assigned provider submits its result for job `jobId`.
    /// @dev Requirements: caller is the provider; Assigned; before the deadline; non-zero digest and root.
    /// Emits {ResultSubmitted}.
    function submitResult(uint256 jobId, bytes32 resultDigest, bytes32 traceRoot, uint32 metric) external;

    /// @notice Slashes a provider that missed job `jobId`'s execution deadline and reopens the auction.
    /// @dev Requirements: Assigned, deadline passed. Emits {ExecutionExpired}.
    function expire(uint256 jobId) external;

    /// @notice Pays out job `jobId` after its challenge window: the provider gets its price, the
    /// consumer the rest of the escrow, the provider's stake unlocks.
    /// @dev Requirements: Submitted, deadline reached. Emits {JobFinalized}.
    function finalize(uint256 jobId) external;

    /// @notice Called by Disputes when a challenge opens: stops job `jobId`'s window clock.
    /// @dev Requirements: DISPUTES_ROLE; Submitted; before the deadline. Emits {JobDisputed}.
    /// @return provider The provider whose result is disputed.
    /// @return windowRemaining Seconds of the challenge window left; passed back on resolution.
    function openDispute(uint256 jobId) external returns (address provider, uint32 windowRemaining);

    /// @notice Called by Disputes when a dispute ends, with its `outcome` (see {DisputeOutcome}): the window
    /// restarts with `windowRemaining` seconds (ResultStands), or the job fails with the whole escrow refunded
    /// to the consumer and the provider's stake slashed with `challenger` as beneficiary (ProviderWrong) or
    /// unlocked (NoCommittee).
    /// @dev Requirements: DISPUTES_ROLE; Disputed. Emits {JobResumed} or {JobFailed}.
    function resolveDispute(uint256 jobId, DisputeOutcome outcome, address challenger, uint32 windowRemaining)
        external;

    /// @notice The job `jobId` as stored (status None if unknown).
    function getJob(uint256 jobId) external view returns (Job memory);

    /// @notice The training-VM program job `jobId` committed (0: none, or no such job).
    function programOf(uint256 jobId) external view returns (bytes32);

    /// @notice The escrow token: the protocol token, also staked and bonded.
    function token() external view returns (IERC20);

    /// @notice The StakeManager holding providers' stake (its token is `token`).
    function stakeManager() external view returns (IStakeManager);

    /// @notice Number of jobs posted; ids run from 1 to this.
    function jobCount() external view returns (uint256);

    /// @notice The longest challenge window an order may ask for. Governance (the timelock that may repoint
    /// the VRF coordinator) waits longer than this plus a dispute's verdict period, so a result submitted
    /// before a governance change is scheduled is settled under the randomness it was submitted under.
    function maxChallengeWindow() external view returns (uint32);

    /// @notice The upkeep action due for job `jobId` now, if any.
    function dueAction(uint256 jobId) external view returns (UpkeepAction);
}
