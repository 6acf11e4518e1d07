// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {VrfConsumer} from "../randomness/VrfConsumer.sol";
import {RangeUpkeep} from "../automation/RangeUpkeep.sol";
import {IColumnAcceptanceListener} from "../interfaces/IColumnAcceptanceListener.sol";
import {IDatasetRegistry} from "../interfaces/IDatasetRegistry.sol";
import {IStorageProofVerifier} from "../interfaces/IStorageProofVerifier.sol";
import {IStorageProofs} from "../interfaces/IStorageProofs.sol";
import {SnarkField} from "../libraries/SnarkField.sol";
import {VrfRequest} from "../libraries/VrfRequest.sol";

/// @title StorageProofs
/// @notice Audit rounds of Groth16 storage proofs over DatasetRegistry's shard columns (see
/// {IStorageProofs}); faults are reported to DatasetRegistry, which slashes the holder.
/// @dev Storage is laid out for {submitProof}, whose whole transaction must stay close to the cost
/// of the Groth16 pairing check: it reads two slots of the round (head with the round term's hash,
/// owing) and the column's term hash, writes one (owing, kept non-zero by a sentinel bit so the
/// write is never zero to non-zero), and makes one call, to the verifier. DatasetRegistry is
/// called only on error paths.
///
/// | owing bit | meaning                                                     |
/// |-----------|-------------------------------------------------------------|
/// | c < 255   | column c is audited and still owes its proof                 |
/// | 255       | sentinel, always set once a round opened                     |
contract StorageProofs is IStorageProofs, AccessControl, VrfConsumer, RangeUpkeep {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @dev A dataset's current round. Slot 0 is all submitProof checks besides `owing`; history
    /// lives in events.
    struct RoundState {
        // First 20 bytes of keccak256(abi.encode(seed·IC₃)) (0 while the first round is Requested).
        // Forging a round term needs a 160-bit second preimage: 2^160 hashes.
        bytes20 roundTermHash;
        uint40 deadline; // Open: opening + proofWindow; Requested: when the request may be renewed
        uint48 number;
        RoundStatus status;
        uint256 seed;
        uint256 owing; // audited columns without a proof yet, plus SENTINEL
        uint256 audited;
        uint256 withoutProof; // audited columns settled without a valid proof: rejected, missed or excused
        uint256 requestId; // the VRF request the round waits for (an older request's answer is ignored)
    }

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Role that registers verifier versions.
    bytes32 public constant VERIFIER_ADMIN_ROLE = keccak256("VERIFIER_ADMIN_ROLE");
    /// @notice r of BN254: public inputs are below it.
    uint256 public constant SNARK_SCALAR_FIELD = SnarkField.R;
    /// @notice Most missing proofs one {closeRound} reports (each slashes); the rest wait for the next call.
    uint256 public constant MAX_CLOSE_REPORTS = 32;
    /// @dev Bit 255 of `owing`: columns are < n <= 255, so it never names one.
    uint256 private constant SENTINEL = 1 << 255;

    IDatasetRegistry public immutable registry;
    /// @notice Seconds from one round's opening to the earliest opening of the next.
    uint32 public immutable roundInterval;
    /// @notice Seconds holders have to prove, from the round's opening.
    uint32 public immutable proofWindow;
    /// @notice Seconds a round waits for its VRF answer before the request may be renewed.
    uint32 public immutable requestTimeout;
    VrfRequest.Params private _vrf;

    /*//////////////////////////////////////////////////////////////
                                 STATE
    //////////////////////////////////////////////////////////////*/

    mapping(uint256 datasetId => RoundState) private _rounds;
    mapping(uint256 datasetId => uint256) private _versionOf;
    /// @dev keccak256(abi.encode(columnTerm, holder, verifier)) of the column's accepting holder.
    mapping(uint256 datasetId => mapping(uint256 column => bytes32)) private _columnTermHashes;
    mapping(uint256 requestId => uint256 datasetId) private _requests;
    VerifierVersion[] private _versions;

    /// @param vrfCoordinator The VRF v2.5 coordinator.
    /// @param governance_ The timelock allowed to change the coordinator.
    /// @param registry_ The datasets audited; grants this contract FAULT_REPORTER_ROLE.
    /// @param vrf VRF request parameters.
    /// @param roundInterval_ Seconds between openings (>= proofWindow_).
    /// @param proofWindow_ Seconds to prove (> 0).
    /// @param requestTimeout_ Seconds before an unanswered VRF request may be renewed (> 0).
    /// @param verifierAdmin Holder of VERIFIER_ADMIN_ROLE.
    /// @param admin Holder of DEFAULT_ADMIN_ROLE (renounced after deployment).
    constructor(
        address vrfCoordinator,
        address governance_,
        IDatasetRegistry registry_,
        VrfRequest.Params memory vrf,
        uint32 roundInterval_,
        uint32 proofWindow_,
        uint32 requestTimeout_,
        address verifierAdmin,
        address admin
    ) VrfConsumer(vrfCoordinator, governance_) {
        if (address(registry_) == address(0)) revert StorageProofsInvalidParameter("registry");
        if (proofWindow_ == 0) revert StorageProofsInvalidParameter("proofWindow");
        if (roundInterval_ < proofWindow_) revert StorageProofsInvalidParameter("roundInterval");
        if (requestTimeout_ == 0) revert StorageProofsInvalidParameter("requestTimeout");
        if (verifierAdmin == address(0)) revert StorageProofsInvalidParameter("verifierAdmin");
        if (admin == address(0)) revert StorageProofsInvalidParameter("admin");
        registry = registry_;
        roundInterval = roundInterval_;
        proofWindow = proofWindow_;
        requestTimeout = requestTimeout_;
        _vrf = vrf;
        _grantRole(VERIFIER_ADMIN_ROLE, verifierAdmin);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /*//////////////////////////////////////////////////////////////
                               VERIFIERS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IStorageProofs
    function addVerifier(address verifier, bytes32 verifyingKeyHash)
        external
        onlyRole(VERIFIER_ADMIN_ROLE)
        returns (uint256 version)
    {
        if (verifier.code.length == 0) revert StorageProofsInvalidParameter("verifier");
        if (verifyingKeyHash == bytes32(0)) revert StorageProofsInvalidParameter("verifyingKeyHash");
        _versions.push(VerifierVersion(IStorageProofVerifier(verifier), verifyingKeyHash));
        version = _versions.length;
        emit VerifierAdded(version, verifier, verifyingKeyHash);
    }

    /// @inheritdoc IColumnAcceptanceListener
    /// @dev The owner named the version in its registration, so whoever registers later versions never
    /// decides which key checks an existing dataset.
    function datasetRegistered(uint256 datasetId, uint256 version) external {
        if (msg.sender != address(registry)) revert StorageProofsNotRegistry(msg.sender);
        // INVARIANT: a dataset is bound once, at registration, to a version that exists.
        if (version == 0 || version > _versions.length) revert StorageProofsUnknownVersion(version);
        _versionOf[datasetId] = version;
        emit DatasetBound(datasetId, version);
    }

    /// @inheritdoc IColumnAcceptanceListener
    function columnAccepted(uint256 datasetId, uint256 column, address holder, bytes32 root) external {
        if (msg.sender != address(registry)) revert StorageProofsNotRegistry(msg.sender);
        IStorageProofVerifier verifier = _verifierOf(datasetId);
        uint256[2] memory term = verifier.columnTerm(uint256(root), holder);
        _columnTermHashes[datasetId][column] = keccak256(abi.encode(term, holder, verifier));
        emit ColumnPrepared(datasetId, column, holder, _versionOf[datasetId]);
    }

    /// @inheritdoc IColumnAcceptanceListener
    function owingProofs(uint256 datasetId) external view returns (uint256) {
        RoundState storage round = _rounds[datasetId];
        return round.status == RoundStatus.Open ? round.owing & ~SENTINEL : 0;
    }

    /// @inheritdoc IColumnAcceptanceListener
    function roundRequested(uint256 datasetId) external view returns (bool) {
        return _rounds[datasetId].status == RoundStatus.Requested;
    }

    /*//////////////////////////////////////////////////////////////
                                 ROUNDS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IStorageProofs
    function openRound(uint256 datasetId) external {
        if (!registry.isActive(datasetId)) revert StorageProofsDatasetNotActive(datasetId);
        RoundState storage round = _rounds[datasetId];
        RoundStatus status = round.status;
        // INVARIANT: one round at a time.
        if (status == RoundStatus.Open) revert StorageProofsWrongRoundStatus(datasetId, status, RoundStatus.Closed);
        if (status == RoundStatus.Requested) {
            uint256 renewableAt = round.deadline;
            // INVARIANT: a request is renewed only after requestTimeout without an answer.
            if (block.timestamp < renewableAt) revert StorageProofsRequestPending(datasetId, renewableAt);
            _request(datasetId, round, round.number);
            return;
        }
        uint256 readyAt = _readyAt(round);
        if (block.timestamp < readyAt) revert StorageProofsRoundNotDue(datasetId, readyAt);
        _open(datasetId, round);
    }

    /// @inheritdoc IStorageProofs
    function submitProof(uint256 datasetId, uint256 round, uint256 column, uint256[8] calldata proof, ProofTerms calldata terms)
        external
        returns (bool valid)
    {
        RoundState storage r = _rounds[datasetId];
        uint256 bit = _claim(r, datasetId, round, column, terms);
        valid = _verify(proof, terms);
        if (valid) {
            emit ProofAccepted(datasetId, round, column, msg.sender);
            return true;
        }
        // INVARIANT: an invalid proof slashes only the current holder. The kept terms name the
        // holder that accepted; a column redrawn since (and not yet accepted) has another holder.
        (address holder,) = registry.columnOf(datasetId, column);
        if (msg.sender != holder) revert StorageProofsNotHolder(datasetId, column, msg.sender, holder);
        r.withoutProof |= bit;
        emit ProofRejected(datasetId, round, column, msg.sender);
        // A dataset settled meanwhile has no stake left to slash for it.
        if (registry.isActive(datasetId)) registry.reportFaulty(datasetId, column);
    }

    /// @inheritdoc IStorageProofs
    /// @dev Reports at most MAX_CLOSE_REPORTS missing proofs per call; the round closes with the call
    /// that settles its last column (call again, or let the upkeep, while it stays Open). A column
    /// whose holder changed since the opening (or that became faulty) is excused, not reported.
    function closeRound(uint256 datasetId) external nonReentrant {
        RoundState storage round = _rounds[datasetId];
        RoundStatus status = round.status;
        if (status != RoundStatus.Open) revert StorageProofsWrongRoundStatus(datasetId, status, RoundStatus.Open);
        uint256 deadline = round.deadline;
        if (block.timestamp < deadline) revert StorageProofsDeadlineNotReached(datasetId, deadline);
        _close(datasetId, round);
    }

    /// @dev Opens the round whose seed this is. A round with nothing to audit (no accepted, sound
    /// column, or a dataset no longer Active) opens and closes at once, so a late answer never reverts;
    /// the answer of a request renewed since is ignored.
    function fulfillRandomWords(uint256 requestId, uint256[] calldata randomWords) internal override {
        uint256 datasetId = _requests[requestId];
        if (datasetId == 0) revert StorageProofsUnknownRequest(requestId);
        delete _requests[requestId];
        RoundState storage round = _rounds[datasetId];
        if (round.status != RoundStatus.Requested || round.requestId != requestId) {
            emit RoundAnswerIgnored(datasetId, requestId);
            return;
        }
        uint256 number = round.number;
        uint256 seed = randomWords[0] % SnarkField.R;
        uint256 audited = registry.auditable(datasetId, block.timestamp);
        uint40 deadline = uint40(block.timestamp) + proofWindow;
        uint256[2] memory roundTerm = _verifierOf(datasetId).roundTerm(seed);
        round.roundTermHash = bytes20(keccak256(abi.encode(roundTerm)));
        round.deadline = deadline;
        round.status = audited == 0 ? RoundStatus.Closed : RoundStatus.Open;
        round.seed = seed;
        round.owing = audited | SENTINEL;
        round.audited = audited;
        round.withoutProof = 0;
        emit RoundOpened(datasetId, number, seed, deadline, audited);
        if (audited == 0) emit RoundClosed(datasetId, number, 0);
    }

    /*//////////////////////////////////////////////////////////////
                                 UPKEEP
    //////////////////////////////////////////////////////////////*/

    function _upkeepCount() internal view override returns (uint256) {
        return registry.datasetCount();
    }

    /// @dev Due: an Open round past its deadline (close), a request unanswered for requestTimeout
    /// (renew), or a bound, Active dataset that may open its next round.
    function _upkeepDue(uint256 datasetId) internal view override returns (bool) {
        RoundState storage round = _rounds[datasetId];
        RoundStatus status = round.status;
        if (status == RoundStatus.Open) return block.timestamp >= round.deadline;
        if (status == RoundStatus.Requested) return block.timestamp >= round.deadline && registry.isActive(datasetId);
        return _versionOf[datasetId] != 0 && block.timestamp >= _readyAt(round) && registry.isActive(datasetId);
    }

    function _performUpkeep(uint256 datasetId) internal override {
        RoundState storage round = _rounds[datasetId];
        RoundStatus status = round.status;
        if (status == RoundStatus.Open) _close(datasetId, round);
        else if (status == RoundStatus.Requested) _request(datasetId, round, round.number);
        else _open(datasetId, round);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IStorageProofs
    function currentRound(uint256 datasetId) external view returns (Round memory result) {
        RoundState storage round = _rounds[datasetId];
        result.number = round.number;
        result.status = round.status;
        if (result.status == RoundStatus.None) return result;
        if (result.status == RoundStatus.Requested) {
            result.deadline = round.deadline;
            return result;
        }
        result.openedAt = round.deadline - proofWindow;
        result.deadline = round.deadline;
        result.seed = round.seed;
        result.audited = round.audited;
        result.proved = round.audited & ~round.owing & ~round.withoutProof;
    }

    /// @inheritdoc IStorageProofs
    function publicInputs(uint256 datasetId, uint256 column, address prover) external view returns (uint256[3] memory) {
        (, bytes32 root) = registry.columnOf(datasetId, column);
        return [uint256(root), uint160(prover), _rounds[datasetId].seed];
    }

    /// @inheritdoc IStorageProofs
    function proofTerms(uint256 datasetId, uint256 column, address prover) external view returns (ProofTerms memory terms) {
        terms.verifier = _verifierOf(datasetId);
        (, bytes32 root) = registry.columnOf(datasetId, column);
        terms.column = terms.verifier.columnTerm(uint256(root), prover);
        terms.round = terms.verifier.roundTerm(_rounds[datasetId].seed);
    }

    /// @inheritdoc IStorageProofs
    function versionOf(uint256 datasetId) external view returns (uint256) {
        return _versionOf[datasetId];
    }

    /// @inheritdoc IStorageProofs
    function verifierVersion(uint256 version) external view returns (VerifierVersion memory) {
        if (version == 0 || version > _versions.length) revert StorageProofsUnknownVersion(version);
        return _versions[version - 1];
    }

    /// @inheritdoc IStorageProofs
    function versionCount() external view returns (uint256) {
        return _versions.length;
    }

    /// @notice When dataset `datasetId`'s next round may open (0: any time), if its round is Closed or None.
    function nextRoundAt(uint256 datasetId) external view returns (uint256) {
        return _readyAt(_rounds[datasetId]);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    /// @dev The verifier of the version dataset `datasetId` is bound to.
    function _verifierOf(uint256 datasetId) private view returns (IStorageProofVerifier) {
        uint256 version = _versionOf[datasetId];
        if (version == 0) revert StorageProofsUnknownVersion(0);
        return _versions[version - 1].verifier;
    }

    /// @dev Starts the next round: requests its seed. The dataset must be bound (at registration).
    function _open(uint256 datasetId, RoundState storage round) private {
        if (_versionOf[datasetId] == 0) revert StorageProofsUnknownVersion(0);
        _request(datasetId, round, round.number + 1);
    }

    /// @dev Requests round `number`'s seed (a new round, or one whose request timed out), superseding any
    /// earlier request: `deadline` holds when this one may be renewed until the answer opens the round.
    function _request(uint256 datasetId, RoundState storage round, uint256 number) private {
        round.number = uint48(number);
        round.status = RoundStatus.Requested;
        round.deadline = uint40(block.timestamp) + requestTimeout;
        uint256 requestId = _requestRandomWord(_vrf);
        round.requestId = requestId;
        _requests[requestId] = datasetId;
        emit RoundRequested(datasetId, number, requestId);
    }

    /// @dev Checks a submission by the caller for column `column` in round `round` with `terms`, and
    /// takes the column off the owing bitmap (one proof per column and round, settled before any
    /// call out). Returns the column's bit.
    function _claim(RoundState storage r, uint256 datasetId, uint256 round, uint256 column, ProofTerms calldata terms)
        private
        returns (uint256 bit)
    {
        (bytes20 roundTermHash, uint256 deadline, uint256 number, RoundStatus status) =
            (r.roundTermHash, r.deadline, r.number, r.status);
        if (round != number) revert StorageProofsWrongRound(datasetId, round, number);
        if (status != RoundStatus.Open) revert StorageProofsWrongRoundStatus(datasetId, status, RoundStatus.Open);
        if (block.timestamp >= deadline) revert StorageProofsDeadlinePassed(datasetId, deadline);
        uint256 owing = r.owing;
        // Shifts past 255 give 0, and column 255 would name the sentinel.
        bit = 1 << column;
        if (column >= 255 || owing & bit == 0) {
            if (column < 255 && r.audited & bit != 0) revert StorageProofsAlreadyProved(datasetId, column);
            revert StorageProofsColumnNotAudited(datasetId, column);
        }
        // INVARIANT: only the holder that accepted the column submits, with its column's terms.
        if (keccak256(abi.encode(terms.column, msg.sender, terms.verifier)) != _columnTermHashes[datasetId][column]) {
            (address holder,) = registry.columnOf(datasetId, column);
            if (msg.sender != holder) revert StorageProofsNotHolder(datasetId, column, msg.sender, holder);
            revert StorageProofsWrongTerms(datasetId, column);
        }
        if (bytes20(keccak256(abi.encode(terms.round))) != roundTermHash) revert StorageProofsWrongTerms(datasetId, column);
        r.owing = owing ^ bit;
    }

    /// @dev Settles up to MAX_CLOSE_REPORTS missing proofs, lowest columns first, closing the round
    /// when none is left. State is written before DatasetRegistry is called.
    function _close(uint256 datasetId, RoundState storage round) private {
        uint256 missing = round.owing & ~SENTINEL;
        uint256 openedAt = round.deadline - proofWindow;
        uint256 responsible = missing == 0 ? 0 : registry.auditable(datasetId, openedAt);
        uint256 reported;
        uint256 reports;
        uint256 column;
        for (; missing >> column != 0 && reports < MAX_CLOSE_REPORTS; ++column) {
            uint256 bit = 1 << column;
            if (missing & bit != 0 && responsible & bit != 0) {
                reported |= bit;
                ++reports;
            }
        }
        // Columns below `column` are settled now; column <= 255, so the mask is exact.
        uint256 settled = missing & ((1 << column) - 1);
        bool closed = settled == missing;
        round.owing = (missing ^ settled) | SENTINEL;
        uint256 withoutProof = round.withoutProof | settled;
        round.withoutProof = withoutProof;
        if (closed) round.status = RoundStatus.Closed;
        uint256 number = round.number;
        for (column = 0; reported >> column != 0; ++column) {
            if (reported & (1 << column) == 0) continue;
            (address holder,) = registry.reportFaulty(datasetId, column);
            emit ProofMissed(datasetId, number, column, holder);
        }
        if (closed) emit RoundClosed(datasetId, number, round.audited & ~withoutProof);
    }

    /// @dev 0 before the first round: the first may open at once.
    function _readyAt(RoundState storage round) private view returns (uint256) {
        uint256 deadline = round.deadline;
        return deadline == 0 ? 0 : deadline - proofWindow + roundInterval;
    }

    /// @dev Calls `terms.verifier.verifyProof(proof, terms.column, terms.round)`; `terms.column` and
    /// `terms.round` are the first four words of `terms`. A revert or a malformed answer counts as invalid.
    function _verify(uint256[8] calldata proof, ProofTerms calldata terms) private view returns (bool valid) {
        bytes4 selector = IStorageProofVerifier.verifyProof.selector;
        address verifier = address(terms.verifier);
        assembly ("memory-safe") {
            let input := mload(0x40)
            mstore(input, selector)
            calldatacopy(add(input, 0x04), proof, 0x100)
            calldatacopy(add(input, 0x104), terms, 0x80)
            let success := staticcall(gas(), verifier, input, 0x184, 0, 0x20)
            valid := and(and(success, gt(returndatasize(), 0x1f)), eq(mload(0), 1))
        }
    }
}
