// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ITrainingVm} from "../interfaces/ITrainingVm.sol";
import {SoftFloat} from "./SoftFloat.sol";

/// @dev The three memories of the training VM (docs/training-vm.md §2).
uint8 constant CHECKPOINT = 0;
uint8 constant SCRATCH = 1;
uint8 constant DATA = 2;
/// @dev 4-byte slots before the first parameter of a checkpoint: its 36-byte header.
uint64 constant HEADER_SLOTS = 9;
/// @dev No word written (yet).
uint256 constant NONE = type(uint256).max;

/// @title TrainingVmMemory
/// @notice One instruction's working state and its access to the opened words of the VM's memories
/// (docs/training-vm.md §2): binary32 and binary64 values, little-endian inside 32-byte words, as the checkpoint
/// file stores them; the data order (§3); a word's path to its root.
library TrainingVmMemory {
    uint64 internal constant PRNG_DOMAIN_ORDER = 3;
    uint64 internal constant PRNG_DOMAIN_DROPOUT = 7;
    uint64 internal constant GOLDEN_GAMMA = 0x9e3779b97f4a7c15;

    /// @dev One instruction's working state: the step it belongs to, the accumulator, the opened words, and which
    /// of them it wrote.
    struct Run {
        ITrainingVm.VmJob job;
        uint64 step;
        uint64 epoch;
        uint64 batch;
        uint64 acc;
        ITrainingVm.Word[] words;
        uint256 written;
    }

    /// @dev The working state of an instruction of step `stepIndex` from `acc` and `words`.
    function start(ITrainingVm.VmJob memory job, uint64 stepIndex, uint64 acc, ITrainingVm.Word[] memory words)
        internal
        pure
        returns (Run memory run)
    {
        uint64 stepsPerEpoch = job.examples / job.batchSize;
        run = Run(job, stepIndex, stepIndex / stepsPerEpoch, stepIndex % stepsPerEpoch, acc, words, NONE);
    }

    /// @dev Position `position` of epoch `epoch`'s data order (keepers/src/trainingVm/randomAccessOrder.ts).
    function dataOrder(uint64 seed, uint64 epoch, uint64 size, uint64 position) internal pure returns (uint64 x) {
        unchecked {
            uint64 key = mix64(mix64(seed ^ PRNG_DOMAIN_ORDER) + epoch);
            uint256 bits = 0;
            for (uint64 v = size - 1; v != 0; v >>= 1) bits++;
            uint64 half = uint64(bits < 2 ? 1 : (bits + 1) >> 1);
            uint64 mask = (uint64(1) << half) - 1;
            x = position;
            do {
                uint64 left = x >> half;
                uint64 right = x & mask;
                for (uint64 r = 0; r < 4; r++) {
                    (left, right) = (right, left ^ (mix64(key + (r << 32) + right) & mask));
                }
                x = (left << half) | right;
            } while (x >= size);
        }
    }

    /// @dev The high 32 bits of output number `draw` of the stream (seed, 7, step): Dropout's draw (docs/training.md
    /// §2, §4), mix64(S + (draw + 1)·γ) for the stream's initial state S = mix64(mix64(seed ⊕ 7) + step).
    function dropoutDraw(uint64 seed, uint64 step, uint64 draw) internal pure returns (uint64) {
        unchecked {
            return mix64(mix64(mix64(seed ^ PRNG_DOMAIN_DROPOUT) + step) + (draw + 1) * GOLDEN_GAMMA) >> 32;
        }
    }

    /// @dev The training example at position `e` of micro-batch `microBatch` of the run's step.
    function example(Run memory run, uint64 microBatch, uint64 e) internal pure returns (uint64) {
        ITrainingVm.VmJob memory job = run.job;
        uint64 position = run.batch * job.batchSize + microBatch * (job.batchSize / job.microBatches) + e;
        return dataOrder(job.seed, run.epoch, job.examples, position);
    }

    /// @dev The index among the opened words of word `index` of `tree`.
    function find(Run memory run, uint8 tree, uint64 index) internal pure returns (uint256) {
        for (uint256 i = 0; i < run.words.length; i++) {
            if (run.words[i].tree == tree && run.words[i].index == index) return i;
        }
        revert ITrainingVm.TrainingVmWordMissing(tree, index);
    }

    /// @dev Byte `offset` of the training data: pixels (n·W), then labels (n).
    function dataByte(Run memory run, uint64 offset) internal pure returns (uint64) {
        return uint8(run.words[find(run, DATA, offset / 32)].value[offset % 32]);
    }

    /// @dev The binary32 at a slot, widened to binary64.
    function f32(Run memory run, uint8 tree, uint64 slot) internal pure returns (uint64) {
        bytes32 value = run.words[find(run, tree, slot / 8)].value;
        return SoftFloat.toF64(uint32(fromLe(value, (slot % 8) * 4, 4)));
    }

    /// @dev The binary64 at an even slot.
    function f64(Run memory run, uint8 tree, uint64 slot) internal pure returns (uint64) {
        bytes32 value = run.words[find(run, tree, slot / 8)].value;
        return uint64(fromLe(value, (slot % 8) * 4, 8));
    }

    /// @dev Stores a binary64 value rounded to binary32.
    function setF32(Run memory run, uint8 tree, uint64 slot, uint64 value) internal pure {
        write(run, tree, slot, le(SoftFloat.toF32(value), 4), 4);
    }

    /// @dev Stores a binary64 value at an even slot.
    function setF64(Run memory run, uint8 tree, uint64 slot, uint64 value) internal pure {
        write(run, tree, slot, le(value, 8), 8);
    }

    /// @dev Writes `size` little-endian bytes at a slot, and notes the word as the one written.
    function write(Run memory run, uint8 tree, uint64 slot, uint256 littleEndian, uint256 size) internal pure {
        uint256 index = find(run, tree, slot / 8);
        ITrainingVm.Word memory word = run.words[index];
        word.value = put(word.value, (slot % 8) * 4, littleEndian, size);
        run.written = index;
    }

    /// @dev `size` bytes at byte `offset` of a word, read as a little-endian integer.
    function fromLe(bytes32 word, uint256 offset, uint256 size) internal pure returns (uint256 x) {
        for (uint256 i = 0; i < size; i++) x |= uint256(uint8(word[offset + i])) << (8 * i);
    }

    /// @dev The `size` bytes of `x`, little-endian, as the top bytes of an integer (ready for {put}).
    function le(uint256 x, uint256 size) internal pure returns (uint256 bytesBigEndian) {
        for (uint256 i = 0; i < size; i++) bytesBigEndian = (bytesBigEndian << 8) | ((x >> (8 * i)) & 0xff);
    }

    /// @dev Replaces bytes [offset, offset + size) of a word with the `size` bytes `value` holds (first byte highest).
    function put(bytes32 word, uint256 offset, uint256 value, uint256 size) internal pure returns (bytes32) {
        uint256 shift = 8 * (32 - offset - size);
        uint256 mask = ((uint256(1) << (8 * size)) - 1) << shift;
        return bytes32((uint256(word) & ~mask) | (value << shift));
    }

    /// @dev The root a leaf's path leads to (keepers/src/trainingVm/wordTree.ts `rootFrom`).
    function root(uint64 index, bytes32 leaf, bytes32[] memory siblings) internal pure returns (bytes32 node) {
        node = leaf;
        for (uint256 h = 0; h < siblings.length; h++) {
            node = (index >> h) & 1 == 1
                ? keccak256(abi.encodePacked(siblings[h], node))
                : keccak256(abi.encodePacked(node, siblings[h]));
        }
    }

    /// @dev SplitMix64's output function.
    function mix64(uint64 z) internal pure returns (uint64) {
        unchecked {
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
            z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
            return z ^ (z >> 31);
        }
    }
}
