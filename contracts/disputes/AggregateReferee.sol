// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IAggregateReferee} from "../interfaces/IAggregateReferee.sol";
import {IDisputes} from "../interfaces/IDisputes.sol";
import {IRoundJobRegistry} from "../interfaces/IRoundJobRegistry.sol";
import {ChunkedBlob} from "../libraries/ChunkedBlob.sol";
import {SoftFloat} from "../libraries/SoftFloat.sol";

/// @title AggregateReferee
/// @notice Decides disputes of a distributed job's aggregate on-chain (docs/dispute-game.md §7): one coordinate of
/// the posted global model, recomputed from proven words of the blobs the chain holds the digests of.
/// @dev Deployed by a RefereeDeployer for its caller, the Disputes whose disputes it decides (Disputes accepts
/// {IDisputes-refuteAggregate} from it alone). Holds no value. Every loop is bounded by the 16 slots of a job.
contract AggregateReferee is IAggregateReferee {
    /// @notice Subject of the parameters of the global model the disputed round started from.
    uint8 public constant PREVIOUS_PARAMETERS = 16;
    /// @notice Subject of that global model's outer momentum.
    uint8 public constant PREVIOUS_MOMENTUM = 17;
    /// @notice Subject of the parameters of the posted global model (the disputed aggregate).
    uint8 public constant POSTED_PARAMETERS = 18;
    /// @notice Subject of the posted global model's outer momentum.
    uint8 public constant POSTED_MOMENTUM = 19;
    /// @notice The coordinate {AggregateRefuted} names for a refuted header or length.
    uint32 public constant HEADER = type(uint32).max;

    /// @dev Byte offsets of the first value in an update blob and in a global-model blob (docs/distributed-training.md).
    uint256 private constant UPDATE_VALUES = 60;
    uint256 private constant MODEL_VALUES = 16;
    /// @dev "VTGM" as the uint32 a little-endian read of the global-model magic gives.
    uint32 private constant MODEL_MAGIC = 0x4D475456;
    uint8 private constant AGGREGATE_SLOT = 255;
    uint32 private constant EXPONENT_32 = 0x7F800000;

    /// @dev One prover's evidence in one dispute: its coordinate, the subjects proven (bit per subject) and their words.
    struct Evidence {
        uint32 coordinate;
        uint32 proven;
        uint32[20] words;
    }

    /// @inheritdoc IAggregateReferee
    IDisputes public immutable disputes;
    /// @inheritdoc IAggregateReferee
    IRoundJobRegistry public immutable roundJobRegistry;

    mapping(uint256 disputeId => mapping(address prover => Evidence)) private _evidence;

    /// @param disputes_ The Disputes contract this referee is deployed for.
    /// @param roundJobRegistry_ Its RoundJobRegistry.
    constructor(IDisputes disputes_, IRoundJobRegistry roundJobRegistry_) {
        disputes = disputes_;
        roundJobRegistry = roundJobRegistry_;
    }

    /// @inheritdoc IAggregateReferee
    function proveWord(
        uint256 disputeId,
        AggregationProgram calldata program,
        uint32 coordinate,
        uint8 subject,
        BlobChunk calldata chunk
    ) external {
        (IDisputes.Dispute memory dispute, uint16 round) = _refereed(disputeId, program);
        uint32 bits = _provenWord(disputeId, dispute.jobId, round, program, coordinate, subject, chunk);
        Evidence storage evidence = _evidence[disputeId][msg.sender];
        if (evidence.coordinate != coordinate) {
            evidence.coordinate = coordinate;
            evidence.proven = 0;
        }
        evidence.proven |= uint32(1) << subject;
        evidence.words[subject] = bits;
        emit WordProven(disputeId, msg.sender, coordinate, subject, bits);
    }

    /// @inheritdoc IAggregateReferee
    function decide(uint256 disputeId, AggregationProgram calldata program) external {
        (IDisputes.Dispute memory dispute, uint16 round) = _refereed(disputeId, program);
        Evidence storage evidence = _evidence[disputeId][msg.sender];
        uint32 coordinate = evidence.coordinate;
        (uint256 needed, uint256 slots) = _needed(dispute.jobId, round, program);
        uint256 missing = needed & ~uint256(evidence.proven);
        if (missing != 0) revert AggregateRefereeWordsMissing(disputeId, coordinate, missing);
        (uint64 posted, uint64 computed) = _coordinate(program, evidence.words, needed, slots);
        // A global model's values are finite (docs/distributed-training.md): a posted NaN or ±∞ is wrong, even where the
        // recomputation overflows to the same bits (then no aggregate of the round is right).
        bool finite = uint32(posted >> 32) & EXPONENT_32 != EXPONENT_32 && uint32(posted) & EXPONENT_32 != EXPONENT_32;
        if (posted == computed && finite) revert AggregateRefereeAggregateRight(disputeId, coordinate);
        emit AggregateRefuted(disputeId, msg.sender, coordinate, posted, computed);
        disputes.refuteAggregate(disputeId, msg.sender);
    }

    /// @inheritdoc IAggregateReferee
    function refuteHeader(uint256 disputeId, AggregationProgram calldata program, BlobChunk calldata chunk) external {
        (IDisputes.Dispute memory dispute, uint16 round) = _refereed(disputeId, program);
        bytes32 digest = _digestOf(dispute.jobId, round, POSTED_PARAMETERS, program);
        bytes32 header = ChunkedBlob.digest(chunk.length, chunk.root);
        if (header != digest) revert AggregateRefereeHeaderMismatch(disputeId, POSTED_PARAMETERS, header, digest);
        uint256 expected = _modelLength(program, false);
        uint64 computed = (uint64(MODEL_MAGIC) << 32) | (program.momentum != 0 ? 2 : 1);
        if (chunk.length == expected) {
            _requireChunk(disputeId, POSTED_PARAMETERS, digest, chunk, expected, 0);
            bytes calldata bytes_ = chunk.bytes_;
            uint64 posted = (uint64(_readWord(bytes_, 0)) << 32) | _readWord(bytes_, 4);
            if (posted == computed && _readWord(bytes_, 8) == uint32(round) + 1 && _readWord(bytes_, 12) == program.parameterCount) {
                revert AggregateRefereeAggregateRight(disputeId, HEADER);
            }
            emit AggregateRefuted(disputeId, msg.sender, HEADER, posted, computed);
        } else {
            emit AggregateRefuted(disputeId, msg.sender, HEADER, chunk.length, uint64(expected));
        }
        disputes.refuteAggregate(disputeId, msg.sender);
    }

    /// @inheritdoc IAggregateReferee
    function programHash(AggregationProgram calldata program) public pure returns (bytes32) {
        return keccak256(abi.encode(program));
    }

    /// @notice `prover`'s evidence in dispute `disputeId`: its coordinate, the subjects proven (a bitmask) and their
    /// words.
    function evidenceOf(uint256 disputeId, address prover)
        external
        view
        returns (uint32 coordinate, uint32 proven, uint32[20] memory words)
    {
        Evidence storage evidence = _evidence[disputeId][prover];
        return (evidence.coordinate, evidence.proven, evidence.words);
    }

    /// @dev Dispute `disputeId` if it is refereed (an open dispute of an aggregate, before its deadline, of a job
    /// whose committed aggregation is `program`'s), with its round.
    function _refereed(uint256 disputeId, AggregationProgram calldata program)
        private
        view
        returns (IDisputes.Dispute memory dispute, uint16 round)
    {
        dispute = disputes.getDispute(disputeId);
        if (
            dispute.status != IDisputes.DisputeStatus.Open || dispute.registry != IDisputes.DisputeRegistry.RoundJobs
                || uint8(dispute.checkpointIndex) != AGGREGATE_SLOT || dispute.claimedHash == bytes32(0)
                || block.timestamp >= dispute.verdictDeadline
        ) revert AggregateRefereeNotRefereed(disputeId);
        bytes32 committed = roundJobRegistry.aggregationOf(dispute.jobId);
        bytes32 given = programHash(program);
        if (committed == bytes32(0)) revert AggregateRefereeNotRefereed(disputeId);
        if (given != committed) revert AggregateRefereeWrongProgram(disputeId, given, committed);
        round = uint16(dispute.checkpointIndex >> 8);
    }

    /// @dev The subjects a coordinate of round `round` of job `jobId` needs, as a bitmask: the included slots (active
    /// and committed this round: the dispute holds the round, so neither mask moves), the previous and the posted
    /// parameters, and with μ ≠ 0 the posted momentum and, after round 0, the previous momentum; and the job's slots.
    function _needed(uint256 jobId, uint16 round, AggregationProgram calldata program)
        private
        view
        returns (uint256 needed, uint256 slots)
    {
        IRoundJobRegistry.RoundJob memory job = roundJobRegistry.getRoundJob(jobId);
        slots = job.slots;
        needed = uint256(job.activeMask & job.committedMask) | (uint256(1) << PREVIOUS_PARAMETERS) | (uint256(1) << POSTED_PARAMETERS);
        if (program.momentum != 0) {
            needed |= uint256(1) << POSTED_MOMENTUM;
            if (round != 0) needed |= uint256(1) << PREVIOUS_MOMENTUM;
        }
    }

    /// @dev The word of `subject` at `coordinate` in round `round` of job `jobId`, which `chunk` proves; reverts unless
    /// the coordinate is in range, the subject needed, the chunk the one holding the word and, for a word the
    /// coordinate is recomputed from, finite (a posted one may be anything: {decide} refutes a non-finite one).
    function _provenWord(
        uint256 disputeId,
        uint256 jobId,
        uint16 round,
        AggregationProgram calldata program,
        uint32 coordinate,
        uint8 subject,
        BlobChunk calldata chunk
    ) private view returns (uint32 bits) {
        if (coordinate >= program.parameterCount) {
            revert AggregateRefereeCoordinateOutOfRange(disputeId, coordinate, program.parameterCount);
        }
        (uint256 needed,) = _needed(jobId, round, program);
        if ((needed >> subject) & 1 == 0) revert AggregateRefereeWrongSubject(disputeId, subject);
        (uint256 offset, uint256 length) = _location(program, round, coordinate, subject);
        _requireChunk(disputeId, subject, _digestOf(jobId, round, subject, program), chunk, length, offset / ChunkedBlob.CHUNK_BYTES);
        bits = _readWord(chunk.bytes_, offset % ChunkedBlob.CHUNK_BYTES);
        if (subject < POSTED_PARAMETERS && bits & EXPONENT_32 == EXPONENT_32) revert AggregateRefereeNotFinite(disputeId, subject, bits);
    }

    /// @dev Where coordinate `coordinate` of `subject` is: its byte offset and the length of the subject's blob (an
    /// update: values from byte 60; a global model: parameters from byte 16, momentum 4P further on).
    function _location(AggregationProgram calldata program, uint16 round, uint32 coordinate, uint8 subject)
        private
        pure
        returns (uint256 offset, uint256 length)
    {
        uint256 parameters = program.parameterCount;
        if (subject < PREVIOUS_PARAMETERS) return (UPDATE_VALUES + 4 * uint256(coordinate), UPDATE_VALUES + 4 * parameters);
        bool momentum = subject == PREVIOUS_MOMENTUM || subject == POSTED_MOMENTUM;
        offset = MODEL_VALUES + 4 * (uint256(coordinate) + (momentum ? parameters : 0));
        length = _modelLength(program, subject == PREVIOUS_PARAMETERS && round == 0);
    }

    /// @dev The chunked-blob digest the chain holds for `subject` in round `round` of job `jobId`.
    function _digestOf(uint256 jobId, uint16 round, uint8 subject, AggregationProgram calldata program)
        private
        view
        returns (bytes32)
    {
        if (subject < PREVIOUS_PARAMETERS) return roundJobRegistry.commitmentOf(jobId, round, subject);
        if (subject >= POSTED_PARAMETERS) return roundJobRegistry.aggregateOf(jobId, round);
        return round == 0 ? program.initialModel : roundJobRegistry.aggregateOf(jobId, round - 1);
    }

    /// @dev Bytes of a global-model blob: 16 + 4P, twice the values with momentum (the initial model has none).
    function _modelLength(AggregationProgram calldata program, bool initial) private pure returns (uint256) {
        uint256 values = program.momentum != 0 && !initial ? 2 : 1;
        return MODEL_VALUES + 4 * values * program.parameterCount;
    }

    /// @dev Reverts unless `chunk` is chunk `index` of the blob of `length` bytes whose digest is `digest`.
    function _requireChunk(
        uint256 disputeId,
        uint8 subject,
        bytes32 digest,
        BlobChunk calldata chunk,
        uint256 length,
        uint256 index
    ) private view {
        bytes32 header = ChunkedBlob.digest(chunk.length, chunk.root);
        if (header != digest) revert AggregateRefereeHeaderMismatch(disputeId, subject, header, digest);
        if (chunk.length != length) revert AggregateRefereeWrongLength(disputeId, subject, chunk.length, length);
        (uint256 bytes_, uint256 depth,) = ChunkedBlob.shape(chunk.length, chunk.index);
        if (chunk.index != index || chunk.bytes_.length != bytes_ || chunk.proof.length != depth) {
            revert AggregateRefereeChunkShape(disputeId, chunk.index, index, chunk.bytes_.length, bytes_, chunk.proof.length, depth);
        }
        if (ChunkedBlob.rootOf(chunk.index, chunk.bytes_, chunk.proof) != chunk.root) {
            revert AggregateRefereeChunkNotInBlob(disputeId, subject, chunk.index);
        }
    }

    /// @dev The little-endian uint32 at `offset` of `bytes_`.
    function _readWord(bytes calldata bytes_, uint256 offset) private pure returns (uint32) {
        bytes4 b = bytes4(bytes_[offset:offset + 4]);
        return uint32(uint8(b[0])) | (uint32(uint8(b[1])) << 8) | (uint32(uint8(b[2])) << 16) | (uint32(uint8(b[3])) << 24);
    }

    /// @dev The posted and the computed coordinate, each (parameter << 32 | momentum; momentum 0 when μ = 0), from the
    /// evidence's `words`.
    function _coordinate(AggregationProgram calldata program, uint32[20] memory words, uint256 needed, uint256 slots)
        internal
        pure
        returns (uint64 posted, uint64 computed)
    {
        (uint32 parameter, uint32 momentum) = _outerStep(program, words, _aggregate(program, words, needed, slots));
        bool kept = program.momentum != 0;
        posted = (uint64(words[POSTED_PARAMETERS]) << 32) | (kept ? words[POSTED_MOMENTUM] : 0);
        computed = (uint64(parameter) << 32) | (kept ? momentum : 0);
    }

    /// @dev The aggregate's coordinate (binary32) from the included slots' words (`needed`'s slot bits; the job has
    /// `slots` slots), in slot order, by the program's rule (docs/distributed-training.md, "Aggregation rules").
    function _aggregate(AggregationProgram calldata program, uint32[20] memory words, uint256 needed, uint256 slots)
        private
        pure
        returns (uint32)
    {
        uint32[16] memory values;
        uint256 n;
        if (program.rule == Rule.FedAvg) {
            uint64 sum;
            uint256 total;
            for (uint256 s = 0; s < 16; s++) {
                if ((needed >> s) & 1 == 0) continue;
                uint256 examples = program.equalParts ? program.examples : _part(program.examples, s, slots);
                total += examples;
                sum = SoftFloat.add(sum, SoftFloat.mul(SoftFloat.fromInt(int256(examples)), SoftFloat.toF64(words[s])));
            }
            return SoftFloat.toF32(SoftFloat.div(sum, SoftFloat.fromInt(int256(total))));
        }
        for (uint256 s = 0; s < 16; s++) {
            if ((needed >> s) & 1 == 1) values[n++] = words[s];
        }
        _sort(values, n);
        if (program.rule == Rule.Median) {
            uint256 half = n >> 1;
            if (n & 1 == 1) return values[half];
            // (x + y) / 2, not a sum from +0: the mean of −0 and −0 is −0.
            uint64 pair = SoftFloat.add(SoftFloat.toF64(values[half - 1]), SoftFloat.toF64(values[half]));
            return SoftFloat.toF32(SoftFloat.div(pair, SoftFloat.fromInt(2)));
        }
        uint256 maxTrim = (n - 1) >> 1;
        uint256 trim = program.trim < maxTrim ? program.trim : maxTrim;
        return SoftFloat.toF32(_mean(values, trim, n - trim));
    }

    /// @dev Slot `slot`'s part of a train split of `examples` among `slots` slots: ⌊(s+1)·N/P⌋ − ⌊s·N/P⌋.
    function _part(uint256 examples, uint256 slot, uint256 slots) private pure returns (uint256) {
        return (slot + 1) * examples / slots - slot * examples / slots;
    }

    /// @dev (+0 + v[from] + … + v[to − 1]) / (to − from), binary64, left to right.
    function _mean(uint32[16] memory values, uint256 from, uint256 to) private pure returns (uint64) {
        uint64 sum;
        for (uint256 j = from; j < to; j++) sum = SoftFloat.add(sum, SoftFloat.toF64(values[j]));
        return SoftFloat.div(sum, SoftFloat.fromInt(int256(to - from)));
    }

    /// @dev Sorts the first `n` binary32 values ascending, −0 before +0 (`Float32Array.prototype.sort`; all finite).
    function _sort(uint32[16] memory values, uint256 n) private pure {
        for (uint256 i = 1; i < n; i++) {
            uint32 value = values[i];
            uint32 key = _orderKey(value);
            uint256 j = i;
            while (j > 0 && _orderKey(values[j - 1]) > key) {
                values[j] = values[j - 1];
                j--;
            }
            values[j] = value;
        }
    }

    /// @dev A key whose unsigned order is the binary32 order of finite values, −0 below +0.
    function _orderKey(uint32 bits) private pure returns (uint32) {
        return bits & 0x80000000 != 0 ? ~bits : bits | 0x80000000;
    }

    /// @dev The outer step's coordinate (docs/distributed-training.md, "Parts, local updates and rounds"), each line in
    /// binary64 with one rounding: with μ = 0, G' = fround(G + η·a); otherwise m' = fround(μ·m + a) (m = +0 in round
    /// 0) and G' = fround(G + η·(a + μ·m')).
    function _outerStep(AggregationProgram calldata program, uint32[20] memory words, uint32 aggregate)
        private
        pure
        returns (uint32 parameter, uint32 momentum)
    {
        uint64 eta = SoftFloat.toF64(program.learningRate);
        uint64 a = SoftFloat.toF64(aggregate);
        uint64 g = SoftFloat.toF64(words[PREVIOUS_PARAMETERS]);
        if (program.momentum == 0) return (SoftFloat.toF32(SoftFloat.add(g, SoftFloat.mul(eta, a))), 0);
        uint64 mu = SoftFloat.toF64(program.momentum);
        momentum = SoftFloat.toF32(SoftFloat.add(SoftFloat.mul(mu, SoftFloat.toF64(words[PREVIOUS_MOMENTUM])), a));
        uint64 step = SoftFloat.add(a, SoftFloat.mul(mu, SoftFloat.toF64(momentum)));
        parameter = SoftFloat.toF32(SoftFloat.add(g, SoftFloat.mul(eta, step)));
    }
}
