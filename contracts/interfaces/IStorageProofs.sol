// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IColumnAcceptanceListener} from "./IColumnAcceptanceListener.sol";
import {IStorageProofVerifier} from "./IStorageProofVerifier.sol";

/// @title IStorageProofs
/// @notice Audit rounds in which every storage provider proves, with a Groth16 proof, that it
/// still holds its shard column of a dataset (circuit: `circuits/storage/storageProof.circom`, spec:
/// `docs/storage-proofs.md`).
///
/// Life of a round: `openRound` requests Chainlink VRF randomness (Requested; renewed by `openRound`
/// if no answer came within `requestTimeout`, the late answer then ignored); the answer opens
/// it (Open) with a seed and a deadline, auditing every column accepted at that moment; each
/// audited column's holder submits one proof before the deadline; `closeRound` (after the
/// deadline) reports every audited column without a valid proof to DatasetRegistry, which
/// slashes its holder and makes the column reassignable (Closed). The next round may be opened
/// `roundInterval` seconds after the previous one opened. A column owing a proof in an Open round
/// ({owingProofs}) is not redrawn, and its dataset not settled, until the round closes; while a round is
/// Requested ({roundRequested}) no accepted, sound column is redrawn: its holder answers for every round
/// opened or requested while it held the column.
///
/// A proof for column c of dataset d in round r by prover a has three public inputs
/// `[columnRoot(d, c), a, seed(d, r)]`, with `seed` the round's VRF word mod r, so it is valid for
/// one column, one prover and one round only (a provider holds at most one column of a dataset).
///
/// Gas: the verifier's input point is IC₀ + root·IC₁ + prover·IC₂ + seed·IC₃
/// ({IStorageProofVerifier}). When a holder accepts a column, DatasetRegistry calls
/// {columnAccepted}, which computes the column term IC₀ + root·IC₁ + holder·IC₂ once and keeps
/// `keccak256(abi.encode(columnTerm, holder, verifier))`; when a round opens, the round term
/// seed·IC₃ is computed once and its hash kept in the round's first slot. A submission carries
/// both terms and the verifier ({ProofTerms}, from {proofTerms}); the contract checks them
/// against the hashes, so the caller can only be the column's holder, and the verifier adds the
/// two points instead of multiplying three scalars.
///
/// Verifying keys are anchored: each verifier contract is registered as a version with the hash
/// of its verifying key, and each dataset is bound for good to the version its owner named in its
/// registration (DatasetRegistry calls {datasetRegistered}; an unknown version fails the registration).
interface IStorageProofs is IColumnAcceptanceListener {
    /// @notice Where a dataset's current round is.
    enum RoundStatus {
        None, // no round yet
        Requested, // waiting for the VRF
        Open, // proofs accepted until `deadline`
        Closed // settled
    }

    /// @notice A dataset's current (latest) round.
    /// @param number Round number, from 1.
    /// @param status Where the round is.
    /// @param openedAt When the round opened (0 while Requested).
    /// @param deadline End of the proof window; while Requested, when the request may be renewed.
    /// @param seed The round's VRF word mod r, the proofs' third public input (0 while Requested).
    /// @param audited Bitmap of the columns audited in this round (bit c = column c).
    /// @param proved Bitmap of the audited columns with a valid proof so far.
    struct Round {
        uint64 number;
        RoundStatus status;
        uint40 openedAt;
        uint40 deadline;
        uint256 seed;
        uint256 audited;
        uint256 proved;
    }

    /// @notice A registered verifier version.
    /// @param verifier Groth16 verifier contract of the storage circuit.
    /// @param verifyingKeyHash keccak256 of the verifying key's canonical encoding (`docs/storage-proofs.md`).
    struct VerifierVersion {
        IStorageProofVerifier verifier;
        bytes32 verifyingKeyHash;
    }

    /// @notice What a submission carries besides the proof ({proofTerms} computes it).
    /// @param column The column term IC₀ + root·IC₁ + holder·IC₂ of the dataset's verifier.
    /// @param round The round term seed·IC₃ of the dataset's verifier.
    /// @param verifier The verifier of the dataset's version.
    struct ProofTerms {
        uint256[2] column;
        uint256[2] round;
        IStorageProofVerifier verifier;
    }

    /// @notice Thrown when verifier version `version` does not exist.
    error StorageProofsUnknownVersion(uint256 version);
    /// @notice Thrown when dataset `datasetId` is not active in DatasetRegistry.
    error StorageProofsDatasetNotActive(uint256 datasetId);
    /// @notice Thrown when dataset `datasetId`'s round is `actual` but the call needs `expected`.
    error StorageProofsWrongRoundStatus(uint256 datasetId, RoundStatus actual, RoundStatus expected);
    /// @notice Thrown when dataset `datasetId`'s round waits for its VRF answer, whose request may only be
    /// renewed at `renewableAt`.
    error StorageProofsRequestPending(uint256 datasetId, uint256 renewableAt);
    /// @notice Thrown when dataset `datasetId`'s next round may only open at `readyAt`.
    error StorageProofsRoundNotDue(uint256 datasetId, uint256 readyAt);
    /// @notice Thrown when a proof names round `round` but dataset `datasetId`'s current round is `current`.
    error StorageProofsWrongRound(uint256 datasetId, uint256 round, uint256 current);
    /// @notice Thrown when column `column` of dataset `datasetId` is not audited in the current round.
    error StorageProofsColumnNotAudited(uint256 datasetId, uint256 column);
    /// @notice Thrown when column `column` of dataset `datasetId` already had its proof this round (accepted or rejected).
    error StorageProofsAlreadyProved(uint256 datasetId, uint256 column);
    /// @notice Thrown when `caller` submits for column `column` of dataset `datasetId` but `holder` holds it.
    error StorageProofsNotHolder(uint256 datasetId, uint256 column, address caller, address holder);
    /// @notice Thrown when a submission's terms are not the ones kept for column `column` of dataset
    /// `datasetId` and its holder, or for the current round (read them again with {proofTerms}).
    error StorageProofsWrongTerms(uint256 datasetId, uint256 column);
    /// @notice Thrown when {datasetRegistered} or {columnAccepted} is called by `caller`, not DatasetRegistry.
    error StorageProofsNotRegistry(address caller);
    /// @notice Thrown when the proof window of dataset `datasetId`'s round closed at `deadline`.
    error StorageProofsDeadlinePassed(uint256 datasetId, uint256 deadline);
    /// @notice Thrown when dataset `datasetId`'s round can only be closed after `deadline`.
    error StorageProofsDeadlineNotReached(uint256 datasetId, uint256 deadline);
    /// @notice Thrown when the VRF answers a request this contract did not make (or answered already).
    error StorageProofsUnknownRequest(uint256 requestId);
    /// @notice Thrown when a constructor or admin parameter breaks its rule.
    error StorageProofsInvalidParameter(string name);

    /// @notice Emitted when verifier `verifier` with verifying key hash `verifyingKeyHash` is registered as `version`.
    event VerifierAdded(uint256 indexed version, address verifier, bytes32 verifyingKeyHash);
    /// @notice Emitted when dataset `datasetId` is bound to verifier version `version` (at its registration).
    event DatasetBound(uint256 indexed datasetId, uint256 indexed version);
    /// @notice Emitted when column `column` of dataset `datasetId`, accepted by `holder`, is ready for
    /// proofs under verifier version `version`.
    event ColumnPrepared(uint256 indexed datasetId, uint256 indexed column, address indexed holder, uint256 version);
    /// @notice Emitted when round `round` of dataset `datasetId` asks the VRF for its seed (request `requestId`),
    /// again with a new request if the previous one went unanswered for `requestTimeout`.
    event RoundRequested(uint256 indexed datasetId, uint256 indexed round, uint256 requestId);
    /// @notice Emitted when the VRF answers request `requestId` of dataset `datasetId` after it was renewed:
    /// the answer is ignored (nothing else changes).
    event RoundAnswerIgnored(uint256 indexed datasetId, uint256 requestId);
    /// @notice Emitted when round `round` of dataset `datasetId` opens: columns in bitmap `audited`
    /// must be proved against `seed` before `deadline`.
    event RoundOpened(uint256 indexed datasetId, uint256 indexed round, uint256 seed, uint256 deadline, uint256 audited);
    /// @notice Emitted when `provider` proves column `column` of dataset `datasetId` in round `round`.
    event ProofAccepted(uint256 indexed datasetId, uint256 indexed round, uint256 column, address indexed provider);
    /// @notice Emitted when `provider` submits an invalid proof for column `column` of dataset
    /// `datasetId` in round `round`; the column is reported faulty at once.
    event ProofRejected(uint256 indexed datasetId, uint256 indexed round, uint256 column, address indexed provider);
    /// @notice Emitted when `provider` let round `round` of dataset `datasetId` close without a proof for column `column`.
    event ProofMissed(uint256 indexed datasetId, uint256 indexed round, uint256 column, address indexed provider);
    /// @notice Emitted when round `round` of dataset `datasetId` closes; `proved` is the bitmap of proved columns.
    event RoundClosed(uint256 indexed datasetId, uint256 indexed round, uint256 proved);

    /// @notice Registers verifier contract `verifier` whose verifying key hashes to `verifyingKeyHash`.
    /// @dev Requirements: VERIFIER_ADMIN_ROLE; non-zero verifier with code. Emits {VerifierAdded}.
    function addVerifier(address verifier, bytes32 verifyingKeyHash) external returns (uint256 version);

    /// @notice Starts dataset `datasetId`'s next round by requesting its seed, or renews the request of a
    /// round whose VRF answer has not come within `requestTimeout` (the old request's answer is then ignored).
    /// @dev Requirements: dataset Active and bound to a version; no round Open; no round Requested unless its
    /// request timed out; `roundInterval` since the last opening. Emits {RoundRequested}.
    function openRound(uint256 datasetId) external;

    /// @notice Submits the caller's proof `proof` = `[a.x, a.y, b.x1, b.x0, b.y1, b.y0, c.x, c.y]`
    /// (the order the pairing precompile takes) for column `column` of dataset `datasetId` in round
    /// `round`, with the terms {proofTerms} returns for the caller. An invalid proof is not
    /// reverted: the column is reported faulty and its holder slashed.
    /// @dev Requirements: round `round` is the current one and Open; before its deadline; column
    /// audited and not yet proved; caller holds it (its accepted holder); `terms` are the kept ones.
    /// Emits {ProofAccepted} or {ProofRejected}.
    /// @return valid Whether the proof verified.
    function submitProof(uint256 datasetId, uint256 round, uint256 column, uint256[8] calldata proof, ProofTerms calldata terms)
        external
        returns (bool valid);

    /// @notice Closes dataset `datasetId`'s round after its deadline, reporting every audited column
    /// without a valid proof as faulty (a column whose holder changed since the opening is excused).
    /// The work is bounded per call: with many missing proofs the round stays Open until a later
    /// call settles the last one.
    /// @dev Requirements: round Open; deadline passed. Emits {ProofMissed} per missing proof, {RoundClosed}.
    function closeRound(uint256 datasetId) external;

    /// @notice Dataset `datasetId`'s current round.
    function currentRound(uint256 datasetId) external view returns (Round memory);

    /// @notice The three public inputs a proof by `prover` for column `column` of dataset `datasetId`
    /// in the current round must verify against: `[columnRoot, prover, seed]`.
    function publicInputs(uint256 datasetId, uint256 column, address prover) external view returns (uint256[3] memory);

    /// @notice The terms a submission by `prover` for column `column` of dataset `datasetId` in the
    /// current round carries, computed by the dataset's verifier.
    /// @dev Requirements: the dataset is bound to a version.
    function proofTerms(uint256 datasetId, uint256 column, address prover) external view returns (ProofTerms memory);

    /// @notice The verifier version dataset `datasetId` is bound to (0: unbound).
    function versionOf(uint256 datasetId) external view returns (uint256);

    /// @notice Verifier version `version`.
    function verifierVersion(uint256 version) external view returns (VerifierVersion memory);

    /// @notice Number of verifier versions; they run from 1 to this.
    function versionCount() external view returns (uint256);
}
