// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDisputes} from "./IDisputes.sol";
import {IRoundJobRegistry} from "./IRoundJobRegistry.sol";

/// @title IAggregateReferee
/// @notice Decides a dispute of a distributed job's aggregate on-chain, with no committee (docs/dispute-game.md §7):
/// anyone proves one coordinate of the posted global model wrong, in any open dispute of it (the challenger's, or one
/// the aggregator opened itself to hold the round: it shields nothing). Each value it needs (the coordinate in
/// the previous global model, in every included slot's update, in the posted global model) is a 4-byte word of a
/// chunked blob the chain holds the digest of; the prover proves it with its 32-KiB chunk, and the referee
/// recomputes the coordinate with the job's aggregation rule and outer step in soft-float, bit for bit as the
/// engine does (docs/distributed-training.md, "Aggregation rules"). A posted global model whose header or length
/// is wrong is refuted from its header and first chunk alone.
/// @dev Only jobs that commit an {AggregationProgram} (RoundJobRegistry's `aggregationOf`) are refereed: dense
/// binary32 updates (no compression, no secure aggregation) under FedAvg, the median or the trimmed mean.
interface IAggregateReferee {
    /// @notice The aggregation rules the referee computes (those whose aggregate is a function of one coordinate).
    enum Rule {
        FedAvg,
        Median,
        TrimmedMean
    }

    /// @notice What a job commits of its aggregation, as `aggregationOf(jobId)` = keccak256(abi.encode(program)).
    /// @param rule The aggregation rule.
    /// @param trim The trimmed mean's t (0 for the other rules).
    /// @param equalParts Whether every slot weighs `examples` (a private-data job's owners) rather than its part of
    /// a train split of `examples` (slot s of P: ⌊(s+1)·N/P⌋ − ⌊s·N/P⌋).
    /// @param examples The train split's size N, or each owner's examples.
    /// @param parameterCount The model's parameter count P (≥ 1).
    /// @param learningRate The outer step's η, as binary32 bits.
    /// @param momentum The outer step's μ, as binary32 bits (+0: no momentum, the global models of layout 1).
    /// @param initialModel The chunked-blob digest of the global model before round 0 (layout 1, round 0: the model
    /// file's weights).
    struct AggregationProgram {
        Rule rule;
        uint8 trim;
        bool equalParts;
        uint32 examples;
        uint32 parameterCount;
        uint32 learningRate;
        uint32 momentum;
        bytes32 initialModel;
    }

    /// @notice A chunk of a chunked blob with its header and proof: `bytes_` is chunk `index` of the blob of `length`
    /// bytes whose Merkle root is `root`, `proof` its siblings from the leaves up.
    struct BlobChunk {
        uint64 length;
        bytes32 root;
        uint64 index;
        bytes bytes_;
        bytes32[] proof;
    }

    /// @notice Thrown when dispute `disputeId` is not an open dispute of an aggregate of a job that commits an
    /// aggregation program, before its verdict deadline.
    error AggregateRefereeNotRefereed(uint256 disputeId);
    /// @notice Thrown when the program given hashes to `given`, not to the job's `committed` aggregation.
    error AggregateRefereeWrongProgram(uint256 disputeId, bytes32 given, bytes32 committed);
    /// @notice Thrown when `coordinate` is not below the program's parameter count `parameters`.
    error AggregateRefereeCoordinateOutOfRange(uint256 disputeId, uint256 coordinate, uint256 parameters);
    /// @notice Thrown when `subject` names nothing this dispute's coordinate depends on (see {proveWord}).
    error AggregateRefereeWrongSubject(uint256 disputeId, uint256 subject);
    /// @notice Thrown when a blob's header hashes to `header`, not to the digest the chain holds for its subject.
    error AggregateRefereeHeaderMismatch(uint256 disputeId, uint256 subject, bytes32 header, bytes32 expected);
    /// @notice Thrown when a blob's length is not `expected`, which its subject's layout gives.
    error AggregateRefereeWrongLength(uint256 disputeId, uint256 subject, uint256 length, uint256 expected);
    /// @notice Thrown when a chunk is not chunk `expectedIndex` of its blob, or not of its shape (`bytes_`, `siblings`).
    error AggregateRefereeChunkShape(
        uint256 disputeId, uint256 index, uint256 expectedIndex, uint256 bytes_, uint256 expectedBytes, uint256 siblings, uint256 expectedSiblings
    );
    /// @notice Thrown when a chunk and its proof do not lead to its header's root.
    error AggregateRefereeChunkNotInBlob(uint256 disputeId, uint256 subject, uint256 index);
    /// @notice Thrown when a word the coordinate is recomputed from (an update's, the previous global model's) is NaN
    /// or infinite: no update or global model an honest party accepts holds one.
    error AggregateRefereeNotFinite(uint256 disputeId, uint256 subject, uint32 bits);
    /// @notice Thrown by {decide} while the words of the subjects in `missing` (a bitmask) are not proven.
    error AggregateRefereeWordsMissing(uint256 disputeId, uint256 coordinate, uint256 missing);
    /// @notice Thrown when the evidence shows the posted aggregate right at `coordinate` (or in its header): the
    /// dispute stands until it expires, and the aggregator then keeps the bond.
    error AggregateRefereeAggregateRight(uint256 disputeId, uint256 coordinate);

    /// @notice Emitted when `prover` proves `bits` to be coordinate `coordinate` of `subject` in dispute `disputeId`.
    event WordProven(uint256 indexed disputeId, address indexed prover, uint256 coordinate, uint256 subject, uint32 bits);
    /// @notice Emitted when `prover` proves dispute `disputeId`'s aggregate wrong: at `coordinate`, where it holds
    /// `posted` (parameter, momentum) instead of `computed`; or in its header (coordinate 2^32 − 1).
    event AggregateRefuted(uint256 indexed disputeId, address indexed prover, uint256 coordinate, uint64 posted, uint64 computed);

    /// @notice Proves, as the caller's evidence in dispute `disputeId` (each caller has its own, so no one resets
    /// another's), the word of `subject` at coordinate `coordinate`:
    /// `chunk` is the chunk of that subject's blob holding the word, its header hashing to the digest the chain
    /// holds (the slot's commitment, the previous round's or the posted aggregate, or the program's initial model).
    /// Subjects: 0 … 15, that slot's update (an included slot's: dense binary32 at byte 60 + 4i); 16 and 17, the
    /// parameters and outer momentum of the global model the round started from (round 0: the program's
    /// `initialModel`, which has no momentum); 18 and 19, those of the posted global model (binary32 at byte 16 + 4i,
    /// momentum at 16 + 4P + 4i). Momentum words are needed only when μ ≠ 0. A word for another coordinate than the
    /// caller's last starts its evidence over at that coordinate.
    function proveWord(
        uint256 disputeId,
        AggregationProgram calldata program,
        uint32 coordinate,
        uint8 subject,
        BlobChunk calldata chunk
    ) external;

    /// @notice Recomputes the coordinate of the caller's evidence in dispute `disputeId` once every word it needs is
    /// proven (the previous global model's, every included slot's update's, the posted global model's) and ends the
    /// dispute with the aggregator wrong if the posted coordinate differs (parameter or momentum), bit for bit, or is
    /// NaN or infinite (a global model's values are finite); the slash's beneficiary share goes to the caller.
    function decide(uint256 disputeId, AggregationProgram calldata program) external;

    /// @notice Ends dispute `disputeId` with the aggregator wrong if the posted global model's length, or its 16-byte
    /// header (magic, layout, round, parameter count) in `chunk` (its chunk 0; not read when the length is wrong), is
    /// not what the program and the round give. Anyone may call it; the slash's beneficiary share goes to the caller.
    function refuteHeader(uint256 disputeId, AggregationProgram calldata program, BlobChunk calldata chunk) external;

    /// @notice keccak256(abi.encode(program)): what a job's order commits as its `aggregation`.
    function programHash(AggregationProgram calldata program) external pure returns (bytes32);

    /// @notice The Disputes contract whose disputes this referee decides (its deployer).
    function disputes() external view returns (IDisputes);

    /// @notice The registry whose commitments and aggregates the words are proven against.
    function roundJobRegistry() external view returns (IRoundJobRegistry);
}
