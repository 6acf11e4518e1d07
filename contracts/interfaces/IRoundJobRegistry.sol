// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IRoundJobRegistry
/// @notice Distributed training jobs (GitHub issue 19): one job trained by P compute providers ("slots")
/// in R rounds of local SGD. The chain sees digests only: each slot commits the digest of its update,
/// anyone posts the digest of the round's global model (the aggregate), every contribution is open to
/// challenge for a window, then anyone advances the job. Single-provider jobs stay on JobRegistry.
///
/// Life of a job (`deadline` means the end of the current status; round r runs r = 0..R-1):
///
///   Bidding --settleAuction--> Seeding --random word--> Training(r) --all active slots committed / closeRound after
///     |  \                         \                          |        deadline: slots without a commitment slashed
///     |   \--(fewer than P bids,    \--(no word by the        |        and dropped-->
///     |       request refused)--> Failed  deadline: expireSeed)--> Failed
///   cancel                                                     v
///     v                      Aggregating(r) --postAggregate--> Aggregated(r) --advance--> Training(r+1) | Finalized
///   Cancelled                      |   ^                         |    ^
///            expireRound (nobody   |   | slot or aggregate       |    | challenger wrong /
///            aggregated in time)   |   | found wrong: re-aggregate   | drawn committee silent
///                                  v   |                         v    |
///                                Failed <--(slot wrong and !continueOnFault, no slot left, no committee)-- Disputed
///
/// Failed pays what was earned: every slot gets price x the rounds it earned, the rest is refunded.
/// Every waiting state has a time-out: Bidding (settleAuction), Seeding (expireSeed), Training (closeRound),
/// Aggregating (expireRound), Aggregated (advance), Disputed (Disputes' verdict deadline).
///
/// The job's seed is a random word requested when the auction settles, so it is unknown when the slots are
/// chosen: not even whoever orders the settling transaction (a sequencer) can pick it. Whatever a job derives
/// from it (the secure-aggregation rings of every round) is fixed before anyone knows it and steered by no one.
interface IRoundJobRegistry {
    /// @notice Where a job is in its life.
    enum RoundJobStatus {
        None, // no such job
        Bidding, // open for bids until `deadline`
        Seeding, // slots assigned; the job's random seed is awaited until `deadline`
        Training, // round `round`: active slots commit their updates until `deadline`
        Aggregating, // round `round`'s training closed; an aggregate may be posted until `deadline`
        Aggregated, // round `round`'s aggregate posted; challengeable until `deadline`
        Disputed, // a dispute on round `round` is open; the window's clock is stopped
        Finalized, // every round done; slots paid, remainder refunded (terminal)
        Cancelled, // consumer cancelled before the auction settled (terminal)
        Failed // too few bids, no seed, a round nobody aggregated, a fault the job may not continue past,
            // or no committee: earned rounds paid, remainder refunded (terminal)
    }

    /// @notice How a round dispute ended, as Disputes reports it to {resolveRoundDispute}.
    enum RoundDisputeOutcome {
        ResultStands, // challenger wrong, or the drawn committee gave no verdict: the window resumes
        AccusedWrong, // the disputed slot's update, or the round's aggregate, was wrong
        NoCommittee // no committee could judge: the job fails, the accused is unlocked unslashed
    }

    /// @notice Why a slot was dropped from a job.
    enum DropReason {
        MissedDeadline, // no commitment before the round's training deadline
        FoundWrong // a dispute found its update wrong
    }

    /// @notice A due upkeep action found by `checkUpkeep`.
    enum RoundUpkeepAction {
        None,
        SettleAuction, // Bidding, deadline reached
        ExpireSeed, // Seeding, deadline reached with no seed: the job fails
        CloseRound, // Training, deadline reached: drop the slots that did not commit
        ExpireRound, // Aggregating, deadline reached with no aggregate: the job fails
        Advance // Aggregated, window over
    }

    /// @notice The order a consumer posts. Escrow = slots x rounds x priceLimit.
    /// @param datasetId The dataset to train on (DatasetRegistry id).
    /// @param specDigest Digest of the distributed job spec.
    /// @param priceLimit Highest price per slot per round.
    /// @param minStake Stake each slot locks from its bid until payout (or its drop).
    /// @param slots P, the number of providers (1..MAX_SLOTS).
    /// @param rounds R, the number of rounds (1..maxRounds).
    /// @param biddingPeriod Seconds the auction stays open.
    /// @param roundPeriod Seconds each round's slots have to commit their updates.
    /// @param aggregationPeriod Seconds from a round's training close to the latest aggregate.
    /// @param challengeWindow Seconds an aggregate stays open to challenge (0 < challengeWindow <= maxChallengeWindow).
    /// @param continueOnFault Whether the job goes on without a slot that was dropped (else it fails).
    /// @param aggregation keccak256 of the job's aggregation program (IAggregateReferee.AggregationProgram), which
    /// puts disputes of its aggregates to the referee instead of a committee; 0 for a job the referee cannot compute
    /// (multi-Krum, FLTrust, compressed updates, secure aggregation).
    struct RoundOrder {
        uint64 datasetId;
        bytes32 specDigest;
        uint96 priceLimit;
        uint96 minStake;
        uint8 slots;
        uint16 rounds;
        uint32 biddingPeriod;
        uint32 roundPeriod;
        uint32 aggregationPeriod;
        uint32 challengeWindow;
        bool continueOnFault;
        bytes32 aggregation;
    }

    /// @notice A job as stored, in five slots: [consumer, deadline, status, round, activeMask, committedMask],
    /// [priceLimit, minStake, biddingPeriod, slots, rounds], [roundPeriod, aggregationPeriod, challengeWindow,
    /// datasetId, bidCount, continueOnFault], [aggregator, disputedSlot], specDigest.
    struct RoundJob {
        address consumer;
        uint40 deadline;
        RoundJobStatus status;
        uint16 round; // the current round; rounds completed so far (R once Finalized)
        uint16 activeMask; // bit s set <=> slot s is still in the job
        uint16 committedMask; // bit s set <=> slot s committed its update for the current round
        uint96 priceLimit;
        uint96 minStake;
        uint32 biddingPeriod;
        uint8 slots;
        uint16 rounds;
        uint32 roundPeriod;
        uint32 aggregationPeriod;
        uint32 challengeWindow;
        uint64 datasetId;
        uint8 bidCount; // bids held while Bidding; then `slots`
        bool continueOnFault;
        address aggregator; // who posted the current round's aggregate, zero while none is (stake locked while set)
        uint8 disputedSlot; // the subject of the open dispute (255 = the aggregate)
        bytes32 specDigest;
    }

    /// @notice A slot of a job, as {slotsOf} returns it.
    /// @param provider The provider holding the slot (while Bidding, the held bids from lowest).
    /// @param price Its price per round.
    /// @param roundsEarned Rounds it earned: the rounds completed while it was in the job.
    /// @param active Whether it is still in the job.
    struct SlotView {
        address provider;
        uint96 price;
        uint16 roundsEarned;
        bool active;
    }

    /// @notice Thrown when job `jobId` does not exist.
    error RoundJobRegistryUnknownJob(uint256 jobId);
    /// @notice Thrown when job `jobId` is in `actual` status but the call needs `expected`.
    error RoundJobRegistryWrongStatus(uint256 jobId, RoundJobStatus actual, RoundJobStatus expected);
    /// @notice Thrown when an order field breaks its rule (`field` names it).
    error RoundJobRegistryInvalidOrder(string field);
    /// @notice Thrown when a constructor parameter breaks its rule.
    error RoundJobRegistryInvalidParameter(string name);
    /// @notice Thrown when an order names dataset `datasetId`, which is not placed and active in DatasetRegistry.
    error RoundJobRegistryDatasetNotActive(uint256 datasetId);
    /// @notice Thrown when a bid of zero is placed on job `jobId`.
    error RoundJobRegistryZeroBid(uint256 jobId);
    /// @notice Thrown when a bid of `price` is above `limit`: the price limit, or one less than the highest held bid.
    error RoundJobRegistryBidTooHigh(uint256 jobId, uint256 price, uint256 limit);
    /// @notice Thrown when `provider` bids on job `jobId` while it already holds one of its bids.
    error RoundJobRegistryAlreadyBidding(uint256 jobId, address provider);
    /// @notice Thrown when the current phase of job `jobId` ended at `deadline` (now is later).
    error RoundJobRegistryDeadlinePassed(uint256 jobId, uint256 deadline);
    /// @notice Thrown when the current phase of job `jobId` only ends at `deadline`.
    error RoundJobRegistryDeadlineNotReached(uint256 jobId, uint256 deadline);
    /// @notice Thrown when `caller` is not the account allowed (`expected`) to act on job `jobId`.
    error RoundJobRegistryUnauthorized(uint256 jobId, address caller, address expected);
    /// @notice Thrown when `caller` holds no slot of job `jobId`.
    error RoundJobRegistryNotASlot(uint256 jobId, address caller);
    /// @notice Thrown when slot `slot` of job `jobId` does not exist or was dropped.
    error RoundJobRegistryInactiveSlot(uint256 jobId, uint256 slot);
    /// @notice Thrown when a call names round `round` of job `jobId`, whose current round is `currentRound`.
    error RoundJobRegistryWrongRound(uint256 jobId, uint256 round, uint256 currentRound);
    /// @notice Thrown when a zero digest is committed or posted for job `jobId`.
    error RoundJobRegistryZeroDigest(uint256 jobId);
    /// @notice Thrown when slot `slot` of job `jobId` already committed its update for round `round`.
    error RoundJobRegistryAlreadyCommitted(uint256 jobId, uint256 round, uint256 slot);
    /// @notice Thrown when random words answer `requestId`, which is no seed request this contract awaits.
    error RoundJobRegistryUnknownSeedRequest(uint256 requestId);

    /// @notice Emitted when `consumer` posts job `jobId` and escrows `escrow`; bids close at `biddingDeadline`.
    event RoundJobPosted(
        uint256 indexed jobId, address indexed consumer, RoundOrder order, uint256 escrow, uint256 biddingDeadline
    );
    /// @notice Emitted when `provider` takes a held bid on job `jobId` at `price`, locking the job's minStake.
    event RoundBidPlaced(uint256 indexed jobId, address indexed provider, uint256 price);
    /// @notice Emitted when `provider`'s held bid at `price` on job `jobId` is outbid and its stake unlocked.
    event RoundBidEvicted(uint256 indexed jobId, address indexed provider, uint256 price);
    /// @notice Emitted when the consumer cancels job `jobId` and gets `refund` back.
    event RoundJobCancelled(uint256 indexed jobId, uint256 refund);
    /// @notice Emitted when job `jobId`'s auction assigns slot `slot` to `provider` at `price` per round.
    event SlotAssigned(uint256 indexed jobId, uint256 indexed slot, address indexed provider, uint256 price);
    /// @notice Emitted when job `jobId`'s auction settled and its seed was requested (VRF request `requestId`); the
    /// job fails if the seed is not there by `seedDeadline`.
    event SeedRequested(uint256 indexed jobId, uint256 indexed requestId, uint256 seedDeadline);
    /// @notice Emitted when job `jobId`'s random seed `seed` arrives (round 0 starts with it).
    event JobSeeded(uint256 indexed jobId, bytes32 seed);
    /// @notice Emitted when round `round` of job `jobId` opens for training; updates are due by `trainingDeadline`.
    event RoundStarted(uint256 indexed jobId, uint256 indexed round, uint256 trainingDeadline);
    /// @notice Emitted when slot `slot` of job `jobId` commits `digest` as its update of round `round`.
    event UpdateCommitted(uint256 indexed jobId, uint256 indexed round, uint256 indexed slot, bytes32 digest);
    /// @notice Emitted when round `round` of job `jobId` stops taking updates; its aggregate is due by `aggregationDeadline`.
    event TrainingClosed(uint256 indexed jobId, uint256 indexed round, uint256 aggregationDeadline);
    /// @notice Emitted when slot `slot` (`provider`) leaves job `jobId` in round `round` for `reason`; `slashed` taken.
    event SlotDropped(
        uint256 indexed jobId, uint256 indexed round, uint256 indexed slot, address provider, DropReason reason, uint256 slashed
    );
    /// @notice Emitted when `aggregator` posts `globalDigest` as round `round`'s global model of job `jobId`, built
    /// from the slots of `includedSlots` (bit s = slot s); challengeable until `challengeDeadline`.
    event AggregatePosted(
        uint256 indexed jobId,
        uint256 indexed round,
        address indexed aggregator,
        bytes32 globalDigest,
        uint16 includedSlots,
        uint256 challengeDeadline
    );
    /// @notice Emitted when round `round`'s aggregate of job `jobId` is void (`slashed` taken from `aggregator`,
    /// 0 when it was a slot that was wrong); a new aggregate is due by `aggregationDeadline`.
    event AggregateVoided(
        uint256 indexed jobId, uint256 indexed round, address indexed aggregator, uint256 slashed, uint256 aggregationDeadline
    );
    /// @notice Emitted when round `round` of job `jobId` is done: every slot of `earnedSlots` earned it.
    event RoundCompleted(uint256 indexed jobId, uint256 indexed round, uint16 earnedSlots);
    /// @notice Emitted when a dispute on slot `slot` (255: the aggregate) of round `round` stops job `jobId`'s window
    /// with `windowRemaining` seconds left.
    event RoundDisputed(uint256 indexed jobId, uint256 indexed round, uint256 slot, uint256 windowRemaining);
    /// @notice Emitted when round `round`'s aggregate of job `jobId` survived a dispute; the window ends at `challengeDeadline`.
    event RoundResumed(uint256 indexed jobId, uint256 indexed round, uint256 challengeDeadline);
    /// @notice Emitted when a dispute on an update, opened while round `round` of job `jobId` awaited its aggregate,
    /// ended with the job going on (the slot dropped, or its update standing): an aggregate is due by
    /// `aggregationDeadline`.
    event AggregationReopened(uint256 indexed jobId, uint256 indexed round, uint256 aggregationDeadline);
    /// @notice Emitted when slot `slot` (`provider`) of job `jobId` is paid `amount` at the job's end.
    event SlotPaid(uint256 indexed jobId, uint256 indexed slot, address indexed provider, uint256 amount);
    /// @notice Emitted when job `jobId` completed every round: slots were paid `paid`, the consumer refunded `refund`.
    event RoundJobFinalized(uint256 indexed jobId, uint256 paid, uint256 refund);
    /// @notice Emitted when job `jobId` ends early: slots were paid `paid` for the rounds they earned, the consumer refunded `refund`.
    event RoundJobFailed(uint256 indexed jobId, uint256 paid, uint256 refund);

    /// @notice Posts `order`, escrowing slots x rounds x priceLimit from the caller (who approved this contract).
    /// @dev Requirements: the dataset is active; priceLimit, minStake, specDigest and every period > 0;
    /// 1 <= slots <= MAX_SLOTS; 1 <= rounds <= maxRounds; challengeWindow <= maxChallengeWindow. Emits {RoundJobPosted}.
    /// @return jobId The new job's id (ids start at 1).
    function post(RoundOrder calldata order) external returns (uint256 jobId);

    /// @notice Like {post}, with an EIP-2612 permit for the escrow instead of a prior approval.
    /// @dev A permit already used (e.g. front-run) is tolerated when the allowance suffices.
    function postWithPermit(RoundOrder calldata order, uint256 permitDeadline, uint8 v, bytes32 r, bytes32 s)
        external
        returns (uint256 jobId);

    /// @notice The consumer cancels job `jobId` before its auction settles; escrow refunded, held bids unlocked.
    /// @dev Requirements: caller is the consumer; Bidding. Emits {RoundJobCancelled}.
    function cancel(uint256 jobId) external;

    /// @notice Bids `price` per round for a slot of job `jobId`, locking the job's minStake. While fewer than
    /// `slots` bids are held the bid joins; then it must be strictly below the highest held bid (ties go to the
    /// earlier bid), which is evicted and its stake unlocked.
    /// @dev Requirements: Bidding, before the deadline; 0 < price <= priceLimit; the caller holds no bid of the job.
    /// Emits {RoundBidPlaced} and, when full, {RoundBidEvicted}.
    function bid(uint256 jobId, uint96 price) external;

    /// @notice Closes job `jobId`'s auction: slot s goes to the s-th lowest bid (earlier bid first on ties) and the
    /// job's random seed is requested from the VRF coordinator; round 0 starts when it arrives. With fewer than
    /// `slots` bids, or if the coordinator refuses the request, the job fails: stakes unlock, the consumer is refunded.
    /// @dev Requirements: Bidding, deadline reached. Emits {SlotAssigned} per slot and {SeedRequested}, or {RoundJobFailed}.
    function settleAuction(uint256 jobId) external;

    /// @notice Fails job `jobId` when its seed did not arrive in time: no round ran, so stakes unlock and the
    /// consumer gets the whole escrow back. Without the seed no slot can start the round safely (its rings would
    /// be known to whoever could choose them), so waiting longer only locks the escrow.
    /// @dev Requirements: Seeding, deadline reached. Emits {RoundJobFailed}.
    function expireSeed(uint256 jobId) external;

    /// @notice A slot's provider commits `digest`, the digest of its update for round `round` of job `jobId`.
    /// The last active slot to commit closes the round's training.
    /// @dev Requirements: Training; `round` is current; before the deadline; the caller holds an active slot that
    /// has not committed this round; `digest` != 0. Emits {UpdateCommitted} (and {TrainingClosed}).
    function commitUpdate(uint256 jobId, uint16 round, bytes32 digest) external;

    /// @notice Closes round training of job `jobId` after its deadline: each active slot without a commitment is
    /// slashed its minStake (the consumer as beneficiary) and dropped. The job fails if no slot is left, or if a
    /// slot was dropped and the order does not continue on fault.
    /// @dev Requirements: Training, deadline reached. Emits {SlotDropped} per slot, then {TrainingClosed} or {RoundJobFailed}.
    function closeRound(uint256 jobId) external;

    /// @notice Posts `globalDigest` as the global model after round `round` of job `jobId`, locking the
    /// aggregator stake from the caller. After the training deadline it first closes the round ({closeRound}),
    /// and posts nothing if the job fails doing so.
    /// @dev Requirements: Aggregating before the deadline, or Training past the deadline (closed here);
    /// `round` is current; `globalDigest` != 0; the caller has `aggregatorStake` available.
    /// Emits {AggregatePosted} (or what {closeRound} emits).
    function postAggregate(uint256 jobId, uint16 round, bytes32 globalDigest) external;

    /// @notice Ends job `jobId`'s round after its window: every active slot earns it, the aggregator's stake
    /// unlocks, then the next round starts or, after the last, the job is paid out.
    /// @dev Requirements: Aggregated, deadline reached. Emits {RoundCompleted}, then {RoundStarted} or
    /// {SlotPaid}s and {RoundJobFinalized}.
    function advance(uint256 jobId) external;

    /// @notice Fails job `jobId` when nobody posted its round's aggregate in time: rounds earned are paid,
    /// the rest refunded. Failing is right: without a global model no slot can train the next round, and
    /// anyone (each slot's provider included) could have posted one, so waiting longer only locks the escrow.
    /// @dev Requirements: Aggregating, deadline reached. Emits {SlotPaid}s and {RoundJobFailed}.
    function expireRound(uint256 jobId) external;

    /// @notice Called by Disputes when a challenge opens on slot `slot` (255: the aggregate) of round `round`
    /// of job `jobId`: stops the window clock. An update may be disputed as soon as training closed (while
    /// Aggregating: an update its provider withholds would otherwise stall the round), the aggregate once posted.
    /// @dev Requirements: DISPUTES_ROLE; Aggregating (slot disputes only) or Aggregated; `round` is current; before
    /// the deadline; `slot` is active or 255. Emits {RoundDisputed}.
    /// @return accused The provider of the slot, or the aggregator.
    /// @return windowRemaining Seconds of the window left; passed back on resolution.
    function openRoundDispute(uint256 jobId, uint16 round, uint8 slot)
        external
        returns (address accused, uint32 windowRemaining);

    /// @notice Called by Disputes when job `jobId`'s dispute ends with `outcome`. A wrong slot is slashed its
    /// minStake (`challenger` as beneficiary) and dropped, the aggregator (if any) unlocked, the aggregate (if any)
    /// void, and the job back to Aggregating with a whole aggregation period (or Failed when it may not continue or
    /// no slot is left). A wrong aggregate: the aggregator slashed (`challenger` as beneficiary), the aggregate
    /// void, back to Aggregating. ResultStands: a posted aggregate's window resumes with `windowRemaining`; without
    /// one, aggregation reopens for a whole period. NoCommittee: the job fails, the accused unlocked unslashed.
    /// @dev Requirements: DISPUTES_ROLE; Disputed. Emits {RoundResumed}, {AggregationReopened}, {AggregateVoided},
    /// {SlotDropped} or {RoundJobFailed}.
    function resolveRoundDispute(uint256 jobId, RoundDisputeOutcome outcome, address challenger, uint32 windowRemaining)
        external;

    /// @notice The job `jobId` as stored (status None if unknown).
    function getRoundJob(uint256 jobId) external view returns (RoundJob memory);

    /// @notice The `slots` slots of job `jobId` (while Bidding: the bids held, lowest first, then empty entries).
    function slotsOf(uint256 jobId) external view returns (SlotView[] memory);

    /// @notice The slot `provider` was assigned in job `jobId` by its auction (dropped slots included); `holds` is
    /// false if it holds none, and always while the job is Bidding.
    function slotOf(uint256 jobId, address provider) external view returns (bool holds, uint8 slot);

    /// @notice The update digest slot `slot` committed for round `round` of job `jobId` (0 if none).
    function commitmentOf(uint256 jobId, uint16 round, uint8 slot) external view returns (bytes32);

    /// @notice The random seed of job `jobId` (0 until it arrives): the VRF word its settlement requested.
    function seedOf(uint256 jobId) external view returns (bytes32);

    /// @notice The aggregate posted for round `round` of job `jobId` (0 if none, or void).
    function aggregateOf(uint256 jobId, uint16 round) external view returns (bytes32);

    /// @notice The aggregation program job `jobId`'s order committed (0: none, its aggregates are a committee's).
    function aggregationOf(uint256 jobId) external view returns (bytes32);

    /// @notice The escrow job `jobId` still holds: slots x rounds x priceLimit until it ends, then 0.
    function escrowOf(uint256 jobId) external view returns (uint256);

    /// @notice The upkeep action due for job `jobId` now, if any.
    function dueAction(uint256 jobId) external view returns (RoundUpkeepAction);

    /// @notice The escrow token: the protocol token, also staked and bonded.
    function token() external view returns (IERC20);

    /// @notice Number of jobs posted; ids run from 1 to this.
    function jobCount() external view returns (uint256);

    /// @notice The longest challenge window an order may ask for (see IJobRegistry.maxChallengeWindow).
    function maxChallengeWindow() external view returns (uint32);

    /// @notice Stake the poster of an aggregate locks until its round advances or the aggregate is voided.
    function aggregatorStake() external view returns (uint96);

    /// @notice The most rounds an order may ask for.
    function maxRounds() external view returns (uint16);

    /// @notice Seconds a settled job waits for its seed before it may be failed ({expireSeed}).
    function seedTimeout() external view returns (uint32);
}
