// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IDisputes
/// @notice Challenges of submitted training results. A challenger posts a bond naming the first
/// checkpoint it believes wrong and the hash it computed; a VRF-drawn validator committee
/// re-executes that segment and signs an EIP-712 verdict; at least M of N signatures settle it.
/// The losing side pays: a wrong provider is slashed (the challenger gets the beneficiary share and
/// its bond back, the consumer a full refund); a wrong challenger's bond goes to the provider.
/// A committee that was drawn but gave no verdict before the deadline voids the dispute: the bond
/// returns and the window resumes. A dispute that never got a committee able to judge (the VRF request
/// refused or unanswered, or fewer than `threshold` validators eligible) cannot clear the result, so it
/// does not pay the provider either: the job fails, the consumer is refunded, the provider's stake
/// unlocks unslashed and the bond returns. No party to the dispute can keep a challenge from opening.
/// Distributed jobs (RoundJobRegistry) are challenged the same way, one round at a time ({challengeRound}):
/// the accused is a slot's provider or the round's aggregator, and the registry settles the outcome.
interface IDisputes {
    /// @notice Where a dispute is.
    enum DisputeStatus {
        None, // no such dispute
        Open, // waiting for the committee's verdict until `verdictDeadline`
        ProviderWrong, // verdict: the provider's checkpoint was wrong (terminal)
        ChallengerWrong, // verdict: the provider's checkpoint was right (terminal)
        Expired, // committee drawn, no verdict in time; the window resumed (terminal)
        NoCommittee // no committee able to judge was drawn in time; the job failed unpaid, unslashed (terminal)
    }

    /// @notice Which registry a dispute's job lives in.
    enum DisputeRegistry {
        Jobs, // JobRegistry: a single-provider job's checkpoint
        RoundJobs // RoundJobRegistry: a slot's update or the aggregate of a distributed job's round
    }

    /// @notice A dispute as stored, in five slots. Fields keep their order for the keepers that decode it.
    struct Dispute {
        address challenger;
        uint40 verdictDeadline;
        DisputeStatus status;
        uint32 windowRemaining; // challenge window left when the dispute opened
        address provider; // the accused: the job's provider, a round's slot provider or its aggregator
        uint96 bond;
        uint64 jobId;
        uint64 checkpointIndex; // Jobs: the first checkpoint disputed; RoundJobs: round << 8 | slot (255: aggregate)
        bytes32 claimedHash; // the hash the challenger computed
        DisputeRegistry registry; // which registry `jobId` lives in
    }

    /// @notice Thrown when dispute `disputeId` does not exist.
    error DisputesUnknownDispute(uint256 disputeId);
    /// @notice Thrown when dispute `disputeId` is `actual`, not Open.
    error DisputesNotOpen(uint256 disputeId, DisputeStatus actual);
    /// @notice Thrown when a verdict for dispute `disputeId` arrives at or after `verdictDeadline`.
    error DisputesVerdictTooLate(uint256 disputeId, uint256 verdictDeadline);
    /// @notice Thrown when dispute `disputeId` is expired before `verdictDeadline`.
    error DisputesVerdictDeadlineNotReached(uint256 disputeId, uint256 verdictDeadline);
    /// @notice Thrown when a challenge claims the zero hash.
    error DisputesZeroClaimedHash();
    /// @notice Thrown when a constructor parameter breaks its rule.
    error DisputesInvalidParameter(string name);
    /// @notice Thrown when the verdict period `verdictPeriod` is not shorter than the committee's `exitDelay`:
    /// a validator drawn for a dispute could then leave, with its stake, before the dispute ends.
    error DisputesVerdictPeriodNotBelowExitDelay(uint256 verdictPeriod, uint256 exitDelay);

    /// @notice Emitted when `challenger` disputes job `jobId`'s checkpoint `checkpointIndex`, claiming `claimedHash`.
    event DisputeOpened(
        uint256 indexed disputeId,
        uint256 indexed jobId,
        address indexed challenger,
        uint256 checkpointIndex,
        bytes32 claimedHash,
        uint256 bond,
        uint256 verdictDeadline
    );
    /// @notice Emitted when `challenger` disputes slot `slot`'s update (255: the aggregate) of round `round` of
    /// distributed job `jobId` (RoundJobRegistry), claiming `claimedHash`.
    event RoundDisputeOpened(
        uint256 indexed disputeId,
        uint256 indexed jobId,
        uint256 round,
        uint256 slot,
        address indexed challenger,
        bytes32 claimedHash,
        uint256 bond,
        uint256 verdictDeadline
    );
    /// @notice Emitted when dispute `disputeId` is settled by its committee; the bond went to `bondRecipient`.
    event DisputeSettled(uint256 indexed disputeId, bool providerWrong, address indexed bondRecipient, uint256 signerBitmap);
    /// @notice Emitted when dispute `disputeId` expires without a verdict from its drawn committee; the bond
    /// returned to the challenger and the job's window resumed.
    event DisputeExpired(uint256 indexed disputeId);
    /// @notice Emitted when dispute `disputeId` expires without a committee able to judge it: the bond returned
    /// to the challenger, the job failed with the consumer refunded and the provider's stake unlocked unslashed.
    event DisputeNoCommittee(uint256 indexed disputeId);

    /// @notice Opens a dispute on job `jobId`'s result, pulling the bond from the caller.
    /// @dev Requirements: the job is Submitted and inside its window; `claimedHash` != 0; the caller approved
    /// the bond. Nothing about the validator set or the VRF subscription can make it revert. Emits {DisputeOpened}.
    function challenge(uint256 jobId, uint64 checkpointIndex, bytes32 claimedHash) external returns (uint256 disputeId);

    /// @notice Opens a dispute on slot `slot`'s update (255: the aggregate) of round `round` of distributed job
    /// `jobId` (RoundJobRegistry), pulling the bond from the caller. The verdict's `providerWrong` means the
    /// accused (the slot's provider or the aggregator) was wrong.
    /// @dev Requirements: the round is the job's current one and before its deadline, either Aggregated (an
    /// update or the aggregate) or Aggregating (an update: one its provider withholds would stall the round);
    /// the slot is active (or 255); `claimedHash` != 0; the caller approved the bond. Emits {RoundDisputeOpened}.
    function challengeRound(uint256 jobId, uint16 round, uint8 slot, bytes32 claimedHash)
        external
        returns (uint256 disputeId);

    /// @notice Settles dispute `disputeId` with its committee's verdict. Anyone can relay the signatures.
    /// @param providerWrong The verdict: true if the provider's checkpoint was wrong.
    /// @param signerBitmap Bit i set ⇔ committee member i signed.
    /// @param signatures EIP-712 signatures of `Verdict(disputeId, providerWrong)`, in position order.
    /// @dev Requirements: Open; before the verdict deadline; >= threshold valid member signatures.
    /// Emits {DisputeSettled}.
    function settle(uint256 disputeId, bool providerWrong, uint256 signerBitmap, bytes[] calldata signatures) external;

    /// @notice Ends dispute `disputeId` after its verdict deadline, bond refunded. If a committee of at least
    /// `threshold` members was drawn before the deadline, the window resumes; otherwise the job fails without
    /// paying the provider or slashing it.
    /// @dev Requirements: Open; deadline reached. Emits {DisputeExpired} or {DisputeNoCommittee}.
    function expire(uint256 disputeId) external;

    /// @notice The EIP-712 digest validators sign for a verdict.
    function verdictDigest(uint256 disputeId, bool providerWrong) external view returns (bytes32);

    /// @notice The dispute `disputeId` as stored (status None if unknown).
    function getDispute(uint256 disputeId) external view returns (Dispute memory);

    /// @notice Number of disputes opened; ids run from 1 to this.
    function disputeCount() external view returns (uint256);
}
