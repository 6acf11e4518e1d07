// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IGameMachine} from "../interfaces/IGameMachine.sol";
import {SoftFloat} from "../libraries/SoftFloat.sol";
import {TrainingVmFunctions} from "./TrainingVmFunctions.sol";

/// @title TrainingVm
/// @notice The training VM's one-step function (docs/training-vm.md): executes one scalar instruction of a training
/// step on-chain, bit for bit as keepers/src/trainingVm/executeInstruction.ts does, against a state commitment
/// `keccak256(checkpointRoot ‖ scratchRoot ‖ acc)` whose words it opens with Merkle proofs. It is the machine a
/// {IBisectionGame} bisects: level 1 counts a step's operators, level 2 an operator's instructions.
/// @dev Stateless: everything comes from the program (`keccak256(abi.encode(VmJob))`) and the witness. Every
/// read and the one write are proven against the state before the instruction; the new root is the written
/// word's path recomputed. Memory words are 32 bytes; binary32 and binary64 values are little-endian inside them,
/// as the checkpoint file stores them.
contract TrainingVm is IGameMachine {
    /// @notice What a job's program commits to: its data, its operators, its trees, its hyper-parameters and its
    /// checkpoint schedule.
    /// @dev Hyper-parameters are the binary64 bits of their binary32 values.
    struct VmJob {
        bytes32 dataRoot;
        bytes32 operatorsRoot;
        uint8 checkpointDepth;
        uint8 scratchDepth;
        uint8 dataDepth;
        uint8 operatorsDepth;
        uint32 operatorCount;
        uint64 seed;
        uint32 examples;
        uint32 width;
        uint32 channels;
        uint32 classes;
        uint32 parameters;
        uint32 gradients;
        uint32 batchSize;
        uint32 microBatches;
        uint8 optimizer; // 0 SGD, 1 Adam, 2 AdamW (the checkpoint header's ids)
        uint64 momentum;
        uint64 weightDecay;
        uint64 beta1;
        uint64 beta2;
        uint64 epsilon;
        bytes32 initialRoot; // checkpoint 0: the model's parameters and zero optimizer state at step 0
        uint32 checkpointInterval; // steps between checkpoints (docs/training.md §8)
        uint64 totalSteps; // the job's last checkpoint is at this step
    }

    /// @notice An operator: its kind (docs/training-vm.md §4) and its fields, ABI-encoded per kind.
    struct Operator {
        uint8 kind;
        bytes args;
    }

    /// @notice A matrix operand: element (i, k) of A at offset + i·outer + k·inner, (k, j) of B at offset + k·outer + j·inner.
    struct Strided {
        uint8 tree;
        uint32 offset;
        uint32 outer;
        uint32 inner;
    }

    /// @notice A matrix product's fields.
    struct MatMul {
        uint32 m;
        uint32 n;
        uint32 k;
        bool hasA;
        Strided a;
        Strided b;
        uint32 destination;
        bool hasBias;
        uint32 bias;
        bool biasPerRow;
    }

    /// @notice A convolution's or a pooling's geometry and buffers (keepers/src/trainingVm/stepProgram.ts `Window`).
    struct Window {
        uint32 channels;
        uint32 height;
        uint32 width;
        uint32 kernelH;
        uint32 kernelW;
        uint32 strideH;
        uint32 strideW;
        uint32 padTop;
        uint32 padLeft;
        uint32 outH;
        uint32 outW;
        uint32 source;
        uint32 destination;
        uint32 forwardOutput;
        uint32 outputGradient;
    }

    /// @notice A flatten of several channels: [n][C·P] from CNHW, or back.
    struct Flatten {
        uint32 channels;
        uint32 plane;
        bool backward;
        uint32 source;
        uint32 destination;
    }

    /// @notice A learning-rate schedule (docs/training.md §6) from the base rate η₀: `step` (γ, every k epochs) or
    /// `cosine` (W warm-up steps, down to η_min at step T); the other type's fields are zero.
    struct Schedule {
        bool cosine;
        uint64 learningRate;
        uint64 gamma;
        uint32 everyEpochs;
        uint64 warmupSteps;
        uint64 totalSteps;
        uint64 minLearningRate;
    }

    /// @notice A word of one of the three trees (0 checkpoint, 1 scratch, 2 data) and its siblings from the leaf up.
    struct Word {
        uint8 tree;
        uint64 index;
        bytes32 value;
        bytes32[] siblings;
    }

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

    /// @dev One instruction's working state.
    struct Run {
        VmJob job;
        uint64 step;
        uint64 epoch;
        uint64 batch;
        uint64 acc;
        Word[] words;
        uint256 written;
    }

    uint8 internal constant GATHER = 0;
    uint8 internal constant MAT_MUL = 1;
    uint8 internal constant RELU = 2;
    uint8 internal constant RELU_MASK = 3;
    uint8 internal constant SOFTMAX = 4;
    uint8 internal constant POWER = 5;
    uint8 internal constant OPTIMIZER = 6;
    uint8 internal constant END = 7;
    uint8 internal constant IM2COL = 8;
    uint8 internal constant COL2IM = 9;
    uint8 internal constant MAX_POOL = 10;
    uint8 internal constant MAX_POOL_BACKWARD = 11;
    uint8 internal constant FLATTEN = 12;
    uint8 internal constant REDUCE = 13;
    uint8 internal constant CLIP_FACTOR = 14;
    uint8 internal constant SCHEDULE = 15;
    uint8 internal constant SIGMOID = 16;
    uint8 internal constant TANH = 17;
    uint8 internal constant SIGMOID_BACKWARD = 18;
    uint8 internal constant TANH_BACKWARD = 19;
    uint8 internal constant AVERAGE_POOL = 20;
    uint8 internal constant AVERAGE_POOL_BACKWARD = 21;
    uint8 internal constant LOG_SOFTMAX = 22;
    uint8 internal constant LOG_SOFTMAX_BACKWARD = 23;
    uint8 internal constant ADD = 24;

    /// @dev `VmJob.optimizer`: the checkpoint header's optimizer ids (docs/training.md §8); 1 is Adam.
    uint8 internal constant SGD = 0;
    uint8 internal constant ADAMW = 2;

    uint8 internal constant CHECKPOINT = 0;
    uint8 internal constant SCRATCH = 1;
    uint8 internal constant DATA = 2;

    uint64 internal constant HEADER_SLOTS = 9;
    uint64 internal constant LEARNING_RATE = 0;
    uint64 internal constant CORRECTION_1 = 2;
    uint64 internal constant CORRECTION_2 = 4;
    uint64 internal constant CLIPPING = 6;
    uint64 internal constant SOFTMAX_MAX = 8;
    uint64 internal constant SOFTMAX_SUM = 10;
    uint64 internal constant SOFTMAX_EXPONENTIALS = 12;
    uint256 internal constant NONE = type(uint256).max;

    uint64 internal constant ZERO = 0;
    uint64 internal constant ONE = 0x3FF0000000000000;
    uint64 internal constant F255 = 0x406FE00000000000;
    uint64 internal constant HALF = 0x3FE0000000000000;
    uint64 internal constant PI = 0x400921FB54442D18; // Math.PI
    uint64 internal constant CLIP_EPSILON = 0x3EB0C6F7A0B5ED8D; // 1e-6, PyTorch's clip_grad_norm_'s
    uint64 internal constant PRNG_DOMAIN_ORDER = 3;

    /// @notice The witness's job does not hash to the game's program.
    error TrainingVmProgramMismatch(bytes32 program, bytes32 opened);
    /// @notice The witness's registers and roots do not hash to the state before the instruction.
    error TrainingVmStateMismatch(bytes32 preState, bytes32 opened);
    /// @notice The operator is not operator `index` of the program.
    error TrainingVmOperatorNotInProgram(uint64 index);
    /// @notice A word's proof does not lead to its tree's root.
    error TrainingVmWordNotInState(uint8 tree, uint64 index);
    /// @notice The instruction needs a word the witness does not open.
    error TrainingVmWordMissing(uint8 tree, uint64 index);
    /// @notice The instruction index is past the operator's end.
    error TrainingVmInstructionOutOfRange(uint64 instruction, uint64 count);
    /// @notice The operator's kind is not one of docs/training-vm.md §4.
    error TrainingVmUnknownOperator(uint8 kind);
    /// @notice The level is not 1 (operators) or 2 (instructions).
    error TrainingVmUnknownLevel(uint8 level);

    /// @notice The soft-float functions the instructions call besides the elementary arithmetic (div, sqrt, exp, log,
    /// cos, sigmoid, tanh): a contract of their own, deployed by the constructor, so that their code is not part of
    /// this contract's runtime code (EIP-170).
    TrainingVmFunctions public immutable functions;

    constructor() {
        functions = new TrainingVmFunctions();
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
        // Checkpoint i − 1 is before the last one iff (i − 1)·interval < totalSteps.
        if (checkpoint == 0 || interval == 0 || (checkpoint - 1) * interval >= job.totalSteps) return (0, 0, 0, 0);
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
        pure
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
        Run memory run = _run(job2, path[0], 0, new Word[](0));
        return _count(run, operator);
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
                || _root(word.index, word.value, word.siblings) != roots[word.tree]
            ) revert TrainingVmWordNotInState(word.tree, word.index);
        }
        Run memory run = _run(w.job, path[0], w.acc, w.words);
        uint64 count = _count(run, w.operator);
        if (instruction >= count) revert TrainingVmInstructionOutOfRange(instruction, count);
        if (w.operator.kind == END) return _endStep(run);
        _execute(run, w.operator, instruction);
        if (run.written != NONE) {
            Word memory word = run.words[run.written];
            roots[word.tree] = _root(word.index, word.value, word.siblings);
        }
        return commitment(roots[CHECKPOINT], roots[SCRATCH], run.acc);
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
    function dataOrder(uint64 seed, uint64 epoch, uint64 size, uint64 position) public pure returns (uint64 x) {
        unchecked {
            uint64 key = _mix64(_mix64(seed ^ PRNG_DOMAIN_ORDER) + epoch);
            uint256 bits = 0;
            for (uint64 v = size - 1; v != 0; v >>= 1) bits++;
            uint64 half = uint64(bits < 2 ? 1 : (bits + 1) >> 1);
            uint64 mask = (uint64(1) << half) - 1;
            x = position;
            do {
                uint64 left = x >> half;
                uint64 right = x & mask;
                for (uint64 r = 0; r < 4; r++) {
                    (left, right) = (right, left ^ (_mix64(key + (r << 32) + right) & mask));
                }
                x = (left << half) | right;
            } while (x >= size);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Program and counts

    function _checkProgram(bytes32 program, VmJob memory job) private pure {
        bytes32 opened = keccak256(abi.encode(job));
        if (opened != program) revert TrainingVmProgramMismatch(program, opened);
    }

    function _checkOperator(VmJob memory job, uint64 index, Operator memory operator, bytes32[] memory proof)
        private
        pure
    {
        if (index >= job.operatorCount || proof.length != job.operatorsDepth
            || _root(index, keccak256(abi.encode(operator)), proof) != job.operatorsRoot
        ) revert TrainingVmOperatorNotInProgram(index);
    }

    function _run(VmJob memory job, uint64 stepIndex, uint64 acc, Word[] memory words)
        private
        pure
        returns (Run memory run)
    {
        uint64 stepsPerEpoch = job.examples / job.batchSize;
        run = Run(job, stepIndex, stepIndex / stepsPerEpoch, stepIndex % stepsPerEpoch, acc, words, NONE);
    }

    function _count(Run memory run, Operator memory operator) private pure returns (uint64) {
        VmJob memory job = run.job;
        uint64 b = job.batchSize / job.microBatches;
        uint8 kind = operator.kind;
        if (kind == GATHER) return b * job.width;
        if (kind == MAT_MUL) {
            MatMul memory mm = abi.decode(operator.args, (MatMul));
            return uint64(mm.m) * mm.n * (uint64(mm.k) + 1);
        }
        if (kind == RELU || kind == RELU_MASK || kind == ADD || (kind >= SIGMOID && kind <= TANH_BACKWARD)) {
            return abi.decode(operator.args, (uint32));
        }
        if (kind == SOFTMAX || kind == LOG_SOFTMAX) return b * (3 * uint64(job.classes) + 2);
        if (kind == LOG_SOFTMAX_BACKWARD) return b * 2 * job.classes;
        if (kind == POWER) {
            (, bool perStep,,,) = abi.decode(operator.args, (uint64, bool, bool, uint64, uint32));
            return (perStep ? run.step + 1 : run.epoch) + 2;
        }
        if (kind == OPTIMIZER) {
            uint64 loads = _clipped(operator.args) ? 1 : job.microBatches;
            return uint64(job.parameters) * (loads + (job.optimizer == SGD ? 2 : 3));
        }
        if (kind == END) return 1;
        if ((kind >= IM2COL && kind <= MAX_POOL_BACKWARD) || kind == AVERAGE_POOL || kind == AVERAGE_POOL_BACKWARD) {
            Window memory w = abi.decode(operator.args, (Window));
            uint64 taps = uint64(w.kernelH) * w.kernelW;
            if (kind == IM2COL) return w.channels * taps * b * w.outH * w.outW;
            if (kind == COL2IM) return w.channels * b * w.height * w.width * (taps + 1);
            if (kind == MAX_POOL || kind == AVERAGE_POOL) return w.channels * b * w.outH * w.outW * (taps + 1);
            if (kind == AVERAGE_POOL_BACKWARD) {
                (uint64 overlapH, uint64 overlapW) = _poolOverlap(w);
                return w.channels * b * w.height * w.width * (overlapH * overlapW + 1);
            }
            return w.channels * b * w.height * w.width;
        }
        if (kind == FLATTEN) {
            Flatten memory f = abi.decode(operator.args, (Flatten));
            return b * f.channels * f.plane;
        }
        if (kind == REDUCE) return uint64(job.parameters) * job.microBatches;
        if (kind == CLIP_FACTOR) return uint64(job.parameters) + 1;
        if (kind == SCHEDULE) {
            Schedule memory schedule = abi.decode(operator.args, (Schedule));
            return schedule.cosine ? 1 : run.epoch / schedule.everyEpochs + 2;
        }
        revert TrainingVmUnknownOperator(kind);
    }

    /// @dev An optimizer's fields: none (it sums the micro-batches' gradients), or `true` when it reads the reduced
    /// gradient and the clipping's factor instead.
    function _clipped(bytes memory args) private pure returns (bool) {
        return args.length != 0 && abi.decode(args, (bool));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Instructions (keepers/src/trainingVm/executeInstruction.ts, in the same order of cases)

    function _execute(Run memory run, Operator memory operator, uint64 i) private view {
        uint8 kind = operator.kind;
        if (kind == GATHER) return _gather(run, operator.args, i);
        if (kind == MAT_MUL) return _matMul(run, abi.decode(operator.args, (MatMul)), i);
        if (kind == RELU) {
            (, uint32 source, uint32 destination) = abi.decode(operator.args, (uint32, uint32, uint32));
            uint64 x = _f32(run, SCRATCH, source + i);
            return _setF32(run, SCRATCH, destination + i, SoftFloat.lt(ZERO, x) ? x : ZERO);
        }
        if (kind == RELU_MASK) {
            (, uint32 gradient, uint32 activation) = abi.decode(operator.args, (uint32, uint32, uint32));
            uint64 y = _f32(run, SCRATCH, activation + i);
            return _setF32(run, SCRATCH, gradient + i, SoftFloat.lt(ZERO, y) ? _f32(run, SCRATCH, gradient + i) : ZERO);
        }
        if (kind == ADD) {
            (, uint32 first, uint32 second, uint32 sum) = abi.decode(operator.args, (uint32, uint32, uint32, uint32));
            return _setF32(run, SCRATCH, sum + i, SoftFloat.add(_f32(run, SCRATCH, first + i), _f32(run, SCRATCH, second + i)));
        }
        if (kind == SIGMOID || kind == TANH) {
            (, uint32 source, uint32 destination) = abi.decode(operator.args, (uint32, uint32, uint32));
            uint64 x = _f32(run, SCRATCH, source + i);
            return _setF32(run, SCRATCH, destination + i, kind == SIGMOID ? _call(functions.sigmoidF64, x) : _call(functions.tanhF64, x));
        }
        if (kind == SIGMOID_BACKWARD || kind == TANH_BACKWARD) {
            (, uint32 gradient, uint32 activation) = abi.decode(operator.args, (uint32, uint32, uint32));
            uint64 y = _f32(run, SCRATCH, activation + i);
            // The derivative from the output y (smoothActivation.ts): y·(1 − y) for Sigmoid, 1 − y·y for Tanh.
            uint64 derivative = kind == SIGMOID_BACKWARD ? SoftFloat.mul(y, SoftFloat.sub(ONE, y)) : SoftFloat.sub(ONE, SoftFloat.mul(y, y));
            return _setF32(run, SCRATCH, gradient + i, SoftFloat.mul(_f32(run, SCRATCH, gradient + i), derivative));
        }
        if (kind == SOFTMAX || kind == LOG_SOFTMAX) return _softmax(run, operator, i);
        if (kind == LOG_SOFTMAX_BACKWARD) return _logSoftmaxBackward(run, operator.args, i);
        if (kind == POWER) return _power(run, operator, i);
        if (kind == SCHEDULE) return _schedule(run, operator, i);
        if (kind == REDUCE) return _reduce(run, i);
        if (kind == CLIP_FACTOR) return _clipFactor(run, abi.decode(operator.args, (uint64)), i);
        if (kind == OPTIMIZER) return _optimizer(run, operator.args, i);
        if (kind == IM2COL) return _im2col(run, abi.decode(operator.args, (Window)), i);
        if (kind == COL2IM) return _col2im(run, abi.decode(operator.args, (Window)), i);
        if (kind == MAX_POOL || kind == AVERAGE_POOL) return _pool(run, abi.decode(operator.args, (Window)), i, kind == AVERAGE_POOL);
        if (kind == MAX_POOL_BACKWARD) return _maxPoolBackward(run, abi.decode(operator.args, (Window)), i);
        if (kind == AVERAGE_POOL_BACKWARD) return _averagePoolBackward(run, abi.decode(operator.args, (Window)), i);
        return _flatten(run, abi.decode(operator.args, (Flatten)), i);
    }

    function _im2col(Run memory run, Window memory w, uint64 i) private pure {
        uint64 b = run.job.batchSize / run.job.microBatches;
        uint64 positions = b * w.outH * w.outW;
        (bool inside, uint64 slot) = _im2colSource(w, b, i / positions, i % positions);
        _setF32(run, SCRATCH, w.destination + i, inside ? _f32(run, SCRATCH, slot) : ZERO);
    }

    /// @dev The input slot of column element (k, q), and whether it lies inside the input (else it is padding).
    /// Rows and columns are shifted by the padding so that they stay unsigned: inside iff pad <= y < pad + size.
    function _im2colSource(Window memory w, uint64 b, uint64 k, uint64 q) private pure returns (bool, uint64) {
        uint64 taps = uint64(w.kernelH) * w.kernelW;
        uint64 outPlane = uint64(w.outH) * w.outW;
        uint64 y = (q % outPlane) / w.outW * w.strideH + (k % taps) / w.kernelW;
        uint64 x = (q % w.outW) * w.strideW + k % w.kernelW;
        if (y < w.padTop || y >= uint64(w.padTop) + w.height || x < w.padLeft || x >= uint64(w.padLeft) + w.width) return (false, 0);
        uint64 plane = ((k / taps) * b + q / outPlane) * w.height * w.width;
        return (true, w.source + plane + (y - w.padTop) * w.width + (x - w.padLeft));
    }

    function _col2im(Run memory run, Window memory w, uint64 i) private pure {
        uint64 b = run.job.batchSize / run.job.microBatches;
        uint64 taps = uint64(w.kernelH) * w.kernelW;
        uint64 t = i / (taps + 1);
        uint64 r = i % (taps + 1);
        if (r == taps) return _setF32(run, SCRATCH, w.destination + t, run.acc);
        if (r == 0) run.acc = ZERO;
        (bool contributes, uint64 slot) = _col2imSource(w, b, t, r);
        if (contributes) run.acc = SoftFloat.add(run.acc, _f32(run, SCRATCH, slot));
    }

    /// @dev The column-gradient slot that tap `r` adds to input element `t`, if any: ny = iy + padTop − ky and
    /// nx = ix + padLeft − kx must be non-negative multiples of the stride, inside the output.
    function _col2imSource(Window memory w, uint64 b, uint64 t, uint64 r) private pure returns (bool, uint64) {
        uint64 ny = (t / w.width) % w.height + w.padTop;
        uint64 nx = t % w.width + w.padLeft;
        if (ny < r / w.kernelW || nx < r % w.kernelW) return (false, 0);
        ny -= r / w.kernelW;
        nx -= r % w.kernelW;
        if (ny % w.strideH != 0 || nx % w.strideW != 0 || ny / w.strideH >= w.outH || nx / w.strideW >= w.outW) return (false, 0);
        uint64 plane = uint64(w.height) * w.width;
        uint64 q = ((t / plane) % b * w.outH + ny / w.strideH) * w.outW + nx / w.strideW;
        uint64 k = (t / (b * plane)) * w.kernelH * w.kernelW + r;
        return (true, w.source + k * b * w.outH * w.outW + q);
    }

    /// @dev A max-pooling keeps its window's first maximum; an average pooling sums its window from +0 and stores
    /// the sum divided by the window's size.
    function _pool(Run memory run, Window memory w, uint64 i, bool average) private view {
        uint64 taps = uint64(w.kernelH) * w.kernelW;
        uint64 o = i / (taps + 1);
        uint64 r = i % (taps + 1);
        if (r == taps) {
            uint64 value = average ? _div(run.acc, SoftFloat.fromInt(int256(uint256(taps)))) : run.acc;
            return _setF32(run, SCRATCH, w.destination + o, value);
        }
        uint64 v = _f32(run, SCRATCH, _windowElement(w, o, r));
        if (average) run.acc = SoftFloat.add(r == 0 ? ZERO : run.acc, v);
        else if (r == 0 || SoftFloat.lt(run.acc, v)) run.acc = v;
    }

    /// @dev Input element t gets the shares dY[o] / (kH·kW) of the windows holding it, rows then columns ascending
    /// (the engine's order of outputs), rounded to binary32 after each addition; then the sum is stored.
    function _averagePoolBackward(Run memory run, Window memory w, uint64 i) private view {
        (uint64 overlapH, uint64 overlapW) = _poolOverlap(w);
        uint64 taps = overlapH * overlapW;
        uint64 t = i / (taps + 1);
        uint64 r = i % (taps + 1);
        if (r == taps) return _setF32(run, SCRATCH, w.destination + t, run.acc);
        if (r == 0) run.acc = ZERO;
        (bool holds, uint64 o) = _averagePoolWindow(w, t, r / overlapW, r % overlapW);
        if (!holds) return;
        uint64 share = _div(_f32(run, SCRATCH, w.outputGradient + o), SoftFloat.fromInt(int256(uint256(w.kernelH) * w.kernelW)));
        run.acc = SoftFloat.toF64(SoftFloat.toF32(SoftFloat.add(run.acc, share)));
    }

    /// @dev The output `o` whose window is the (row, column)-th of those that may hold input element t, if it
    /// exists and holds t.
    function _averagePoolWindow(Window memory w, uint64 t, uint64 row, uint64 column) private pure returns (bool, uint64) {
        uint64 iy = (t / w.width) % w.height;
        uint64 ix = t % w.width;
        uint64 oy = _firstWindow(iy, w.kernelH, w.strideH) + row;
        uint64 ox = _firstWindow(ix, w.kernelW, w.strideW) + column;
        if (oy * w.strideH > iy || oy >= w.outH || ox * w.strideW > ix || ox >= w.outW) return (false, 0);
        return (true, ((t / (uint64(w.height) * w.width)) * w.outH + oy) * w.outW + ox);
    }

    /// @dev Per axis, how many windows of an average pooling may hold one element: ⌈kernel / stride⌉, at most the output's size.
    function _poolOverlap(Window memory w) private pure returns (uint64, uint64) {
        return (uint64(Math.min(Math.ceilDiv(w.kernelH, w.strideH), w.outH)), uint64(Math.min(Math.ceilDiv(w.kernelW, w.strideW), w.outW)));
    }

    /// @dev The first window along one axis holding element `index`: the first whose end passes it.
    function _firstWindow(uint64 index, uint64 kernel, uint64 stride) private pure returns (uint64) {
        return index < kernel ? 0 : (index - kernel) / stride + 1;
    }

    /// @dev The gradient goes to the window's first maximum: the first element equal to the maximum, or the first
    /// element when the maximum is NaN (what the engine's strict `>` scan keeps).
    function _maxPoolBackward(Run memory run, Window memory w, uint64 i) private pure {
        (bool inWindow, uint64 o, uint64 tap) = _poolWindowOf(w, i);
        uint64 value = ZERO;
        if (inWindow && _firstMaximum(run, w, o) == tap) value = SoftFloat.add(ZERO, _f32(run, SCRATCH, w.outputGradient + o));
        _setF32(run, SCRATCH, w.destination + i, value);
    }

    /// @dev The window (output `o`) input element `i` lies in, and its tap there; non-overlapping windows only.
    function _poolWindowOf(Window memory w, uint64 i) private pure returns (bool, uint64, uint64) {
        uint64 oy = (i / w.width) % w.height / w.strideH;
        uint64 ox = i % w.width / w.strideW;
        uint64 ky = (i / w.width) % w.height - oy * w.strideH;
        uint64 kx = i % w.width - ox * w.strideW;
        if (ky >= w.kernelH || kx >= w.kernelW || oy >= w.outH || ox >= w.outW) return (false, 0, 0);
        return (true, ((i / (uint64(w.height) * w.width)) * w.outH + oy) * w.outW + ox, ky * w.kernelW + kx);
    }

    function _firstMaximum(Run memory run, Window memory w, uint64 o) private pure returns (uint64 first) {
        uint64 max = _f32(run, SCRATCH, w.forwardOutput + o);
        uint64 taps = uint64(w.kernelH) * w.kernelW;
        while (first < taps && !SoftFloat.eq(_f32(run, SCRATCH, _windowElement(w, o, first)), max)) first++;
        if (first == taps) first = 0;
    }

    /// @dev The input slot of element `r` of output `o`'s window.
    function _windowElement(Window memory w, uint64 o, uint64 r) private pure returns (uint64) {
        uint64 outPlane = uint64(w.outH) * w.outW;
        uint64 row = (o % outPlane) / w.outW * w.strideH + r / w.kernelW;
        uint64 column = (o % w.outW) * w.strideW + r % w.kernelW;
        return w.source + (o / outPlane) * w.height * w.width + row * w.width + column;
    }

    function _flatten(Run memory run, Flatten memory f, uint64 i) private pure {
        uint64 b = run.job.batchSize / run.job.microBatches;
        uint64 from;
        if (f.backward) from = ((i / f.plane) % b * f.channels + i / (b * f.plane)) * f.plane + i % f.plane;
        else from = ((i / f.plane) % f.channels * b + i / (uint64(f.channels) * f.plane)) * f.plane + i % f.plane;
        _setF32(run, SCRATCH, f.destination + i, _f32(run, SCRATCH, f.source + from));
    }

    function _gather(Run memory run, bytes memory args, uint64 i) private view {
        (uint32 microBatch, uint32 destination) = abi.decode(args, (uint32, uint32));
        VmJob memory job = run.job;
        uint64 plane = job.width / job.channels;
        uint64 e = i / job.width;
        uint64 q = i % job.width;
        uint64 c = q / plane;
        uint64 example = _example(run, microBatch, e);
        uint64 value = _div(SoftFloat.fromInt(int256(uint256(_dataByte(run, example * job.width + q)))), F255);
        uint64 examples = job.batchSize / job.microBatches;
        _setF32(run, SCRATCH, destination + (c * examples + e) * plane + (q - c * plane), value);
    }

    function _matMul(Run memory run, MatMul memory mm, uint64 i) private pure {
        uint64 element = i / (uint64(mm.k) + 1);
        uint64 r = i % (uint64(mm.k) + 1);
        uint64 row = element / mm.n;
        uint64 column = element % mm.n;
        if (r < mm.k) {
            uint64 term = _f32(run, mm.b.tree, mm.b.offset + r * mm.b.outer + column * mm.b.inner);
            if (mm.hasA) term = SoftFloat.mul(_f32(run, mm.a.tree, mm.a.offset + row * mm.a.outer + r * mm.a.inner), term);
            run.acc = SoftFloat.add(r == 0 ? ZERO : run.acc, term);
            return;
        }
        uint64 sum = SoftFloat.toF64(SoftFloat.toF32(run.acc));
        if (mm.hasBias) sum = SoftFloat.add(sum, _f32(run, CHECKPOINT, mm.bias + (mm.biasPerRow ? row : column)));
        _setF32(run, SCRATCH, mm.destination + element, sum);
    }

    /// @dev Softmax and LogSoftmax start alike: the first maximum, then the exponentials and their sum. LogSoftmax
    /// then keeps log S in the sum's slot and stores y_j = (z_j − max) − log S.
    function _softmax(Run memory run, Operator memory operator, uint64 i) private view {
        bool log = operator.kind == LOG_SOFTMAX;
        uint32 microBatch;
        uint32 logits;
        uint32 destination;
        if (log) (logits, destination) = abi.decode(operator.args, (uint32, uint32));
        else (microBatch, logits, destination) = abi.decode(operator.args, (uint32, uint32, uint32));
        uint64 classes = run.job.classes;
        uint64 e = i / (3 * classes + 2);
        uint64 r = i % (3 * classes + 2);
        if (r < classes) {
            uint64 z = _f32(run, SCRATCH, logits + e * classes + r);
            if (r == 0 || SoftFloat.lt(run.acc, z)) run.acc = z;
        } else if (r == classes) {
            _setF32(run, SCRATCH, SOFTMAX_MAX, run.acc);
        } else if (r <= 2 * classes) {
            _exponential(run, logits + e * classes, r - classes - 1);
        } else if (r == 2 * classes + 1) {
            _setF64(run, SCRATCH, SOFTMAX_SUM, log ? _log(run.acc) : run.acc);
        } else if (log) {
            uint64 j = r - 2 * classes - 2;
            uint64 y = SoftFloat.sub(_shifted(run, logits + e * classes + j), _f64(run, SCRATCH, SOFTMAX_SUM));
            _setF32(run, SCRATCH, destination + e * classes + j, y);
        } else {
            _softmaxGradient(run, microBatch, destination, e, r - 2 * classes - 2);
        }
    }

    /// @dev e_j = fround(expF64(z_j − max)) of the logits at `row`: stored, and added to the sum in acc.
    function _exponential(Run memory run, uint64 row, uint64 j) private view {
        uint64 exponential = SoftFloat.toF64(SoftFloat.toF32(_call(functions.expF64, _shifted(run, row + j))));
        _setF32(run, SCRATCH, SOFTMAX_EXPONENTIALS + j, exponential);
        run.acc = SoftFloat.add(j == 0 ? ZERO : run.acc, exponential);
    }

    /// @dev log S for LogSoftmax's sum slot (apart from {_softmax}, whose variables fill the stack).
    function _log(uint64 sum) private view returns (uint64) {
        return _call(functions.logF64, sum);
    }

    /// @dev z − max for the logit at `slot`.
    function _shifted(Run memory run, uint64 slot) private pure returns (uint64) {
        return SoftFloat.sub(_f32(run, SCRATCH, slot), _f32(run, SCRATCH, SOFTMAX_MAX));
    }

    /// @dev The loss gradient of example `e`'s logit `j`: (e_j / S − [j = label]) / B.
    function _softmaxGradient(Run memory run, uint32 microBatch, uint32 gradient, uint64 e, uint64 j) private view {
        VmJob memory job = run.job;
        uint64 label = _dataByte(run, uint64(job.examples) * job.width + _example(run, microBatch, e));
        uint64 p = _div(_f32(run, SCRATCH, SOFTMAX_EXPONENTIALS + j), _f64(run, SCRATCH, SOFTMAX_SUM));
        uint64 g = _div(SoftFloat.sub(p, j == label ? ONE : ZERO), SoftFloat.fromInt(int256(uint256(job.batchSize))));
        _setF32(run, SCRATCH, gradient + e * job.classes + j, g);
    }

    /// @dev T = Σ_k dy_k, then dz_j = dy_j − expF64(y_j)·T in place (logSoftmax.ts).
    function _logSoftmaxBackward(Run memory run, bytes memory args, uint64 i) private view {
        (uint32 gradient, uint32 activation) = abi.decode(args, (uint32, uint32));
        uint64 classes = run.job.classes;
        uint64 r = i % (2 * classes);
        uint64 element = i / (2 * classes) * classes + r % classes; // example e's j-th: e·C + j
        uint64 dy = _f32(run, SCRATCH, gradient + element);
        if (r < classes) {
            run.acc = SoftFloat.add(r == 0 ? ZERO : run.acc, dy);
            return;
        }
        _setF32(run, SCRATCH, gradient + element, _logSoftmaxGradient(dy, _f32(run, SCRATCH, activation + element), run.acc));
    }

    /// @dev dy − expF64(y)·T.
    function _logSoftmaxGradient(uint64 dy, uint64 y, uint64 total) private view returns (uint64) {
        return SoftFloat.sub(dy, SoftFloat.mul(_call(functions.expF64, y), total));
    }

    function _power(Run memory run, Operator memory operator, uint64 i) private pure {
        (uint64 base,, bool learningRate, uint64 scale, uint32 destination) =
            abi.decode(operator.args, (uint64, bool, bool, uint64, uint32));
        if (_multiply(run, i, _count(run, operator), base)) return;
        if (learningRate) _setF32(run, SCRATCH, destination, SoftFloat.mul(scale, run.acc));
        else _setF64(run, SCRATCH, destination, SoftFloat.sub(ONE, run.acc));
    }

    /// @dev Instruction `i` of a power of `count` instructions: acc = 1, then acc·base; false at the last, which
    /// stores acc.
    function _multiply(Run memory run, uint64 i, uint64 count, uint64 base) private pure returns (bool) {
        if (i == count - 1) return false;
        run.acc = i == 0 ? ONE : SoftFloat.mul(run.acc, base);
        return true;
    }

    /// @dev The step schedule is a power: η₀·γ^⌊e/k⌋. The cosine schedule is one instruction at the job's step t:
    /// η₀·(t/W) in the warm-up (t < W), else η_min + (η₀ − η_min)·(0.5·(1 + cosF64(π·p))), p = min(1, (t − W)/(T − W)).
    function _schedule(Run memory run, Operator memory operator, uint64 i) private view {
        Schedule memory s = abi.decode(operator.args, (Schedule));
        if (!s.cosine) {
            if (!_multiply(run, i, _count(run, operator), s.gamma)) {
                _setF32(run, SCRATCH, LEARNING_RATE, SoftFloat.mul(s.learningRate, run.acc));
            }
            return;
        }
        int256 t = int256(uint256(run.step));
        int256 warmup = int256(uint256(s.warmupSteps));
        if (t < warmup) {
            uint64 ramp = _div(SoftFloat.fromInt(t), SoftFloat.fromInt(warmup));
            return _setF32(run, SCRATCH, LEARNING_RATE, SoftFloat.mul(s.learningRate, ramp));
        }
        uint64 p = _div(SoftFloat.fromInt(t - warmup), SoftFloat.fromInt(int256(uint256(s.totalSteps)) - warmup));
        // Math.min(1, p): a NaN p stays NaN.
        if (SoftFloat.lt(ONE, p)) p = ONE;
        uint64 half = SoftFloat.mul(HALF, SoftFloat.add(ONE, _call(functions.cosF64, SoftFloat.mul(PI, p))));
        uint64 rate = SoftFloat.add(s.minLearningRate, SoftFloat.mul(SoftFloat.sub(s.learningRate, s.minLearningRate), half));
        _setF32(run, SCRATCH, LEARNING_RATE, rate);
    }

    /// @dev Per parameter, micro-batch by micro-batch: acc = g₀, then acc + g_r; the last also stores ĝ = fround(acc)
    /// over micro-batch 0's gradient.
    function _reduce(Run memory run, uint64 i) private pure {
        uint64 microBatches = run.job.microBatches;
        uint64 p = i / microBatches;
        uint64 r = i % microBatches;
        _accumulate(run, p, r);
        if (r == microBatches - 1) _setF32(run, SCRATCH, run.job.gradients + p, run.acc);
    }

    /// @dev Micro-batch `r`'s gradient of parameter `p` into the binary64 sum in acc.
    function _accumulate(Run memory run, uint64 p, uint64 r) private pure {
        uint64 gradient = _f32(run, SCRATCH, run.job.gradients + r * run.job.parameters + p);
        run.acc = r == 0 ? gradient : SoftFloat.add(run.acc, gradient);
    }

    /// @dev Instructions 0 … P − 1: acc = (first ? 0 : acc) + ĝ·ĝ over the reduced gradient in index order; then
    /// k = C / (√acc + 10⁻⁶) and the factor k < 1 ? k : 1 (1 for a NaN k) as a binary64.
    function _clipFactor(Run memory run, uint64 maxNorm, uint64 i) private view {
        if (i < run.job.parameters) {
            uint64 g = _f32(run, SCRATCH, run.job.gradients + i);
            run.acc = SoftFloat.add(i == 0 ? ZERO : run.acc, SoftFloat.mul(g, g));
            return;
        }
        uint64 k = _div(maxNorm, SoftFloat.add(_sqrt(run.acc), CLIP_EPSILON));
        _setF64(run, SCRATCH, CLIPPING, SoftFloat.lt(k, ONE) ? k : ONE);
    }

    /// @dev Per parameter, ĝ into acc (the micro-batches' sum, or, clipped, fround(reduced ĝ · factor), which is ĝ
    /// for a factor of 1), then the optimizer's phases.
    function _optimizer(Run memory run, bytes memory args, uint64 i) private view {
        VmJob memory job = run.job;
        bool clipped = _clipped(args);
        uint64 loads = clipped ? 1 : job.microBatches;
        uint64 per = loads + (job.optimizer == SGD ? 2 : 3);
        uint64 p = i / per;
        uint64 r = i % per;
        if (r < loads) {
            if (!clipped) return _accumulate(run, p, r);
            uint64 scaled = SoftFloat.mul(_f32(run, SCRATCH, job.gradients + p), _f64(run, SCRATCH, CLIPPING));
            run.acc = SoftFloat.toF64(SoftFloat.toF32(scaled));
            return;
        }
        uint64 w = _f32(run, CHECKPOINT, HEADER_SLOTS + p);
        // AdamW's weight decay is decoupled: its gradient is ĝ + 0·w, as the engine computes it.
        uint64 decay = job.optimizer == ADAMW ? ZERO : job.weightDecay;
        uint64 g = SoftFloat.add(SoftFloat.toF64(SoftFloat.toF32(run.acc)), SoftFloat.mul(decay, w));
        if (job.optimizer == SGD) _sgd(run, p, r - loads, w, g);
        else _adam(run, p, r - loads, w, g);
    }

    /// @dev SGD's phase 0 updates the velocity, phase 1 the weight.
    function _sgd(Run memory run, uint64 p, uint64 phase, uint64 w, uint64 g) private pure {
        uint64 velocity = HEADER_SLOTS + uint64(run.job.parameters) + p;
        if (phase == 0) {
            _setF32(run, CHECKPOINT, velocity, SoftFloat.add(SoftFloat.mul(run.job.momentum, _f32(run, CHECKPOINT, velocity)), g));
            return;
        }
        uint64 change = SoftFloat.mul(_f32(run, SCRATCH, LEARNING_RATE), _f32(run, CHECKPOINT, velocity));
        _setF32(run, CHECKPOINT, HEADER_SLOTS + p, SoftFloat.sub(w, change));
    }

    /// @dev Adam's and AdamW's phase 0 updates m, phase 1 v, phase 2 the weight (AdamW's first shrunk: w·(1 − η·λ)).
    function _adam(Run memory run, uint64 p, uint64 phase, uint64 w, uint64 g) private view {
        VmJob memory job = run.job;
        uint64 first = HEADER_SLOTS + uint64(job.parameters) + p;
        uint64 second = first + job.parameters;
        if (phase == 0) {
            uint64 decayed = SoftFloat.mul(job.beta1, _f32(run, CHECKPOINT, first));
            _setF32(run, CHECKPOINT, first, SoftFloat.add(decayed, SoftFloat.mul(SoftFloat.sub(ONE, job.beta1), g)));
        } else if (phase == 1) {
            uint64 decayed = SoftFloat.mul(job.beta2, _f32(run, CHECKPOINT, second));
            uint64 squared = SoftFloat.mul(SoftFloat.mul(SoftFloat.sub(ONE, job.beta2), g), g);
            _setF32(run, CHECKPOINT, second, SoftFloat.add(decayed, squared));
        } else {
            uint64 mHat = _div(_f32(run, CHECKPOINT, first), _f64(run, SCRATCH, CORRECTION_1));
            uint64 vHat = _div(_f32(run, CHECKPOINT, second), _f64(run, SCRATCH, CORRECTION_2));
            uint64 lr = _f32(run, SCRATCH, LEARNING_RATE);
            uint64 numerator = SoftFloat.mul(lr, mHat);
            uint64 denominator = SoftFloat.add(_sqrt(vHat), job.epsilon);
            if (job.optimizer == ADAMW) w = SoftFloat.mul(w, SoftFloat.sub(ONE, SoftFloat.mul(lr, job.weightDecay)));
            _setF32(run, CHECKPOINT, HEADER_SLOTS + p, SoftFloat.sub(w, _div(numerator, denominator)));
        }
    }

    /// @dev The end of the step: the checkpoint header's step, epoch and batch advance (bytes 8–23 of word 0);
    /// the scratch clears; the accumulator is 0.
    function _endStep(Run memory run) private pure returns (bytes32) {
        Word memory word = run.words[_find(run, CHECKPOINT, 0)];
        uint64 next = run.step + 1;
        uint64 stepsPerEpoch = run.job.examples / run.job.batchSize;
        bytes32 value = _put(word.value, 8, _le(next, 8), 8);
        value = _put(value, 16, _le(next / stepsPerEpoch, 4), 4);
        word.value = _put(value, 20, _le(next % stepsPerEpoch, 4), 4);
        return commitment(_root(0, word.value, word.siblings), emptyRoot(run.job.scratchDepth), 0);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Calls to {functions}: an external call's encoding is code, so the unary functions share one call site

    /// @dev f(x) for a unary function of {functions}.
    function _call(function(uint64) external pure returns (uint64) f, uint64 x) private pure returns (uint64) {
        return f(x);
    }

    /// @dev a / b (`SoftFloat.div`).
    function _div(uint64 a, uint64 b) private view returns (uint64) {
        return functions.div(a, b);
    }

    /// @dev √a (`SoftFloat.sqrt`).
    function _sqrt(uint64 a) private view returns (uint64) {
        return _call(functions.sqrt, a);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Memory

    function _example(Run memory run, uint64 microBatch, uint64 e) private pure returns (uint64) {
        VmJob memory job = run.job;
        uint64 position = run.batch * job.batchSize + microBatch * (job.batchSize / job.microBatches) + e;
        return dataOrder(job.seed, run.epoch, job.examples, position);
    }

    function _find(Run memory run, uint8 tree, uint64 index) private pure returns (uint256) {
        for (uint256 i = 0; i < run.words.length; i++) {
            if (run.words[i].tree == tree && run.words[i].index == index) return i;
        }
        revert TrainingVmWordMissing(tree, index);
    }

    function _dataByte(Run memory run, uint64 offset) private pure returns (uint64) {
        return uint8(run.words[_find(run, DATA, offset / 32)].value[offset % 32]);
    }

    /// @dev The binary32 at a slot, widened to binary64.
    function _f32(Run memory run, uint8 tree, uint64 slot) private pure returns (uint64) {
        bytes32 value = run.words[_find(run, tree, slot / 8)].value;
        return SoftFloat.toF64(uint32(_fromLe(value, (slot % 8) * 4, 4)));
    }

    /// @dev The binary64 at an even slot.
    function _f64(Run memory run, uint8 tree, uint64 slot) private pure returns (uint64) {
        bytes32 value = run.words[_find(run, tree, slot / 8)].value;
        return uint64(_fromLe(value, (slot % 8) * 4, 8));
    }

    /// @dev Stores a binary64 value rounded to binary32.
    function _setF32(Run memory run, uint8 tree, uint64 slot, uint64 value) private pure {
        _write(run, tree, slot, _le(SoftFloat.toF32(value), 4), 4);
    }

    function _setF64(Run memory run, uint8 tree, uint64 slot, uint64 value) private pure {
        _write(run, tree, slot, _le(value, 8), 8);
    }

    function _write(Run memory run, uint8 tree, uint64 slot, uint256 littleEndian, uint256 size) private pure {
        uint256 index = _find(run, tree, slot / 8);
        Word memory word = run.words[index];
        word.value = _put(word.value, (slot % 8) * 4, littleEndian, size);
        run.written = index;
    }

    /// @dev `size` bytes at byte `offset` of a word, read as a little-endian integer.
    function _fromLe(bytes32 word, uint256 offset, uint256 size) private pure returns (uint256 x) {
        for (uint256 i = 0; i < size; i++) x |= uint256(uint8(word[offset + i])) << (8 * i);
    }

    /// @dev The `size` bytes of `x`, little-endian, as the top bytes of an integer (ready for {_put}).
    function _le(uint256 x, uint256 size) private pure returns (uint256 bytesBigEndian) {
        for (uint256 i = 0; i < size; i++) bytesBigEndian = (bytesBigEndian << 8) | ((x >> (8 * i)) & 0xff);
    }

    /// @dev Replaces bytes [offset, offset + size) of a word with the `size` bytes `value` holds (first byte highest).
    function _put(bytes32 word, uint256 offset, uint256 value, uint256 size) private pure returns (bytes32) {
        uint256 shift = 8 * (32 - offset - size);
        uint256 mask = ((uint256(1) << (8 * size)) - 1) << shift;
        return bytes32((uint256(word) & ~mask) | (value << shift));
    }

    /// @dev The root a leaf's path leads to (keepers/src/trainingVm/wordTree.ts `rootFrom`).
    function _root(uint64 index, bytes32 leaf, bytes32[] memory siblings) private pure returns (bytes32 node) {
        node = leaf;
        for (uint256 h = 0; h < siblings.length; h++) {
            node = (index >> h) & 1 == 1
                ? keccak256(abi.encodePacked(siblings[h], node))
                : keccak256(abi.encodePacked(node, siblings[h]));
        }
    }

    function _mix64(uint64 z) private pure returns (uint64) {
        unchecked {
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
            z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
            return z ^ (z >> 31);
        }
    }
}
