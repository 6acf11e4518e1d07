// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAggregateReferee} from "./IAggregateReferee.sol";
import {IBisectionGame} from "./IBisectionGame.sol";
import {IGameReferee} from "./IGameReferee.sol";

/// @title IDisputes
/// @notice Challenges of submitted training results. A challenger posts a bond naming the first
/// checkpoint it believes wrong and the hash it computed; a VRF-drawn validator committee
/// re-executes that segment and signs an EIP-712 verdict; at least M of N signatures settle it.
/// The losing side pays: a wrong provider is slashed (the challenger gets the beneficiary share and
/// its bond back, the consumer a full refund); a wrong challenger's bond is lost, split as a slash is: the
/// accused's share (`accusedShareBps`) to the provider, the rest to the treasury ({BondForfeited}), so that an accused
/// disputing itself through a second account pays for every dispute it holds its job with.
/// A committee that was drawn but gave no verdict before the deadline voids the dispute: the bond
/// returns and the window resumes. A dispute that never got a committee able to judge (the VRF request
/// refused or unanswered, or fewer than `threshold` validators eligible) cannot clear the result, so it
/// does not pay the provider either: the job fails, the consumer is refunded, the provider's stake
/// unlocks unslashed and the bond returns. No party to the dispute can keep a challenge from opening.
/// Distributed jobs (RoundJobRegistry) are challenged the same way, one round at a time ({challengeRound}):
/// the accused is a slot's provider or the round's aggregator, and the registry settles the outcome.
///
/// A job that commits a training-VM program can instead be disputed by a two-party bisection game
/// (docs/dispute-game.md) that needs no committee: the challenger opens one ({challengeByGame}), or the provider
/// turns a committee dispute into one within `forcePeriod` ({forceGame}); no verdict on such a job counts before
/// `forcePeriod` has passed. The challenge bond is the game's move 0: back to the challenger if it wins, lost as above
/// if it does not.
/// What a game cannot replay, the result as published (its availability), is disputed by {challengeResult}. On a job
/// that commits a program, the accused answers it on-chain, no committee drawn: it publishes the job's trace (every
/// checkpoint hash, proven against the trace root) and its last checkpoint, whose parameters are the trained weights
/// (chunk by chunk, each proven against that checkpoint's hash), before the deadline; only silence loses
/// (docs/dispute-game.md §5). On any other job the committee decides it. A round slot's update, or a round's aggregate,
/// that no peer serves is disputed the same way ({challengeUpdate}): its slot's provider or the aggregator publishes the
/// blob on-chain, chunk by chunk, each proven against its digest on RoundJobRegistry ({publishUpdateChunk}); only
/// silence loses.
interface IDisputes is IGameReferee {
    /// @notice Where a dispute is.
    enum DisputeStatus {
        None, // no such dispute
        Open, // waiting for the committee's verdict until `verdictDeadline`
        ProviderWrong, // verdict: the provider's checkpoint was wrong (terminal)
        ChallengerWrong, // verdict: the provider's checkpoint was right (terminal)
        Expired, // committee drawn, no verdict in time; the window resumed (terminal)
        NoCommittee, // no committee able to judge was drawn in time; the job failed unpaid, unslashed (terminal)
        InGame // decided by the bisection game `gameId`, and by nothing else
    }

    /// @notice Which registry a dispute's job lives in.
    enum DisputeRegistry {
        Jobs, // JobRegistry: a single-provider job's checkpoint
        RoundJobs // RoundJobRegistry: a slot's update or the aggregate of a distributed job's round
    }

    /// @notice A dispute as stored, in five slots. Fields keep their order for the keepers that decode it.
    struct Dispute {
        address challenger;
        uint40 verdictDeadline; // committee disputes; 0 for a dispute opened as a game
        DisputeStatus status;
        uint32 windowRemaining; // challenge window left when the dispute opened
        address provider; // the accused: the job's provider, a round's slot provider or its aggregator
        uint96 bond;
        uint64 jobId;
        // Jobs: the first checkpoint disputed, or RESULT_DISPUTE (the result as published); RoundJobs: round << 8 |
        // slot (255: aggregate)
        uint64 checkpointIndex;
        bytes32 claimedHash; // the hash the challenger computed; 0 for a dispute of the result as published
        DisputeRegistry registry; // which registry `jobId` lives in
        uint64 gameId; // the bisection game deciding it (0: none)
    }

    /// @notice What an availability dispute has received. Of a result ({challengeResult} on a job that commits a
    /// program): the trace's first `traced` checkpoint hashes, out of `checkpoints` (0 until the first batch); once
    /// all are in, the last one's hash `lastHash`, its word tree's `depth`, and the chunks of that checkpoint still to
    /// publish. Of a round slot's update ({challengeUpdate}): the blob's number of chunks in `checkpoints` (0 until
    /// the first chunk) and the chunks still to publish in `chunksLeft`.
    struct Publication {
        bytes32 lastHash;
        uint64 traced;
        uint64 checkpoints;
        uint64 chunksLeft;
        uint8 depth;
    }

    /// @notice A batch of a trace's checkpoint hashes, `hashes` from checkpoint `from` on, with an OpenZeppelin
    /// multiproof (`proof`, `proofFlags`) of their leaves against the trace root, as the OpenZeppelin merkle-tree
    /// library's `getMultiProof` of those leaves gives it.
    struct TraceBatch {
        uint64 from;
        bytes32[] hashes;
        bytes32[] proof;
        bool[] proofFlags;
    }

    /// @notice The two checkpoints of the provider's trace a game starts from: leaves `checkpoint − 1` (`hashBefore`;
    /// not read for checkpoint 1, whose predecessor is the program's initial checkpoint) and `checkpoint`
    /// (`hashAfter`) of the job's `traceRoot` (docs/training.md §8), with their Merkle proofs, and the preimage of
    /// the job's program that the game's machine reads the checkpoint schedule from.
    struct TraceOpening {
        bytes32 hashBefore;
        bytes32[] proofBefore;
        bytes32 hashAfter;
        bytes32[] proofAfter;
        bytes program;
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
    /// @notice Thrown when the force period `forcePeriod` is not shorter than the verdict period `verdictPeriod`.
    error DisputesForcePeriodNotBelowVerdictPeriod(uint256 forcePeriod, uint256 verdictPeriod);
    /// @notice Thrown when a verdict for dispute `disputeId` arrives before `forceDeadline`, while its provider may
    /// still turn it into a game.
    error DisputesForcePeriodNotOver(uint256 disputeId, uint256 forceDeadline);
    /// @notice Thrown when dispute `disputeId` is turned into a game at or after `forceDeadline`.
    error DisputesForcePeriodOver(uint256 disputeId, uint256 forceDeadline);
    /// @notice Thrown when `caller`, not the accused `provider`, turns dispute `disputeId` into a game.
    error DisputesOnlyProvider(uint256 disputeId, address caller, address provider);
    /// @notice Thrown when dispute `disputeId` cannot become a game: it is about a distributed job's round, or about a
    /// result as published ({challengeResult}).
    error DisputesNotGameable(uint256 disputeId);
    /// @notice Thrown when job `jobId` committed no training-VM program, so no game can replay it.
    error DisputesNoProgram(uint256 jobId);
    /// @notice Thrown when a game is asked for checkpoint `checkpoint` of job `jobId`, which is 0 or past the last
    /// checkpoint of the job's schedule: no segment ends there.
    error DisputesNoSegment(uint256 jobId, uint256 checkpoint);
    /// @notice Thrown when the hash of checkpoint `checkpoint` is not leaf `checkpoint` of job `jobId`'s trace root.
    error DisputesCheckpointNotInTrace(uint256 jobId, uint256 checkpoint, bytes32 checkpointHash);
    /// @notice Thrown when `caller`, not the game contract, reports a game's end.
    error DisputesOnlyGame(address caller);
    /// @notice Thrown when job `jobId`'s result was published on-chain in dispute `disputeId`: it is available for good.
    error DisputesResultPublished(uint256 jobId, uint256 disputeId);
    /// @notice Thrown when dispute `disputeId` is not an availability dispute of the kind published to (the result as
    /// published, of a job that commits a program; a round slot's update): there is nothing to publish for it.
    error DisputesNotAvailabilityDispute(uint256 disputeId);
    /// @notice Thrown when a committee verdict is relayed for dispute `disputeId`, which no committee decides: an
    /// availability dispute (publication alone decides it) or a refereed aggregate (the referee does).
    error DisputesNoCommitteeDispute(uint256 disputeId);
    /// @notice Thrown when something is published for dispute `disputeId` at or after its deadline `deadline`.
    error DisputesPublicationTooLate(uint256 disputeId, uint256 deadline);
    /// @notice Thrown when a batch of dispute `disputeId`'s trace starts at checkpoint `from`, not at `expected` (the
    /// first one not yet published).
    error DisputesTraceOutOfOrder(uint256 disputeId, uint256 from, uint256 expected);
    /// @notice Thrown when a batch of `count` checkpoint hashes from `from` is empty or runs past the schedule's
    /// `checkpoints` checkpoints.
    error DisputesTraceOutOfRange(uint256 disputeId, uint256 from, uint256 count, uint256 checkpoints);
    /// @notice Thrown when the `count` checkpoint hashes from `from` are not leaves of job `jobId`'s trace root.
    error DisputesCheckpointsNotInTrace(uint256 jobId, uint256 from, uint256 count);
    /// @notice Thrown when a chunk of dispute `disputeId`'s last checkpoint comes before its whole trace
    /// (`traced` of `checkpoints` hashes).
    error DisputesTraceIncomplete(uint256 disputeId, uint256 traced, uint256 checkpoints);
    /// @notice Thrown when chunk `chunk` is not one of the last checkpoint's `chunks` chunks.
    error DisputesChunkOutOfRange(uint256 disputeId, uint256 chunk, uint256 chunks);
    /// @notice Thrown when chunk `chunk` of dispute `disputeId` was published already.
    error DisputesChunkAlreadyPublished(uint256 disputeId, uint256 chunk);
    /// @notice Thrown when a chunk carries `words` words, or a proof of `siblings` siblings, where the checkpoint's tree
    /// needs `expectedWords` words (or none: an all-zero chunk) and `expectedSiblings` siblings.
    error DisputesChunkShape(uint256 disputeId, uint256 words, uint256 siblings, uint256 expectedWords, uint256 expectedSiblings);
    /// @notice Thrown when chunk `chunk`'s words and proof do not lead to the last checkpoint's hash.
    error DisputesChunkNotInCheckpoint(uint256 disputeId, uint256 chunk);
    /// @notice Thrown when the chunked blob `digest` a {challengeUpdate} names was published on-chain in dispute
    /// `disputeId`: it is available for good.
    error DisputesBlobPublished(bytes32 digest, uint256 disputeId);
    /// @notice Thrown when a published blob header hashes to `header`, not to the slot's commitment `commitment`.
    error DisputesBlobHeaderMismatch(uint256 disputeId, bytes32 header, bytes32 commitment);
    /// @notice Thrown when a blob chunk carries `length` bytes, or a proof of `siblings` siblings, where the blob needs
    /// `expectedLength` bytes and `expectedSiblings` siblings.
    error DisputesBlobChunkShape(
        uint256 disputeId, uint256 length, uint256 siblings, uint256 expectedLength, uint256 expectedSiblings
    );
    /// @notice Thrown when chunk `chunk`'s bytes and proof do not lead to the blob's tree root.
    error DisputesChunkNotInBlob(uint256 disputeId, uint256 chunk);
    /// @notice Thrown when `caller`, not the referee, refutes an aggregate.
    error DisputesOnlyReferee(address caller);

    /// @notice Emitted when `challenger` disputes job `jobId`'s checkpoint `checkpointIndex`, claiming `claimedHash`, or
    /// its result as published (`checkpointIndex` RESULT_DISPUTE, `claimedHash` 0).
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
    /// distributed job `jobId` (RoundJobRegistry), claiming `claimedHash` (0: the update's availability,
    /// {challengeUpdate}).
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
    /// @notice Emitted when dispute `disputeId` is settled by its committee; the bond went back to `bondRecipient`, the
    /// challenger, or was lost to `bondRecipient`, the accused, and the treasury ({BondForfeited}).
    event DisputeSettled(uint256 indexed disputeId, bool providerWrong, address indexed bondRecipient, uint256 signerBitmap);
    /// @notice Emitted when dispute `disputeId` expires without a verdict from its drawn committee; the bond
    /// returned to the challenger and the job's window resumed.
    event DisputeExpired(uint256 indexed disputeId);
    /// @notice Emitted when dispute `disputeId` expires without a committee able to judge it: the bond returned
    /// to the challenger, the job failed with the consumer refunded and the provider's stake unlocked unslashed.
    event DisputeNoCommittee(uint256 indexed disputeId);

    /// @notice Emitted when dispute `disputeId` is handed to bisection game `gameId` over checkpoint `checkpoint`'s
    /// segment: opened so by the challenger (`forced` false) or forced by the provider.
    event DisputeGameStarted(uint256 indexed disputeId, uint256 indexed gameId, uint256 checkpoint, bool forced);
    /// @notice Emitted when game `gameId` decided dispute `disputeId` for `bondRecipient`; the bond went back to it, the
    /// challenger, or was lost to it, the provider, and the treasury ({BondForfeited}).
    event DisputeDecidedByGame(uint256 indexed disputeId, uint256 indexed gameId, bool providerWrong, address indexed bondRecipient);
    /// @notice Emitted when the provider forced a game over dispute `disputeId`, whose checkpoint `checkpoint` ends no
    /// segment of the job's schedule: there is nothing to replay, the result stands and the bond is lost ({BondForfeited}).
    event DisputeDismissed(uint256 indexed disputeId, uint256 checkpoint);

    /// @notice Emitted when `prover` proved dispute `disputeId`'s aggregate wrong to the referee; the bond went to the
    /// challenger, `bondRecipient`, the slash's beneficiary share to `prover`.
    event DisputeDecidedByReferee(uint256 indexed disputeId, address indexed bondRecipient, address indexed prover);
    /// @notice Emitted when refereed dispute `disputeId` passed its deadline with the aggregate unrefuted: it stands,
    /// the bond was lost to `bondRecipient`, the aggregator, and the treasury ({BondForfeited}).
    event AggregateUpheld(uint256 indexed disputeId, address indexed bondRecipient);
    /// @notice Emitted when dispute `disputeId` ended against its challenger: of the lost bond, `toAccused` went to
    /// `accused` and `toTreasury` to the treasury (split as a slash is), so losing costs a challenger even when it is
    /// the accused's own account.
    event BondForfeited(uint256 indexed disputeId, address indexed accused, uint256 toAccused, uint256 toTreasury);

    /// @notice Emitted when checkpoint hashes `hashes`, the trace's from checkpoint `from` on, are published for
    /// availability dispute `disputeId`, proven against the job's trace root.
    event TracePublished(uint256 indexed disputeId, uint256 from, bytes32[] hashes);
    /// @notice Emitted when chunk `chunk` of the last checkpoint (its words `chunk · 2^c` … `(chunk + 1) · 2^c − 1`, with
    /// `c` = min(CHUNK_DEPTH, depth)) is published for availability dispute `disputeId`, proven against its hash;
    /// `words` is empty for a chunk of zero words.
    event CheckpointChunkPublished(uint256 indexed disputeId, uint256 chunk, bytes32[] words);
    /// @notice Emitted when the last chunk of availability dispute `disputeId` is in: job `jobId`'s result is
    /// available on-chain for good, the result stands and the bond was lost to `bondRecipient`, the provider, and the
    /// treasury ({BondForfeited}).
    event ResultPublished(uint256 indexed disputeId, uint256 indexed jobId, address indexed bondRecipient);
    /// @notice Emitted when availability dispute `disputeId` passed its deadline unanswered: the provider is wrong,
    /// the bond returned to the challenger.
    event ResultWithheld(uint256 indexed disputeId);
    /// @notice Emitted when chunk `chunk` (`bytes_`, its bytes `chunk · BLOB_CHUNK_BYTES` on) of the blob that update
    /// availability dispute `disputeId` is about is published, proven against its digest.
    event UpdateChunkPublished(uint256 indexed disputeId, uint256 chunk, bytes bytes_);
    /// @notice Emitted when the last chunk of update availability dispute `disputeId` is in: slot `slot`'s update (255:
    /// the aggregate) of round `round` of distributed job `jobId` is available on-chain for good, it stands and the bond
    /// was lost to `bondRecipient`, the slot's provider (or the aggregator), and the treasury ({BondForfeited}).
    event UpdatePublished(
        uint256 indexed disputeId, uint256 indexed jobId, uint256 round, uint256 slot, address indexed bondRecipient
    );

    /// @notice Opens a dispute on job `jobId`'s result, pulling the bond from the caller. A `checkpointIndex` of
    /// RESULT_DISPUTE disputes the result as published, as {challengeResult} does (`claimedHash` is then not read).
    /// @dev Requirements: the job is Submitted and inside its window; `claimedHash` != 0; the caller approved
    /// the bond. Nothing about the validator set or the VRF subscription can make it revert. Emits {DisputeOpened}.
    function challenge(uint256 jobId, uint64 checkpointIndex, bytes32 claimedHash) external returns (uint256 disputeId);

    /// @notice Opens a dispute of job `jobId`'s result as published, pulling the bond from the caller: availability,
    /// which no game can replay, so the provider cannot force it ({forceGame} refuses it). Stored and emitted with
    /// `checkpointIndex` RESULT_DISPUTE and `claimedHash` 0.
    /// - On a job that commits a program, no committee is drawn: anyone (the provider, in practice) answers it before
    ///   the deadline, `verdictPeriod` away, with {publishTrace} and {publishChunk}; the last chunk ends it, the result
    ///   standing and the bond lost ({ResultPublished}, {BondForfeited}). Unanswered, {expire} finds the provider
    ///   wrong ({ResultWithheld}). A result so published cannot be disputed as published again.
    /// - On any other job, the committee finds the provider wrong if it does not serve its result manifest and
    ///   checkpoints within the fetch bound, or if they contradict the on-chain result digest and trace root; its
    ///   verdict counts at once.
    /// @dev Requirements: the job is Submitted and inside its window; its result not published on-chain before; the
    /// caller approved the bond. Emits {DisputeOpened}.
    function challengeResult(uint256 jobId) external returns (uint256 disputeId);

    /// @notice Publishes, for availability dispute `disputeId`, the next batch of its job's trace ({TraceBatch}).
    /// Anyone may call it.
    /// @param program The preimage of the job's program, which gives the schedule's number of checkpoints and their
    /// word trees' depth ({IGameMachine-checkpointShape}).
    /// @dev Requirements: an Open availability dispute, before its deadline; the batch starts at the first hash not
    /// yet published, holds at least one and runs no further than the last checkpoint; its leaves in the trace root.
    /// Emits {TracePublished}.
    function publishTrace(uint256 disputeId, TraceBatch calldata batch, bytes calldata program) external;

    /// @notice Publishes, for availability dispute `disputeId` whose trace is in, chunk `chunk` of the last
    /// checkpoint: its `2^c` words (`c` = min(CHUNK_DEPTH, depth)), or none for a chunk of zero words, and the
    /// siblings of the chunk's subtree root up to the checkpoint's hash. Anyone may call it. The last chunk ends the
    /// dispute: the result stands, the bond is lost ({BondForfeited}).
    /// @dev Requirements: an Open availability dispute, before its deadline, its whole trace published; the chunk in
    /// range, not yet published, of the right shape, leading to the checkpoint's hash. Emits
    /// {CheckpointChunkPublished}, and with the last chunk {ResultPublished} and {BondForfeited}.
    function publishChunk(uint256 disputeId, uint64 chunk, bytes32[] calldata words, bytes32[] calldata proof) external;

    /// @notice Opens a dispute on checkpoint `checkpoint` of job `jobId`'s result decided by a bisection game between
    /// the provider and the caller, no committee involved, pulling the bond (the game's move 0) from the caller.
    /// @param opening The provider's checkpoints `checkpoint − 1` and `checkpoint`, proven against the result's trace
    /// root, and the program's preimage.
    /// @dev Requirements: as {challenge}; the job committed a program; `checkpoint` ends a segment of its schedule;
    /// both leaves in the trace. Emits {DisputeOpened} and {DisputeGameStarted}.
    function challengeByGame(uint256 jobId, uint64 checkpoint, bytes32 claimedHash, TraceOpening calldata opening)
        external
        returns (uint256 disputeId);

    /// @notice The accused provider turns committee dispute `disputeId` into a bisection game over the checkpoint the
    /// challenger named, so that no committee majority decides it. If that checkpoint ends no segment of the job's
    /// schedule, the dispute is dismissed at once (the result stands, the bond is lost).
    /// @dev Requirements: Open; about a checkpoint of a JobRegistry job that committed a program (not about its result
    /// as published); the caller is the accused; before
    /// `forcePeriod` has passed since the challenge; both leaves in the trace. Emits {DisputeGameStarted} or
    /// {DisputeDismissed} and {BondForfeited}.
    function forceGame(uint256 disputeId, TraceOpening calldata opening) external;

    /// @notice Opens a dispute on slot `slot`'s update (255: the aggregate) of round `round` of distributed job
    /// `jobId` (RoundJobRegistry), pulling the bond from the caller. The verdict's `providerWrong` means the
    /// accused (the slot's provider or the aggregator) was wrong. The aggregate of a job that commits an aggregation
    /// program draws no committee: the {referee} decides it from the challenger's evidence before the deadline,
    /// `verdictPeriod` away, and without a refutation by then {expire} upholds the aggregate ({AggregateUpheld}).
    /// @dev Requirements: the round is the job's current one and before its deadline, either Aggregated (an
    /// update or the aggregate) or Aggregating (an update: one its provider withholds would stall the round);
    /// the slot is active (or 255); `claimedHash` != 0; the caller approved the bond. Emits {RoundDisputeOpened}.
    function challengeRound(uint256 jobId, uint16 round, uint8 slot, bytes32 claimedHash)
        external
        returns (uint256 disputeId);

    /// @notice Opens an availability dispute of slot `slot`'s update (255: the aggregate, its global model) of round
    /// `round` of distributed job `jobId`, pulling the bond from the caller: the chunked blob committed for it, which no
    /// peer serves. No committee is drawn: anyone (the slot's provider or the aggregator, in practice) answers it before
    /// the deadline, `verdictPeriod` away, with {publishUpdateChunk}; the last chunk ends it, the update standing and the
    /// bond lost ({UpdatePublished}, {BondForfeited}). Unanswered, {expire} finds the accused wrong ({ResultWithheld}):
    /// the registry drops and slashes the slot, or voids the aggregate and slashes the aggregator. A blob so published
    /// cannot be disputed as unavailable again. Stored and emitted with `claimedHash` 0.
    /// @dev Requirements: as {challengeRound}; the blob not published on-chain before; the caller approved the bond.
    /// Emits {RoundDisputeOpened}.
    function challengeUpdate(uint256 jobId, uint16 round, uint8 slot) external returns (uint256 disputeId);

    /// @notice Publishes, for update availability dispute `disputeId`, chunk `chunk` of the disputed chunked blob
    /// (docs/distributed-training.md, "Chunked blobs"): its header's `length` and tree `root` (whose header hashes to
    /// the slot's commitment, or the aggregate), the chunk's bytes and the siblings of its leaf up to the root. Anyone
    /// may call it. The last chunk ends the dispute: the update stands, the bond is lost ({BondForfeited}).
    /// @dev Requirements: an Open update availability dispute, before its deadline; the header matching the digest;
    /// the chunk in range, not yet published, of its length, leading to the root. Emits {UpdateChunkPublished}, and
    /// with the last chunk {UpdatePublished} and {BondForfeited}.
    function publishUpdateChunk(
        uint256 disputeId,
        uint64 length,
        bytes32 root,
        uint64 chunk,
        bytes calldata bytes_,
        bytes32[] calldata proof
    ) external;

    /// @notice Settles dispute `disputeId` with its committee's verdict. Anyone can relay the signatures.
    /// @param providerWrong The verdict: true if the provider's checkpoint was wrong.
    /// @param signerBitmap Bit i set ⇔ committee member i signed.
    /// @param signatures EIP-712 signatures of `Verdict(disputeId, providerWrong)`, in position order.
    /// @dev Requirements: Open; not an availability dispute; if the dispute can become a game (a checkpoint of a job
    /// that committed a program), `forcePeriod` passed since the challenge; before the verdict deadline; >= threshold
    /// valid member signatures.
    /// Emits {DisputeSettled}, and {BondForfeited} if the challenger was wrong.
    function settle(uint256 disputeId, bool providerWrong, uint256 signerBitmap, bytes[] calldata signatures) external;

    /// @notice Ends dispute `disputeId` after its verdict deadline, bond refunded (but for an aggregate the referee
    /// upholds, {AggregateUpheld}: the bond is lost, {BondForfeited}). An availability dispute still
    /// unanswered finds the provider wrong. Otherwise, if a committee of at least `threshold` members was drawn
    /// before the deadline, the window resumes; if not, the job fails without paying the provider or slashing it.
    /// @dev Requirements: Open; deadline reached. Emits {ResultWithheld}, {DisputeExpired},
    /// {DisputeNoCommittee} or {AggregateUpheld} and {BondForfeited}.
    function expire(uint256 disputeId) external;

    /// @notice The EIP-712 digest validators sign for a verdict.
    function verdictDigest(uint256 disputeId, bool providerWrong) external view returns (bytes32);

    /// @notice The dispute `disputeId` as stored (status None if unknown).
    function getDispute(uint256 disputeId) external view returns (Dispute memory);

    /// @notice The `checkpointIndex` of a dispute of a result as published ({challengeResult}): type(uint64).max.
    function RESULT_DISPUTE() external view returns (uint64);

    /// @notice Depth of a chunk of a published checkpoint's word tree: a chunk is up to 2^CHUNK_DEPTH words.
    function CHUNK_DEPTH() external view returns (uint8);

    /// @notice What availability dispute `disputeId` has received so far.
    function getPublication(uint256 disputeId) external view returns (Publication memory);

    /// @notice The availability dispute in which job `jobId`'s result was published on-chain (0: none).
    function publishedIn(uint256 jobId) external view returns (uint256);

    /// @notice The update availability dispute in which the chunked blob `digest` was published on-chain (0: none).
    function blobPublishedIn(bytes32 digest) external view returns (uint256);

    /// @notice Bytes of a chunk of a chunked blob (the last one may be shorter).
    function BLOB_CHUNK_BYTES() external view returns (uint32);

    /// @notice Ends refereed dispute `disputeId` with the aggregator wrong (`prover` proved a coordinate or the header
    /// of the posted global model wrong to the referee): the aggregate voided and `aggregatorStake` slashed, its
    /// beneficiary share to `prover`, the bond back to the challenger, who was right. Callable by the {referee} alone.
    /// Emits {DisputeDecidedByReferee}.
    function refuteAggregate(uint256 disputeId, address prover) external;

    /// @notice The aggregate referee deployed for this Disputes (by its constructor, through a RefereeDeployer), the only
    /// account it accepts refutations from.
    function referee() external view returns (IAggregateReferee);

    /// @notice Receives a lost bond's part that does not go to the accused: the StakeManager's treasury.
    function treasury() external view returns (address);

    /// @notice The accused's share of a lost bond, in basis points: the StakeManager's slash beneficiary share.
    function accusedShareBps() external view returns (uint16);

    /// @notice Number of disputes opened; ids run from 1 to this.
    function disputeCount() external view returns (uint256);

    /// @notice The bisection game contract this Disputes opens games in (deployed by its constructor).
    function game() external view returns (IBisectionGame);

    /// @notice Seconds from a committee challenge during which its provider may force a game and no verdict counts.
    function forcePeriod() external view returns (uint32);

    /// @notice The dispute game `gameId` decides (0 if none).
    function disputeOfGame(uint256 gameId) external view returns (uint256);
}
