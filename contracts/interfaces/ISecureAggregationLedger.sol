// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRoundJobRegistry} from "./IRoundJobRegistry.sol";

/// @title ISecureAggregationLedger
/// @notice The public round ledger of secure aggregation (GitHub issue 20, docs/secure-aggregation.md §4) for
/// RoundJobRegistry's jobs: in each round every slot posts its own SecAgg+ messages, stage by stage, so every party
/// reads the same sets U1 (keys), U2 (shares), C (complaints), U3 (masked inputs) and the same messages from the chain,
/// not from the aggregator. A message is at most MAX_MESSAGE_BYTES (the largest, a slot's share envelopes at 16 slots, is 1,762
/// bytes): its bytes travel in the post's calldata and event, its SHA-256 is kept, so no slot can withhold one
/// after posting it. The masked input, a whole vector, travels through the content store by its digest.
///
/// Stages of round r, timed from its start S = trainingDeadline - roundPeriod (RoundJobRegistry, Training):
///
///   Keys      [S, S + roundPeriod/4)           active slots post; closes early once every active slot posted
///   Shares    from Keys' close to S + roundPeriod/2   slots of Keys post; closes early once all of them posted
///   Complaints from Shares' close to S + 3·roundPeriod/4   slots of Shares post their complaints (none, or one per
///             neighbour whose envelope failed); closes early once all of them posted
///   Inputs    RoundJobRegistry.commitUpdate (the digest of the masked input), until the training deadline
///   Unmask    once training closed, until the round ends (Aggregating, Aggregated, Disputed): active slots that
///             posted Complaints (all committed) post their unmask shares
///   Recover   while Unmask is open, for each slot of U3 the registry dropped since (its masked input found withheld
///             or invalid): its neighbours that posted Unmask post their share of its mask key, so that the others'
///             sum can still be unmasked (docs/secure-aggregation.md §7, "Withdrawn inputs")
///
/// A stage's set is read only once it closed, so every reader sees the same set.
///
/// It also holds a data owner's commitments (docs/distributed-training.md, "Private-data jobs"): once per job the
/// Poseidon root of the examples it trains on, and in each round, before its update, the commitment to the round's
/// DP noise seed, opened only in a dispute: the owner posts the seed sealed to each drawn validator's opening key, an
/// X25519 public key every validator registers here. The contract holds no value and no role; it reads the registry
/// for the job's status, round, deadline, slots and update commitments.
interface ISecureAggregationLedger {
    /// @notice The stages a slot posts on this ledger (the masked input goes to RoundJobRegistry.commitUpdate).
    enum Stage {
        Keys, // its publicKeys message
        Shares, // its encryptedShares message
        Complaints, // its complaints message
        Unmask // its unmaskShares message
    }

    /// @notice Which slots posted each stage of a round: bit s = slot s.
    struct PostedMasks {
        uint16 keys;
        uint16 shares;
        uint16 complaints;
        uint16 unmask;
    }

    /// @notice Thrown when a constructor parameter breaks its rule.
    error SecureAggregationLedgerInvalidParameter(string name);
    /// @notice Thrown when job `jobId` is in `actual` status but posting `stage` needs `expected` (Unmask: or Aggregated, Disputed).
    error SecureAggregationLedgerWrongStatus(
        uint256 jobId, Stage stage, IRoundJobRegistry.RoundJobStatus actual, IRoundJobRegistry.RoundJobStatus expected
    );
    /// @notice Thrown when a post names round `round` of job `jobId`, whose current round is `currentRound`.
    error SecureAggregationLedgerWrongRound(uint256 jobId, uint256 round, uint256 currentRound);
    /// @notice Thrown when `caller` holds no slot of job `jobId`.
    error SecureAggregationLedgerNotASlot(uint256 jobId, address caller);
    /// @notice Thrown when slot `slot` of job `jobId` was dropped.
    error SecureAggregationLedgerInactiveSlot(uint256 jobId, uint256 slot);
    /// @notice Thrown when a message of `length` bytes is posted for job `jobId`: it must be 1 to `maxLength` bytes.
    error SecureAggregationLedgerMessageLength(uint256 jobId, uint256 length, uint256 maxLength);
    /// @notice Thrown when slot `slot` already posted `stage` of round `round` of job `jobId`.
    error SecureAggregationLedgerAlreadyPosted(uint256 jobId, uint256 round, Stage stage, uint256 slot);
    /// @notice Thrown when `stage` of round `round` of job `jobId` closed (at `closedAt`, or when every slot posted).
    error SecureAggregationLedgerStageClosed(uint256 jobId, uint256 round, Stage stage, uint256 closedAt);
    /// @notice Thrown when `stage` of round `round` of job `jobId` opens only once the previous stage closed, at
    /// `opensAt` at the latest.
    error SecureAggregationLedgerStageNotOpen(uint256 jobId, uint256 round, Stage stage, uint256 opensAt);
    /// @notice Thrown when slot `slot` posts `stage` of round `round` of job `jobId` without having taken part in
    /// the stage before it (Shares needs Keys, Complaints needs Shares, Unmask needs Complaints).
    error SecureAggregationLedgerMissedStage(uint256 jobId, uint256 round, Stage stage, uint256 slot);
    /// @notice Thrown when a recovery share is posted for slot `owner` of round `round` of job `jobId`, which is not
    /// out of the round's sum: only a slot that posted Complaints this round and was then dropped by the registry
    /// (before training closed, without an input, or after it on a dispute's verdict) has its mask key recovered.
    error SecureAggregationLedgerNotWithdrawn(uint256 jobId, uint256 round, uint256 owner);
    /// @notice Thrown when a view is asked of slot `slot`, past the 16 slots a job has.
    error SecureAggregationLedgerNoSuchSlot(uint256 slot);
    /// @notice Thrown when slot `slot` already posted its recovery share of slot `owner` in round `round` of job `jobId`.
    error SecureAggregationLedgerAlreadyRecovered(uint256 jobId, uint256 round, uint256 owner, uint256 slot);
    /// @notice Thrown when owner commitments are made while job `jobId` is in `actual` status, not Training.
    error SecureAggregationLedgerOwnerNotTraining(uint256 jobId, IRoundJobRegistry.RoundJobStatus actual);
    /// @notice Thrown when an owner commitment of job `jobId` is zero.
    error SecureAggregationLedgerZeroCommitment(uint256 jobId);
    /// @notice Thrown when slot `slot` commits its owner commitments for round `round` of job `jobId` twice, or after
    /// its update.
    error SecureAggregationLedgerOwnerCommitted(uint256 jobId, uint256 round, uint256 slot);
    /// @notice Thrown when slot `slot` of job `jobId` commits data root `given`, having committed `committed` earlier.
    error SecureAggregationLedgerDataRootChanged(uint256 jobId, uint256 slot, bytes32 committed, bytes32 given);
    /// @notice Thrown when a noise seed of job `jobId` is opened while the job is in `status`, not Disputed.
    error SecureAggregationLedgerNotDisputed(uint256 jobId, IRoundJobRegistry.RoundJobStatus status);
    /// @notice Thrown when slot `slot` of job `jobId` opens its noise seed while the open dispute is of slot
    /// `disputedSlot` (255: the aggregate): a seed is opened only to the committee judging its own slot.
    error SecureAggregationLedgerNotDisputedSlot(uint256 jobId, uint256 slot, uint256 disputedSlot);
    /// @notice Thrown when slot `slot` opens its noise seed of round `round` of job `jobId` without having committed to
    /// one ({commitOwner}).
    error SecureAggregationLedgerNoNoiseSeedCommitment(uint256 jobId, uint256 round, uint256 slot);
    /// @notice Thrown when `account` registers the zero opening key.
    error SecureAggregationLedgerZeroOpeningKey(address account);

    /// @notice Emitted when slot `slot` of job `jobId` posts `message` as its `stage` message of round `round`;
    /// `digest` is its SHA-256.
    event SecAggPosted(
        uint256 indexed jobId, uint256 indexed round, Stage indexed stage, uint256 slot, bytes32 digest, bytes message
    );

    /// @notice Emitted when slot `slot` of job `jobId` posts `message`, its recovery answer for slot `owner`, out of
    /// round `round`'s sum; `digest` is its SHA-256.
    event SecAggRecovered(
        uint256 indexed jobId, uint256 indexed round, uint256 indexed owner, uint256 slot, bytes32 digest, bytes message
    );

    /// @notice Emitted when slot `slot` of job `jobId` commits, for round `round`, to the data it trains on
    /// (`dataRoot`) and to the round's DP noise seed (`noiseSeedCommitment`).
    event OwnerCommitted(
        uint256 indexed jobId, uint256 indexed round, uint256 indexed slot, bytes32 dataRoot, bytes32 noiseSeedCommitment
    );

    /// @notice Emitted when slot `slot` of job `jobId`, disputed, opens its noise seed of round `round` to the dispute's
    /// committee: `envelopes` seal the seed to each member's opening key; `digest` is their SHA-256.
    event NoiseSeedOpened(
        uint256 indexed jobId, uint16 indexed round, uint8 indexed slot, bytes32 digest, bytes envelopes
    );

    /// @notice Emitted when `account` registers `key` as its opening key, replacing any earlier one.
    event OpeningKeySet(address indexed account, bytes32 key);

    /// @notice The caller, holder of an active slot of job `jobId`, posts `message` as its `stage` message of round
    /// `round`; the ledger keeps its SHA-256.
    /// @dev Requirements: `round` is the job's current round; `message` is 1 to MAX_MESSAGE_BYTES bytes; the slot has
    /// not posted `stage` this round. Keys: Training, the Keys stage open. Shares: Training, Keys closed, the Shares
    /// stage open, the slot posted Keys. Complaints: Training, Shares closed, the Complaints stage open, the slot
    /// posted Shares. Unmask: Aggregating, Aggregated or Disputed, the slot posted Complaints. The
    /// ledger does not read the message: its rules are the keepers' (docs/secure-aggregation.md §4, §8), applied
    /// alike by every party. Emits {SecAggPosted}.
    function post(uint256 jobId, uint16 round, Stage stage, bytes calldata message) external;

    /// @notice The caller, holder of an active slot of job `jobId`, posts `message`, its recovery answer for slot
    /// `owner`, out of round `round`'s sum (its share of `owner`'s mask key: docs/secure-aggregation.md §7); the ledger
    /// keeps its SHA-256.
    /// @dev Requirements: Aggregating, Aggregated or Disputed; `round` is the job's current round; `message` is 1 to
    /// MAX_MESSAGE_BYTES bytes; the caller's slot posted Unmask this round and has not posted a recovery share of
    /// `owner`; `owner` posted Complaints this round and is no longer active (the registry dropped it). Emits
    /// {SecAggRecovered}.
    function recover(uint256 jobId, uint16 round, uint8 owner, bytes calldata message) external;

    /// @notice The caller, holder of an active slot of job `jobId`, commits for round `round` to its examples'
    /// Poseidon root `dataRoot` (the same in every round of the job) and to the round's noise seed.
    /// @dev Requirements: Training; `round` is the job's current round; both commitments != 0; the slot has neither
    /// committed them this round nor committed its update yet (so the seed is fixed before the update); `dataRoot`
    /// is the slot's first one in this job. Emits {OwnerCommitted}.
    function commitOwner(uint256 jobId, uint16 round, bytes32 dataRoot, bytes32 noiseSeedCommitment) external;

    /// @notice The caller, holder of an active slot of job `jobId`, opens its noise seed of round `round` to the
    /// committee of the dispute that holds the job: `envelopes` seal the seed, its salt and the key of the round's
    /// grid sums to each member's opening key ({openingKeyOf}), so that the committee, and nobody else, learns the seed
    /// and checks it against the slot's noise-seed commitment (and the update against the sums). The ledger does not read the envelopes and keeps nothing of them: the event carries them.
    /// A slot may open again: each dispute draws a new committee.
    /// @dev Requirements: Disputed, the dispute's subject the caller's slot; `round` is the job's current round; the
    /// slot committed a noise seed this round; `envelopes` is 1 to MAX_OPENING_BYTES bytes. Emits {NoiseSeedOpened}.
    function openNoiseSeed(uint256 jobId, uint16 round, bytes calldata envelopes) external;

    /// @notice The caller registers `key`, an X25519 public key, as its opening key, replacing any earlier one: data
    /// owners seal their noise-seed openings to it when a dispute's committee draws the caller. Anyone may call it;
    /// validators do, before they can be drawn.
    /// @dev Requirements: `key` != 0. Emits {OpeningKeySet}.
    function setOpeningKey(bytes32 key) external;

    /// @notice Slot `slot`'s data root in job `jobId` and its noise-seed commitment of round `round` (0 where none).
    function ownerCommitmentOf(uint256 jobId, uint16 round, uint8 slot)
        external
        view
        returns (bytes32 dataRoot, bytes32 noiseSeedCommitment);

    /// @notice `account`'s opening key, 0 if it registered none.
    function openingKeyOf(address account) external view returns (bytes32);

    /// @notice The slots that posted each stage of round `round` of job `jobId`.
    function postedMasks(uint256 jobId, uint16 round) external view returns (PostedMasks memory);

    /// @notice The digests posted for round `round` of job `jobId`: `digests[stage][slot]`, 0 where none was.
    function digestsOf(uint256 jobId, uint16 round) external view returns (bytes32[16][4] memory digests);

    /// @notice The recovery shares posted of slot `owner`'s mask key in round `round` of job `jobId`: their digests by
    /// poster slot, 0 where none was.
    function recoveryDigestsOf(uint256 jobId, uint16 round, uint8 owner) external view returns (bytes32[16] memory digests);

    /// @notice When the current round of job `jobId` (Training) closes its Keys, Shares and Complaints stages at the
    /// latest.
    /// @dev Requirements: the job is Training. A stage also closes as soon as every slot that may post it posted.
    function stageEnds(uint256 jobId) external view returns (uint256 keysEnd, uint256 sharesEnd, uint256 complaintsEnd);

    /// @notice The longest message a post takes, in bytes.
    function MAX_MESSAGE_BYTES() external view returns (uint256);

    /// @notice The longest noise-seed opening: 66 bytes and 108 for each member of a committee of up to 255.
    function MAX_OPENING_BYTES() external view returns (uint256);

    /// @notice The registry whose jobs this ledger serves.
    function registry() external view returns (IRoundJobRegistry);
}
