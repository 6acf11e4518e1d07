// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IAggregateReferee} from "../interfaces/IAggregateReferee.sol";
import {IGameMachine} from "../interfaces/IGameMachine.sol";
import {ITrainingVm} from "../interfaces/ITrainingVm.sol";
import {ChunkedBlob} from "../libraries/ChunkedBlob.sol";
import {SoftFloat} from "../libraries/SoftFloat.sol";
import {CHECKPOINT, DATA, NONE, SCRATCH, TrainingVmMemory} from "../libraries/TrainingVmMemory.sol";
import {TrainingVmInstructions} from "./TrainingVmInstructions.sol";

/// @title TrainingVm
/// @notice The training VM's one-step function (docs/training-vm.md): executes one scalar instruction of a training
/// step on-chain, bit for bit as keepers/src/trainingVm/executeInstruction.ts does, against a state commitment
/// `keccak256(checkpointRoot ‖ scratchRoot ‖ acc)` whose words it opens with Merkle proofs. It is the machine a
/// {IBisectionGame} bisects: level 1 counts a step's operators, level 2 an operator's instructions.
/// @dev Stateless: everything comes from the program (`keccak256(abi.encode(VmJob))`) and the witness. Every
/// read and the one write are proven against the state before the instruction; `TrainingVmInstructions` executes
/// it over the proven words; the new root is the written word's path recomputed. Memory words are 32 bytes;
/// binary32 and binary64 values are little-endian inside them, as the checkpoint file stores them.
contract TrainingVm is IGameMachine, ITrainingVm {
    /// @notice The witness of {step}: the program, the operator and its proof, the opened state and its words.
    struct StepWitness {
        VmJob job;
        Operator operator;
        bytes32[] operatorProof;
        bytes32 checkpointRoot;
        bytes32 scratchRoot;
        uint64 acc;
        Word[] words;
    }

    /// @dev The operator kind that ends a step (docs/training-vm.md §4), one instruction this contract executes itself.
    uint8 internal constant END = 7;
    /// @dev A distributed slot's first operator (docs/training-vm.md §4): the round's global model into the checkpoint.
    /// This contract executes it itself, as it proves the model's chunk against the digest the round started with.
    uint8 internal constant LOAD = 31;
    /// @dev Slots of the checkpoint's header (parameter p is slot 9 + p) and the byte offset of a global-model blob's
    /// first parameter (docs/distributed-training.md, "Global model blob").
    uint64 private constant HEADER_SLOTS = 9;
    uint256 private constant MODEL_VALUES = 16;
    /// @dev The checkpoint header's magic "VTCK" and layout version 1 as its first 8 bytes (docs/training.md §8).
    uint256 private constant HEADER_MAGIC = 0x5654434B01000000;

    /// @notice What each instruction does: a contract of its own, deployed by the constructor, so that its code is not
    /// part of this contract's runtime code (EIP-170).
    TrainingVmInstructions public immutable instructions;

    constructor() {
        instructions = new TrainingVmInstructions();
    }

    /// @inheritdoc IGameMachine
    /// @dev Witness: `abi.encode(VmJob)`. Checkpoint `i` is at step `min(i · checkpointInterval, totalSteps)`; the last
    /// one is the first at `totalSteps` (docs/training.md §8). At a checkpoint the scratch is empty and `acc` is 0.
    function segment(bytes32 program, uint64 checkpoint, bytes32 hashBefore, bytes32 hashAfter, bytes calldata witness)
        external
        pure
        returns (uint64 firstStep, uint64 steps, bytes32 stateBefore, bytes32 stateAfter)
    {
        VmJob memory job = abi.decode(witness, (VmJob));
        _checkProgram(program, job);
        uint256 interval = job.checkpointInterval;
        // Checkpoint i − 1 is before the last one iff (i − 1)·interval < totalSteps. A distributed slot's rounds start
        // from their global models ({roundStart}), not from its checkpoints: its program has no segment.
        if (checkpoint == 0 || interval == 0 || job.rounds || (checkpoint - 1) * interval >= job.totalSteps) {
            return (0, 0, 0, 0);
        }
        firstStep = uint64((checkpoint - 1) * interval);
        steps = uint64(Math.min(checkpoint * interval, job.totalSteps)) - firstStep;
        bytes32 scratch = emptyRoot(job.scratchDepth);
        stateBefore = commitment(checkpoint == 1 ? job.initialRoot : hashBefore, scratch, 0);
        stateAfter = commitment(hashAfter, scratch, 0);
    }

    /// @inheritdoc IGameMachine
    /// @dev Witness: `abi.encode(VmJob)`. Checkpoints 0 … ⌈totalSteps / checkpointInterval⌉ (docs/training.md §8).
    function checkpointShape(bytes32 program, bytes calldata witness)
        external
        pure
        returns (uint8 depth, uint64 checkpoints)
    {
        VmJob memory job = abi.decode(witness, (VmJob));
        _checkProgram(program, job);
        uint256 interval = job.checkpointInterval;
        checkpoints = interval == 0 ? 1 : uint64(Math.ceilDiv(job.totalSteps, interval) + 1);
        depth = job.checkpointDepth;
    }

    /// @inheritdoc IGameMachine
    /// @dev Level 1: witness `abi.encode(VmJob)`; level 2: `abi.encode(VmJob, Operator, bytes32[] operatorProof)`.
    function unitCount(bytes32 program, uint8 level, uint64[2] calldata path, bytes calldata witness)
        external
        view
        returns (uint64 count)
    {
        if (level == 1) {
            VmJob memory job = abi.decode(witness, (VmJob));
            _checkProgram(program, job);
            return job.operatorCount;
        }
        if (level != 2) revert TrainingVmUnknownLevel(level);
        (VmJob memory job2, Operator memory operator, bytes32[] memory proof) =
            abi.decode(witness, (VmJob, Operator, bytes32[]));
        _checkProgram(program, job2);
        _checkOperator(job2, path[1], operator, proof);
        if (operator.kind == LOAD) return _loadCount(job2, path[0]);
        return instructions.count(job2, path[0], operator);
    }

    /// @inheritdoc IGameMachine
    /// @dev Witness: `abi.encode(StepWitness)`.
    function step(bytes32 program, bytes32 preState, uint64[2] calldata path, uint64 instruction, bytes calldata witness)
        external
        view
        returns (bytes32 postState)
    {
        StepWitness memory w = abi.decode(witness, (StepWitness));
        _checkProgram(program, w.job);
        _checkOperator(w.job, path[1], w.operator, w.operatorProof);
        bytes32 opened = commitment(w.checkpointRoot, w.scratchRoot, w.acc);
        if (opened != preState) revert TrainingVmStateMismatch(preState, opened);
        bytes32[3] memory roots = [w.checkpointRoot, w.scratchRoot, w.job.dataRoot];
        uint8[3] memory depths = [w.job.checkpointDepth, w.job.scratchDepth, w.job.dataDepth];
        for (uint256 i = 0; i < w.words.length; i++) {
            Word memory word = w.words[i];
            // An index past the tree's 2^depth words would alias the word its low bits name.
            if (word.tree > DATA || word.siblings.length != depths[word.tree] || word.index >> depths[word.tree] != 0
                || TrainingVmMemory.root(word.index, word.value, word.siblings) != roots[word.tree]
            ) revert TrainingVmWordNotInState(word.tree, word.index);
        }
        if (w.operator.kind == LOAD) return _load(w, path[0], instruction, roots, witness);
        if (w.operator.kind != END) return _execute(w, path[0], instruction, roots);
        if (instruction != 0) revert TrainingVmInstructionOutOfRange(instruction, 1);
        return _endStep(TrainingVmMemory.start(w.job, path[0], w.acc, w.words));
    }

    /// @notice The state a distributed slot's round `round` starts from (docs/training-vm.md §4, `load`): the checkpoint
    /// at step `round · checkpointInterval` (its epoch and batch of the program's examples) with parameters and
    /// optimizer state +0, the global model's chunked-blob `globalDigest` in the scratch's first word, `acc` = 0.
    /// @dev Witness: `abi.encode(VmJob)`. O(depth) hashes: every other word of both trees is zero. Reverts
    /// `TrainingVmNotARound` unless the program has `rounds` and the round starts before `totalSteps`.
    function roundStart(bytes32 program, uint64 round, bytes32 globalDigest, bytes calldata witness)
        external
        pure
        returns (bytes32 state)
    {
        VmJob memory job = abi.decode(witness, (VmJob));
        _checkProgram(program, job);
        uint256 first = uint256(round) * job.checkpointInterval;
        if (!job.rounds || first >= job.totalSteps) revert TrainingVmNotARound(round);
        uint64 stepIndex = uint64(first);
        uint64 stepsPerEpoch = job.examples / job.batchSize;
        uint256 vectors = job.optimizer == 0 ? 1 : 2;
        // Bytes 0–31: magic, version, step, epoch, batch, optimizer, P; bytes 32–35 (word 1): the state vectors V.
        uint256 header = HEADER_MAGIC << 192 | TrainingVmMemory.le(stepIndex, 8) << 128
            | TrainingVmMemory.le(stepIndex / stepsPerEpoch, 4) << 96 | TrainingVmMemory.le(stepIndex % stepsPerEpoch, 4) << 64
            | TrainingVmMemory.le(job.optimizer, 4) << 32 | TrainingVmMemory.le(job.parameters, 4);
        bytes32 checkpointRoot = _sparseRoot(
            keccak256(abi.encodePacked(header, bytes32(TrainingVmMemory.le(vectors, 4) << 224))), job.checkpointDepth
        );
        bytes32 scratchRoot = _sparseRoot(keccak256(abi.encodePacked(globalDigest, bytes32(0))), job.scratchDepth);
        return commitment(checkpointRoot, scratchRoot, 0);
    }

    /// @notice The state commitment: keccak256(checkpointRoot ‖ scratchRoot ‖ acc as uint64).
    function commitment(bytes32 checkpointRoot, bytes32 scratchRoot, uint64 acc) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(checkpointRoot, scratchRoot, acc));
    }

    /// @notice The root of the all-zero tree of `depth`: the scratch at a step boundary.
    function emptyRoot(uint256 depth) public pure returns (bytes32 node) {
        for (uint256 h = 0; h < depth; h++) node = keccak256(abi.encodePacked(node, node));
    }

    /// @notice Position `position` of epoch `epoch`'s data order (keepers/src/trainingVm/randomAccessOrder.ts).
    function dataOrder(uint64 seed, uint64 epoch, uint64 size, uint64 position) external pure returns (uint64) {
        return TrainingVmMemory.dataOrder(seed, epoch, size, position);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Program, execution and the end of a step

    function _checkProgram(bytes32 program, VmJob memory job) private pure {
        bytes32 opened = keccak256(abi.encode(job));
        if (opened != program) revert TrainingVmProgramMismatch(program, opened);
    }

    function _checkOperator(VmJob memory job, uint64 index, Operator memory operator, bytes32[] memory proof)
        private
        pure
    {
        if (index >= job.operatorCount || proof.length != job.operatorsDepth
            || TrainingVmMemory.root(index, keccak256(abi.encode(operator)), proof) != job.operatorsRoot
        ) revert TrainingVmOperatorNotInProgram(index);
    }

    /// @dev Instruction `instruction` of step `stepIndex` executed by {instructions} over the proven words (which
    /// checks that it is inside the operator); the written word's path recomputed into `roots` (the trees' roots
    /// before it).
    function _execute(StepWitness memory w, uint64 stepIndex, uint64 instruction, bytes32[3] memory roots)
        private
        view
        returns (bytes32)
    {
        (uint64 acc, uint256 written, bytes32 value) = instructions.execute(w.job, stepIndex, w.acc, w.words, w.operator, instruction);
        if (written != NONE) {
            Word memory word = w.words[written];
            roots[word.tree] = TrainingVmMemory.root(word.index, value, word.siblings);
        }
        return commitment(roots[CHECKPOINT], roots[SCRATCH], acc);
    }

    /// @dev `load`'s instructions at step `stepIndex`: at a round's first step of a `rounds` program, one per parameter
    /// and the digest's clearing; else the clearing alone.
    function _loadCount(VmJob memory job, uint64 stepIndex) private pure returns (uint64) {
        return job.rounds && stepIndex % job.checkpointInterval == 0 ? uint64(job.parameters) + 1 : 1;
    }

    /// @dev Instruction `instruction` of `load`: parameter `instruction` of the global model whose digest is the
    /// scratch's first word, read from its chunk (the witness's `BlobChunk`, after the StepWitness), into checkpoint
    /// slot 9 + instruction (+0 past the blob's end; a NaN canonical); the last clears the digest's word.
    function _load(
        StepWitness memory w,
        uint64 stepIndex,
        uint64 instruction,
        bytes32[3] memory roots,
        bytes calldata witness
    ) private view returns (bytes32) {
        uint64 count = _loadCount(w.job, stepIndex);
        if (instruction >= count) revert TrainingVmInstructionOutOfRange(instruction, count);
        TrainingVmMemory.Run memory run = TrainingVmMemory.start(w.job, stepIndex, w.acc, w.words);
        Word memory digestWord = run.words[TrainingVmMemory.find(run, SCRATCH, 0)];
        if (instruction + 1 == count) {
            return commitment(roots[CHECKPOINT], TrainingVmMemory.root(0, 0, digestWord.siblings), w.acc);
        }
        uint32 bits = _globalParameter(digestWord.value, instruction, witness);
        uint64 slot = HEADER_SLOTS + instruction;
        TrainingVmMemory.setF32(run, CHECKPOINT, slot, SoftFloat.toF64(bits));
        Word memory word = run.words[TrainingVmMemory.find(run, CHECKPOINT, slot / 8)];
        return commitment(TrainingVmMemory.root(word.index, word.value, word.siblings), roots[SCRATCH], w.acc);
    }

    /// @dev The binary32 bits of parameter `index` of the global model whose digest is `digest`, from the witness's
    /// `BlobChunk` (after the StepWitness): the chunk that holds it, or, past the blob's end, its last chunk and +0.
    function _globalParameter(bytes32 digest, uint64 index, bytes calldata witness) private view returns (uint32 bits) {
        (, IAggregateReferee.BlobChunk memory chunk) = abi.decode(witness, (StepWitness, IAggregateReferee.BlobChunk));
        uint256 offset = MODEL_VALUES + 4 * uint256(index);
        bool inside = offset + 4 <= chunk.length;
        uint64 held = uint64((inside ? offset : chunk.length - 1) / ChunkedBlob.CHUNK_BYTES);
        (uint256 size, uint256 depth,) = ChunkedBlob.shape(chunk.length, held);
        if (ChunkedBlob.digest(chunk.length, chunk.root) != digest || chunk.index != held || chunk.bytes_.length != size
            || chunk.proof.length != depth || ChunkedBlob.rootOf(held, chunk.bytes_, chunk.proof) != chunk.root
        ) revert TrainingVmChunkNotInBlob(digest, chunk.index);
        if (!inside) return 0;
        uint256 at = offset % ChunkedBlob.CHUNK_BYTES;
        for (uint256 b = 0; b < 4; b++) bits |= uint32(uint8(chunk.bytes_[at + b])) << uint32(8 * b);
    }

    /// @dev The root of a tree of `depth` ≥ 1 whose only non-zero words are its first two, whose parent is `first`.
    function _sparseRoot(bytes32 first, uint8 depth) private pure returns (bytes32 node) {
        node = first;
        bytes32 empty;
        for (uint256 h = 1; h < depth; h++) {
            empty = keccak256(abi.encodePacked(empty, empty));
            node = keccak256(abi.encodePacked(node, empty));
        }
    }

    /// @dev The end of the step: the checkpoint header's step, epoch and batch advance (bytes 8–23 of word 0);
    /// the scratch clears; the accumulator is 0.
    function _endStep(TrainingVmMemory.Run memory run) private pure returns (bytes32) {
        Word memory word = run.words[TrainingVmMemory.find(run, CHECKPOINT, 0)];
        uint64 next = run.step + 1;
        uint64 stepsPerEpoch = run.job.examples / run.job.batchSize;
        bytes32 value = TrainingVmMemory.put(word.value, 8, TrainingVmMemory.le(next, 8), 8);
        value = TrainingVmMemory.put(value, 16, TrainingVmMemory.le(next / stepsPerEpoch, 4), 4);
        word.value = TrainingVmMemory.put(value, 20, TrainingVmMemory.le(next % stepsPerEpoch, 4), 4);
        return commitment(TrainingVmMemory.root(0, word.value, word.siblings), emptyRoot(run.job.scratchDepth), 0);
    }
}
