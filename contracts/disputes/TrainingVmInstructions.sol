// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ITrainingVm} from "../interfaces/ITrainingVm.sol";
import {SoftFloat} from "../libraries/SoftFloat.sol";
import {CHECKPOINT, HEADER_SLOTS, SCRATCH, TrainingVmMemory} from "../libraries/TrainingVmMemory.sol";
import {TrainingVmFunctions} from "./TrainingVmFunctions.sol";

/// @title TrainingVmInstructions
/// @notice What each instruction of the training VM does (docs/training-vm.md §4), bit for bit as
/// keepers/src/trainingVm/executeInstruction.ts does: how many instructions an operator has in a step, and one
/// instruction executed over the words `TrainingVm` opened and proved. `TrainingVm` deploys this contract in its
/// constructor and calls it, so that neither contract's runtime code passes EIP-170's 24,576 bytes (§5).
/// @dev Stateless. A word the instruction needs but the caller did not open reverts with `TrainingVmWordMissing`.
contract TrainingVmInstructions is ITrainingVm {
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

    /// @notice A BatchNorm's forward over `channels` channels of `plane` values per example: its input, x̂, its
    /// channels' words, its output, γ's and β's checkpoint slots, the running statistics' gradient slots, ε.
    struct BatchNorm {
        uint32 channels;
        uint32 plane;
        uint32 source;
        uint32 normalized;
        uint32 statistics;
        uint32 destination;
        uint32 scale;
        uint32 bias;
        uint32 meanGradient;
        uint32 varianceGradient;
        uint64 epsilon;
    }

    /// @notice A BatchNorm's backward: its output's gradient, x̂, its channels' words, γ's checkpoint slot, γ's and
    /// β's gradient slots, and its input's gradient if any.
    struct BatchNormBackward {
        uint32 channels;
        uint32 plane;
        uint32 gradient;
        uint32 normalized;
        uint32 statistics;
        uint32 scale;
        uint32 scaleGradient;
        uint32 biasGradient;
        bool inputGradient;
        uint32 destination;
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
    uint8 internal constant BATCH_NORM = 25;
    uint8 internal constant BATCH_NORM_BACKWARD = 26;
    uint8 internal constant DROPOUT = 27;
    uint8 internal constant SUB = 28;
    uint8 internal constant NEGATE = 29;
    uint8 internal constant MUL = 30;

    /// @dev `VmJob.optimizer`: the checkpoint header's optimizer ids (docs/training.md §8); 1 is Adam.
    uint8 internal constant SGD = 0;
    uint8 internal constant ADAMW = 2;

    uint64 internal constant LEARNING_RATE = 0;
    uint64 internal constant CORRECTION_1 = 2;
    uint64 internal constant CORRECTION_2 = 4;
    uint64 internal constant CLIPPING = 6;
    uint64 internal constant SOFTMAX_MAX = 8;
    uint64 internal constant SOFTMAX_SUM = 10;
    uint64 internal constant SOFTMAX_EXPONENTIALS = 12;
    /// @dev A BatchNorm channel's binary64 values in its word: μ at +0, then inv, Σ dy, Σ dy·x̂.
    uint64 internal constant BN_INVERSE = 2;
    uint64 internal constant BN_SUM_DY = 4;
    uint64 internal constant BN_SUM_DY_X = 6;

    uint64 internal constant ZERO = 0;
    uint64 internal constant ONE = 0x3FF0000000000000;
    uint64 internal constant F255 = 0x406FE00000000000;
    uint64 internal constant HALF = 0x3FE0000000000000;
    uint64 internal constant PI = 0x400921FB54442D18; // Math.PI
    uint64 internal constant CLIP_EPSILON = 0x3EB0C6F7A0B5ED8D; // 1e-6, PyTorch's clip_grad_norm_'s

    /// @notice The soft-float functions the instructions call besides the elementary arithmetic (div, sqrt, exp, log,
    /// cos, sigmoid, tanh, and Dropout's element): a contract of their own, deployed by the constructor, so that
    /// their code is not part of this contract's runtime code (EIP-170).
    TrainingVmFunctions public immutable functions;

    constructor() {
        functions = new TrainingVmFunctions();
    }

    /// @notice The number of instructions of `operator` in step `stepIndex` of `job` (docs/training-vm.md §4).
    /// @dev Reverts with `TrainingVmUnknownOperator` for a kind §4 does not have.
    function count(VmJob calldata job, uint64 stepIndex, Operator calldata operator) external pure returns (uint64) {
        return _count(TrainingVmMemory.start(job, stepIndex, 0, new Word[](0)), operator);
    }

    /// @notice Executes instruction `i` of `operator` in step `stepIndex` of `job`, from the accumulator `acc` over
    /// the opened `words` (proven by the caller), and returns the accumulator after it and the word it wrote.
    /// @dev Reverts with `TrainingVmInstructionOutOfRange` when `i` is past the operator's end, and with
    /// `TrainingVmUnknownOperator` for `end`, which `TrainingVm` executes (it rewrites the trees, not a word).
    /// @return accAfter The accumulator after the instruction.
    /// @return written The index in `words` of the word the instruction wrote, or `type(uint256).max` for none.
    /// @return value That word's new value (zero when none was written).
    function execute(VmJob calldata job, uint64 stepIndex, uint64 acc, Word[] calldata words, Operator calldata operator, uint64 i)
        external
        view
        returns (uint64 accAfter, uint256 written, bytes32 value)
    {
        TrainingVmMemory.Run memory run = TrainingVmMemory.start(job, stepIndex, acc, words);
        if (operator.kind == END) revert TrainingVmUnknownOperator(END);
        uint64 instructions = _count(run, operator);
        if (i >= instructions) revert TrainingVmInstructionOutOfRange(i, instructions);
        _execute(run, operator, i);
        accAfter = run.acc;
        written = run.written;
        if (written < words.length) value = run.words[written].value;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Counts (keepers/src/trainingVm/stepProgram.ts `instructionCount`)

    function _count(TrainingVmMemory.Run memory run, Operator memory operator) private pure returns (uint64) {
        VmJob memory job = run.job;
        uint64 b = job.batchSize / job.microBatches;
        uint8 kind = operator.kind;
        if (kind == GATHER) return b * job.width;
        if (kind == MAT_MUL) {
            MatMul memory mm = abi.decode(operator.args, (MatMul));
            return uint64(mm.m) * mm.n * (uint64(mm.k) + 1);
        }
        if (
            kind == RELU || kind == RELU_MASK || kind == ADD || (kind >= SIGMOID && kind <= TANH_BACKWARD)
                || (kind >= DROPOUT && kind <= MUL)
        ) {
            return abi.decode(operator.args, (uint32));
        }
        if (kind == SOFTMAX || kind == LOG_SOFTMAX) return b * (3 * uint64(job.classes) + 2);
        if (kind == LOG_SOFTMAX_BACKWARD) return b * 2 * job.classes;
        if (kind == POWER) {
            (, bool perStep,,,) = abi.decode(operator.args, (uint64, bool, bool, uint64, uint32));
            if (!perStep) return run.epoch + 2;
            return (job.rounds ? run.step % job.checkpointInterval : run.step) + 3;
        }
        if (kind == OPTIMIZER) return uint64(job.parameters) * (_loads(operator.args, job) + (job.optimizer == SGD ? 2 : 3));
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
        if (kind == BATCH_NORM) {
            BatchNorm memory bn = abi.decode(operator.args, (BatchNorm));
            return bn.channels * (4 * b * bn.plane + 4);
        }
        if (kind == BATCH_NORM_BACKWARD) {
            BatchNormBackward memory bn = abi.decode(operator.args, (BatchNormBackward));
            return bn.channels * ((bn.inputGradient ? 3 : 2) * b * bn.plane + 4);
        }
        revert TrainingVmUnknownOperator(kind);
    }

    /// @dev An optimizer's fields: none (it sums the micro-batches' gradients), or `true` when it reads the reduced
    /// gradient and the clipping's factor instead, then any running statistics.
    function _clipped(bytes memory args) private pure returns (bool) {
        return args.length != 0 && abi.decode(args, (bool));
    }

    /// @dev An optimizer's loads per parameter: 1 (the clipped ĝ) when it clips and has no running statistics, else
    /// one per micro-batch.
    function _loads(bytes memory args, VmJob memory job) private pure returns (uint64) {
        return _clipped(args) && args.length == 32 ? 1 : job.microBatches;
    }

    /// @dev Whether parameter `p` is a running statistic's, and its momentum (`TrainingVmFunctions.runningStatistic`).
    function _statistic(bytes memory args, uint64 p) private view returns (bool, uint64) {
        return args.length <= 32 ? (false, 0) : functions.runningStatistic(args, p);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Instructions (keepers/src/trainingVm/executeInstruction.ts, in the same order of cases)

    function _execute(TrainingVmMemory.Run memory run, Operator memory operator, uint64 i) private view {
        uint8 kind = operator.kind;
        if (kind == GATHER) return _gather(run, operator.args, i);
        if (kind == MAT_MUL) return _matMul(run, abi.decode(operator.args, (MatMul)), i);
        if (kind == RELU) {
            (, uint32 source, uint32 destination) = abi.decode(operator.args, (uint32, uint32, uint32));
            uint64 x = TrainingVmMemory.f32(run, SCRATCH, source + i);
            return TrainingVmMemory.setF32(run, SCRATCH, destination + i, SoftFloat.lt(ZERO, x) ? x : ZERO);
        }
        if (kind == RELU_MASK) {
            (, uint32 gradient, uint32 activation) = abi.decode(operator.args, (uint32, uint32, uint32));
            uint64 y = TrainingVmMemory.f32(run, SCRATCH, activation + i);
            return TrainingVmMemory.setF32(run, SCRATCH, gradient + i, SoftFloat.lt(ZERO, y) ? TrainingVmMemory.f32(run, SCRATCH, gradient + i) : ZERO);
        }
        if (kind == ADD || kind == SUB || kind == MUL) {
            (, uint32 first, uint32 second, uint32 result) = abi.decode(operator.args, (uint32, uint32, uint32, uint32));
            uint64 a = TrainingVmMemory.f32(run, SCRATCH, first + i);
            uint64 b = TrainingVmMemory.f32(run, SCRATCH, second + i);
            uint64 y = kind == ADD ? SoftFloat.add(a, b) : kind == SUB ? SoftFloat.sub(a, b) : SoftFloat.mul(a, b);
            return TrainingVmMemory.setF32(run, SCRATCH, result + i, y);
        }
        if (kind == NEGATE) {
            (, uint32 source, uint32 destination) = abi.decode(operator.args, (uint32, uint32, uint32));
            // The sign bit flipped: exact, as the engine's −g.
            uint64 negated = TrainingVmMemory.f32(run, SCRATCH, source + i) ^ (uint64(1) << 63);
            return TrainingVmMemory.setF32(run, SCRATCH, destination + i, negated);
        }
        if (kind == SIGMOID || kind == TANH || kind == DROPOUT) {
            (, uint32 source, uint32 destination) = abi.decode(operator.args, (uint32, uint32, uint32));
            uint64 x = TrainingVmMemory.f32(run, SCRATCH, source + i);
            uint64 y = kind == SIGMOID
                ? _call(functions.sigmoidF64, x)
                : kind == TANH
                    ? _call(functions.tanhF64, x)
                    : functions.dropout(operator.args, run.job.seed, run.step, run.job.batchSize / run.job.microBatches, i, x);
            return TrainingVmMemory.setF32(run, SCRATCH, destination + i, y);
        }
        if (kind == SIGMOID_BACKWARD || kind == TANH_BACKWARD) {
            (, uint32 gradient, uint32 activation) = abi.decode(operator.args, (uint32, uint32, uint32));
            uint64 y = TrainingVmMemory.f32(run, SCRATCH, activation + i);
            // The derivative from the output y (smoothActivation.ts): y·(1 − y) for Sigmoid, 1 − y·y for Tanh.
            uint64 derivative = kind == SIGMOID_BACKWARD ? SoftFloat.mul(y, SoftFloat.sub(ONE, y)) : SoftFloat.sub(ONE, SoftFloat.mul(y, y));
            return TrainingVmMemory.setF32(run, SCRATCH, gradient + i, SoftFloat.mul(TrainingVmMemory.f32(run, SCRATCH, gradient + i), derivative));
        }
        if (kind == SOFTMAX || kind == LOG_SOFTMAX) return _softmax(run, operator, i);
        if (kind == LOG_SOFTMAX_BACKWARD) return _logSoftmaxBackward(run, operator.args, i);
        if (kind == POWER) return _power(run, operator, i);
        if (kind == SCHEDULE) return _schedule(run, operator, i);
        if (kind == REDUCE) return _reduce(run, operator.args, i);
        if (kind == CLIP_FACTOR) return _clipFactor(run, operator.args, i);
        if (kind == OPTIMIZER) return _optimizer(run, operator.args, i);
        if (kind == IM2COL) return _im2col(run, abi.decode(operator.args, (Window)), i);
        if (kind == COL2IM) return _col2im(run, abi.decode(operator.args, (Window)), i);
        if (kind == MAX_POOL || kind == AVERAGE_POOL) return _pool(run, abi.decode(operator.args, (Window)), i, kind == AVERAGE_POOL);
        if (kind == MAX_POOL_BACKWARD) return _maxPoolBackward(run, abi.decode(operator.args, (Window)), i);
        if (kind == AVERAGE_POOL_BACKWARD) return _averagePoolBackward(run, abi.decode(operator.args, (Window)), i);
        if (kind == BATCH_NORM) return _batchNorm(run, abi.decode(operator.args, (BatchNorm)), i);
        if (kind == BATCH_NORM_BACKWARD) return _batchNormBackward(run, abi.decode(operator.args, (BatchNormBackward)), i);
        return _flatten(run, abi.decode(operator.args, (Flatten)), i);
    }

    function _im2col(TrainingVmMemory.Run memory run, Window memory w, uint64 i) private pure {
        uint64 b = run.job.batchSize / run.job.microBatches;
        uint64 positions = b * w.outH * w.outW;
        (bool inside, uint64 slot) = _im2colSource(w, b, i / positions, i % positions);
        TrainingVmMemory.setF32(run, SCRATCH, w.destination + i, inside ? TrainingVmMemory.f32(run, SCRATCH, slot) : ZERO);
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

    function _col2im(TrainingVmMemory.Run memory run, Window memory w, uint64 i) private pure {
        uint64 b = run.job.batchSize / run.job.microBatches;
        uint64 taps = uint64(w.kernelH) * w.kernelW;
        uint64 t = i / (taps + 1);
        uint64 r = i % (taps + 1);
        if (r == taps) return TrainingVmMemory.setF32(run, SCRATCH, w.destination + t, run.acc);
        if (r == 0) run.acc = ZERO;
        (bool contributes, uint64 slot) = _col2imSource(w, b, t, r);
        if (contributes) run.acc = SoftFloat.add(run.acc, TrainingVmMemory.f32(run, SCRATCH, slot));
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
    function _pool(TrainingVmMemory.Run memory run, Window memory w, uint64 i, bool average) private view {
        uint64 taps = uint64(w.kernelH) * w.kernelW;
        uint64 o = i / (taps + 1);
        uint64 r = i % (taps + 1);
        if (r == taps) {
            uint64 value = average ? _div(run.acc, SoftFloat.fromInt(int256(uint256(taps)))) : run.acc;
            return TrainingVmMemory.setF32(run, SCRATCH, w.destination + o, value);
        }
        uint64 v = TrainingVmMemory.f32(run, SCRATCH, _windowElement(w, o, r));
        if (average) run.acc = SoftFloat.add(r == 0 ? ZERO : run.acc, v);
        else if (r == 0 || SoftFloat.lt(run.acc, v)) run.acc = v;
    }

    /// @dev Input element t gets the shares dY[o] / (kH·kW) of the windows holding it, rows then columns ascending
    /// (the engine's order of outputs), rounded to binary32 after each addition; then the sum is stored.
    function _averagePoolBackward(TrainingVmMemory.Run memory run, Window memory w, uint64 i) private view {
        (uint64 overlapH, uint64 overlapW) = _poolOverlap(w);
        uint64 taps = overlapH * overlapW;
        uint64 t = i / (taps + 1);
        uint64 r = i % (taps + 1);
        if (r == taps) return TrainingVmMemory.setF32(run, SCRATCH, w.destination + t, run.acc);
        if (r == 0) run.acc = ZERO;
        (bool holds, uint64 o) = _averagePoolWindow(w, t, r / overlapW, r % overlapW);
        if (!holds) return;
        uint64 share = _div(TrainingVmMemory.f32(run, SCRATCH, w.outputGradient + o), SoftFloat.fromInt(int256(uint256(w.kernelH) * w.kernelW)));
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
    function _maxPoolBackward(TrainingVmMemory.Run memory run, Window memory w, uint64 i) private pure {
        (bool inWindow, uint64 o, uint64 tap) = _poolWindowOf(w, i);
        uint64 value = ZERO;
        if (inWindow && _firstMaximum(run, w, o) == tap) value = SoftFloat.add(ZERO, TrainingVmMemory.f32(run, SCRATCH, w.outputGradient + o));
        TrainingVmMemory.setF32(run, SCRATCH, w.destination + i, value);
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

    function _firstMaximum(TrainingVmMemory.Run memory run, Window memory w, uint64 o) private pure returns (uint64 first) {
        uint64 max = TrainingVmMemory.f32(run, SCRATCH, w.forwardOutput + o);
        uint64 taps = uint64(w.kernelH) * w.kernelW;
        while (first < taps && !SoftFloat.eq(TrainingVmMemory.f32(run, SCRATCH, _windowElement(w, o, first)), max)) first++;
        if (first == taps) first = 0;
    }

    /// @dev The input slot of element `r` of output `o`'s window.
    function _windowElement(Window memory w, uint64 o, uint64 r) private pure returns (uint64) {
        uint64 outPlane = uint64(w.outH) * w.outW;
        uint64 row = (o % outPlane) / w.outW * w.strideH + r / w.kernelW;
        uint64 column = (o % w.outW) * w.strideW + r % w.kernelW;
        return w.source + (o / outPlane) * w.height * w.width + row * w.width + column;
    }

    function _flatten(TrainingVmMemory.Run memory run, Flatten memory f, uint64 i) private pure {
        uint64 b = run.job.batchSize / run.job.microBatches;
        uint64 from;
        if (f.backward) from = ((i / f.plane) % b * f.channels + i / (b * f.plane)) * f.plane + i % f.plane;
        else from = ((i / f.plane) % f.channels * b + i / (uint64(f.channels) * f.plane)) * f.plane + i % f.plane;
        TrainingVmMemory.setF32(run, SCRATCH, f.destination + i, TrainingVmMemory.f32(run, SCRATCH, f.source + from));
    }

    function _gather(TrainingVmMemory.Run memory run, bytes memory args, uint64 i) private view {
        (uint32 microBatch, uint32 destination) = abi.decode(args, (uint32, uint32));
        VmJob memory job = run.job;
        uint64 plane = job.width / job.channels;
        uint64 e = i / job.width;
        uint64 q = i % job.width;
        uint64 c = q / plane;
        TrainingVmMemory.setF32(run, SCRATCH, destination + (c * (job.batchSize / job.microBatches) + e) * plane + (q - c * plane), _pixel(run, microBatch, e, q));
    }

    /// @dev Pixel `q` of example `e` of micro-batch `microBatch`, as byte / 255.
    function _pixel(TrainingVmMemory.Run memory run, uint32 microBatch, uint64 e, uint64 q) private view returns (uint64) {
        uint64 offset = TrainingVmMemory.example(run, microBatch, e) * run.job.width + q;
        return _div(SoftFloat.fromInt(int256(uint256(TrainingVmMemory.dataByte(run, offset)))), F255);
    }

    function _matMul(TrainingVmMemory.Run memory run, MatMul memory mm, uint64 i) private pure {
        uint64 element = i / (uint64(mm.k) + 1);
        uint64 r = i % (uint64(mm.k) + 1);
        uint64 row = element / mm.n;
        uint64 column = element % mm.n;
        if (r < mm.k) {
            uint64 term = TrainingVmMemory.f32(run, mm.b.tree, mm.b.offset + r * mm.b.outer + column * mm.b.inner);
            if (mm.hasA) term = SoftFloat.mul(TrainingVmMemory.f32(run, mm.a.tree, mm.a.offset + row * mm.a.outer + r * mm.a.inner), term);
            run.acc = SoftFloat.add(r == 0 ? ZERO : run.acc, term);
            return;
        }
        uint64 sum = SoftFloat.toF64(SoftFloat.toF32(run.acc));
        if (mm.hasBias) sum = SoftFloat.add(sum, TrainingVmMemory.f32(run, CHECKPOINT, mm.bias + (mm.biasPerRow ? row : column)));
        TrainingVmMemory.setF32(run, SCRATCH, mm.destination + element, sum);
    }

    /// @dev Softmax and LogSoftmax start alike: the first maximum, then the exponentials and their sum. LogSoftmax
    /// then keeps log S in the sum's slot and stores y_j = (z_j − max) − log S.
    function _softmax(TrainingVmMemory.Run memory run, Operator memory operator, uint64 i) private view {
        uint64 classes = run.job.classes;
        uint64 e = i / (3 * classes + 2);
        uint64 r = i % (3 * classes + 2);
        uint64 logits = _logits(operator) + e * classes;
        if (r < classes) {
            uint64 z = TrainingVmMemory.f32(run, SCRATCH, logits + r);
            if (r == 0 || SoftFloat.lt(run.acc, z)) run.acc = z;
        } else if (r == classes) {
            TrainingVmMemory.setF32(run, SCRATCH, SOFTMAX_MAX, run.acc);
        } else if (r <= 2 * classes) {
            _exponential(run, logits, r - classes - 1);
        } else if (r == 2 * classes + 1) {
            TrainingVmMemory.setF64(run, SCRATCH, SOFTMAX_SUM, operator.kind == LOG_SOFTMAX ? _log(run.acc) : run.acc);
        } else {
            _softmaxOutput(run, operator, e, r - 2 * classes - 2);
        }
    }

    /// @dev Where a softmax's or a LogSoftmax's logits start.
    function _logits(Operator memory operator) private pure returns (uint64) {
        if (operator.kind == LOG_SOFTMAX) return abi.decode(operator.args, (uint32));
        (, uint32 logits) = abi.decode(operator.args, (uint32, uint32));
        return logits;
    }

    /// @dev The last phase of example `e`'s `j`-th class: LogSoftmax's y_j = (z_j − max) − log S, or the softmax's
    /// loss gradient.
    function _softmaxOutput(TrainingVmMemory.Run memory run, Operator memory operator, uint64 e, uint64 j) private view {
        if (operator.kind == LOG_SOFTMAX) {
            (uint32 logits, uint32 destination) = abi.decode(operator.args, (uint32, uint32));
            uint64 element = e * run.job.classes + j;
            uint64 y = SoftFloat.sub(_shifted(run, logits + element), TrainingVmMemory.f64(run, SCRATCH, SOFTMAX_SUM));
            return TrainingVmMemory.setF32(run, SCRATCH, destination + element, y);
        }
        (uint32 microBatch,, uint32 gradient) = abi.decode(operator.args, (uint32, uint32, uint32));
        _softmaxGradient(run, microBatch, gradient, e, j);
    }

    /// @dev e_j = fround(expF64(z_j − max)) of the logits at `row`: stored, and added to the sum in acc.
    function _exponential(TrainingVmMemory.Run memory run, uint64 row, uint64 j) private view {
        uint64 exponential = SoftFloat.toF64(SoftFloat.toF32(_call(functions.expF64, _shifted(run, row + j))));
        TrainingVmMemory.setF32(run, SCRATCH, SOFTMAX_EXPONENTIALS + j, exponential);
        run.acc = SoftFloat.add(j == 0 ? ZERO : run.acc, exponential);
    }

    /// @dev log S for LogSoftmax's sum slot (apart from {_softmax}, whose variables fill the stack).
    function _log(uint64 sum) private view returns (uint64) {
        return _call(functions.logF64, sum);
    }

    /// @dev z − max for the logit at `slot`.
    function _shifted(TrainingVmMemory.Run memory run, uint64 slot) private pure returns (uint64) {
        return SoftFloat.sub(TrainingVmMemory.f32(run, SCRATCH, slot), TrainingVmMemory.f32(run, SCRATCH, SOFTMAX_MAX));
    }

    /// @dev The loss gradient of example `e`'s logit `j`: (e_j / S − [j = label]) / B.
    function _softmaxGradient(TrainingVmMemory.Run memory run, uint32 microBatch, uint32 gradient, uint64 e, uint64 j) private view {
        VmJob memory job = run.job;
        uint64 label = TrainingVmMemory.dataByte(run, uint64(job.examples) * job.width + TrainingVmMemory.example(run, microBatch, e));
        uint64 p = _div(TrainingVmMemory.f32(run, SCRATCH, SOFTMAX_EXPONENTIALS + j), TrainingVmMemory.f64(run, SCRATCH, SOFTMAX_SUM));
        uint64 g = _div(SoftFloat.sub(p, j == label ? ONE : ZERO), SoftFloat.fromInt(int256(uint256(job.batchSize))));
        TrainingVmMemory.setF32(run, SCRATCH, gradient + e * job.classes + j, g);
    }

    /// @dev T = Σ_k dy_k, then dz_j = dy_j − expF64(y_j)·T in place (logSoftmax.ts).
    function _logSoftmaxBackward(TrainingVmMemory.Run memory run, bytes memory args, uint64 i) private view {
        (uint32 gradient, uint32 activation) = abi.decode(args, (uint32, uint32));
        uint64 classes = run.job.classes;
        uint64 r = i % (2 * classes);
        uint64 element = i / (2 * classes) * classes + r % classes; // example e's j-th: e·C + j
        uint64 dy = TrainingVmMemory.f32(run, SCRATCH, gradient + element);
        if (r < classes) {
            run.acc = SoftFloat.add(r == 0 ? ZERO : run.acc, dy);
            return;
        }
        TrainingVmMemory.setF32(run, SCRATCH, gradient + element, _logSoftmaxGradient(dy, TrainingVmMemory.f32(run, SCRATCH, activation + element), run.acc));
    }

    /// @dev dy − expF64(y)·T.
    function _logSoftmaxGradient(uint64 dy, uint64 y, uint64 total) private view returns (uint64) {
        return SoftFloat.sub(dy, SoftFloat.mul(_call(functions.expF64, y), total));
    }

    function _power(TrainingVmMemory.Run memory run, Operator memory operator, uint64 i) private pure {
        (uint64 base,, bool learningRate, uint64 scale, uint32 destination) =
            abi.decode(operator.args, (uint64, bool, bool, uint64, uint32));
        if (_multiply(run, i, _count(run, operator), base)) return;
        if (learningRate) TrainingVmMemory.setF32(run, SCRATCH, destination, SoftFloat.mul(scale, run.acc));
        else TrainingVmMemory.setF64(run, SCRATCH, destination, SoftFloat.sub(ONE, run.acc));
    }

    /// @dev Instruction `i` of a power of `count` instructions: acc = 1, then acc·base; false at the last, which
    /// stores acc.
    function _multiply(TrainingVmMemory.Run memory run, uint64 i, uint64 count, uint64 base) private pure returns (bool) {
        if (i == count - 1) return false;
        run.acc = i == 0 ? ONE : SoftFloat.mul(run.acc, base);
        return true;
    }

    /// @dev The step schedule is a power: η₀·γ^⌊e/k⌋. The cosine schedule is one instruction at the job's step t:
    /// η₀·(t/W) in the warm-up (t < W), else η_min + (η₀ − η_min)·(0.5·(1 + cosF64(π·p))), p = min(1, (t − W)/(T − W)).
    function _schedule(TrainingVmMemory.Run memory run, Operator memory operator, uint64 i) private view {
        Schedule memory s = abi.decode(operator.args, (Schedule));
        if (!s.cosine) {
            if (!_multiply(run, i, _count(run, operator), s.gamma)) {
                TrainingVmMemory.setF32(run, SCRATCH, LEARNING_RATE, SoftFloat.mul(s.learningRate, run.acc));
            }
            return;
        }
        int256 t = int256(uint256(run.step));
        int256 warmup = int256(uint256(s.warmupSteps));
        if (t < warmup) {
            uint64 ramp = _div(SoftFloat.fromInt(t), SoftFloat.fromInt(warmup));
            return TrainingVmMemory.setF32(run, SCRATCH, LEARNING_RATE, SoftFloat.mul(s.learningRate, ramp));
        }
        uint64 p = _div(SoftFloat.fromInt(t - warmup), SoftFloat.fromInt(int256(uint256(s.totalSteps)) - warmup));
        // Math.min(1, p): a NaN p stays NaN.
        if (SoftFloat.lt(ONE, p)) p = ONE;
        uint64 half = SoftFloat.mul(HALF, SoftFloat.add(ONE, _call(functions.cosF64, SoftFloat.mul(PI, p))));
        uint64 rate = SoftFloat.add(s.minLearningRate, SoftFloat.mul(SoftFloat.sub(s.learningRate, s.minLearningRate), half));
        TrainingVmMemory.setF32(run, SCRATCH, LEARNING_RATE, rate);
    }

    /// @dev Per parameter, micro-batch by micro-batch: acc = g₀, then acc + g_r; the last also stores ĝ = fround(acc)
    /// over micro-batch 0's gradient, but for a running statistic, whose slots the optimizer sums unrounded.
    function _reduce(TrainingVmMemory.Run memory run, bytes memory args, uint64 i) private view {
        uint64 microBatches = run.job.microBatches;
        uint64 p = i / microBatches;
        uint64 r = i % microBatches;
        _accumulate(run, p, r);
        (bool statistic,) = _statistic(args, p);
        if (r == microBatches - 1 && !statistic) TrainingVmMemory.setF32(run, SCRATCH, run.job.gradients + p, run.acc);
    }

    /// @dev Micro-batch `r`'s gradient of parameter `p` into the binary64 sum in acc.
    function _accumulate(TrainingVmMemory.Run memory run, uint64 p, uint64 r) private pure {
        uint64 gradient = TrainingVmMemory.f32(run, SCRATCH, run.job.gradients + r * run.job.parameters + p);
        run.acc = r == 0 ? gradient : SoftFloat.add(run.acc, gradient);
    }

    /// @dev Instructions 0 … P − 1: acc = (first ? 0 : acc) + ĝ·ĝ over the reduced gradient in index order, a running
    /// statistic's ĝ taken as 0; then k = C / (√acc + 10⁻⁶) and the factor k < 1 ? k : 1 (1 for a NaN k) as a binary64.
    function _clipFactor(TrainingVmMemory.Run memory run, bytes memory args, uint64 i) private view {
        if (i < run.job.parameters) {
            (bool statistic,) = _statistic(args, i);
            uint64 g = statistic ? ZERO : TrainingVmMemory.f32(run, SCRATCH, run.job.gradients + i);
            run.acc = SoftFloat.add(i == 0 ? ZERO : run.acc, SoftFloat.mul(g, g));
            return;
        }
        uint64 k = _div(abi.decode(args, (uint64)), SoftFloat.add(_sqrt(run.acc), CLIP_EPSILON));
        TrainingVmMemory.setF64(run, SCRATCH, CLIPPING, SoftFloat.lt(k, ONE) ? k : ONE);
    }

    /// @dev Per parameter, ĝ into acc (the micro-batches' sum, a running statistic's always; or, clipped, fround(reduced
    /// ĝ · factor), which is ĝ for a factor of 1, at the first load and nothing at the others), then the optimizer's phases.
    function _optimizer(TrainingVmMemory.Run memory run, bytes memory args, uint64 i) private view {
        VmJob memory job = run.job;
        uint64 loads = _loads(args, job);
        uint64 per = loads + (job.optimizer == SGD ? 2 : 3);
        uint64 p = i / per;
        uint64 r = i % per;
        (bool statistic, uint64 momentum) = _statistic(args, p);
        if (r < loads) {
            if (!_clipped(args) || statistic) return _accumulate(run, p, r);
            if (r != 0) return;
            uint64 scaled = SoftFloat.mul(TrainingVmMemory.f32(run, SCRATCH, job.gradients + p), TrainingVmMemory.f64(run, SCRATCH, CLIPPING));
            run.acc = SoftFloat.toF64(SoftFloat.toF32(scaled));
            return;
        }
        if (statistic) return _runningStatistic(run, p, r - loads, momentum);
        uint64 w = TrainingVmMemory.f32(run, CHECKPOINT, HEADER_SLOTS + p);
        // AdamW's weight decay is decoupled: its gradient is ĝ + 0·w, as the engine computes it.
        uint64 decay = job.optimizer == ADAMW ? ZERO : job.weightDecay;
        uint64 g = SoftFloat.add(SoftFloat.toF64(SoftFloat.toF32(run.acc)), SoftFloat.mul(decay, w));
        if (job.optimizer == SGD) _sgd(run, p, r - loads, w, g);
        else _adam(run, p, r - loads, w, g);
    }

    /// @dev SGD's phase 0 updates the velocity, phase 1 the weight.
    function _sgd(TrainingVmMemory.Run memory run, uint64 p, uint64 phase, uint64 w, uint64 g) private pure {
        uint64 velocity = HEADER_SLOTS + uint64(run.job.parameters) + p;
        if (phase == 0) {
            TrainingVmMemory.setF32(run, CHECKPOINT, velocity, SoftFloat.add(SoftFloat.mul(run.job.momentum, TrainingVmMemory.f32(run, CHECKPOINT, velocity)), g));
            return;
        }
        uint64 change = SoftFloat.mul(TrainingVmMemory.f32(run, SCRATCH, LEARNING_RATE), TrainingVmMemory.f32(run, CHECKPOINT, velocity));
        TrainingVmMemory.setF32(run, CHECKPOINT, HEADER_SLOTS + p, SoftFloat.sub(w, change));
    }

    /// @dev Adam's and AdamW's phase 0 updates m, phase 1 v, phase 2 the weight (AdamW's first shrunk: w·(1 − η·λ)).
    function _adam(TrainingVmMemory.Run memory run, uint64 p, uint64 phase, uint64 w, uint64 g) private view {
        VmJob memory job = run.job;
        uint64 first = HEADER_SLOTS + uint64(job.parameters) + p;
        uint64 second = first + job.parameters;
        if (phase == 0) {
            uint64 decayed = SoftFloat.mul(job.beta1, TrainingVmMemory.f32(run, CHECKPOINT, first));
            TrainingVmMemory.setF32(run, CHECKPOINT, first, SoftFloat.add(decayed, SoftFloat.mul(SoftFloat.sub(ONE, job.beta1), g)));
        } else if (phase == 1) {
            uint64 decayed = SoftFloat.mul(job.beta2, TrainingVmMemory.f32(run, CHECKPOINT, second));
            uint64 squared = SoftFloat.mul(SoftFloat.mul(SoftFloat.sub(ONE, job.beta2), g), g);
            TrainingVmMemory.setF32(run, CHECKPOINT, second, SoftFloat.add(decayed, squared));
        } else {
            uint64 mHat = _div(TrainingVmMemory.f32(run, CHECKPOINT, first), TrainingVmMemory.f64(run, SCRATCH, CORRECTION_1));
            uint64 vHat = _div(TrainingVmMemory.f32(run, CHECKPOINT, second), TrainingVmMemory.f64(run, SCRATCH, CORRECTION_2));
            uint64 lr = TrainingVmMemory.f32(run, SCRATCH, LEARNING_RATE);
            uint64 numerator = SoftFloat.mul(lr, mHat);
            uint64 denominator = SoftFloat.add(_sqrt(vHat), job.epsilon);
            if (job.optimizer == ADAMW) w = SoftFloat.mul(w, SoftFloat.sub(ONE, SoftFloat.mul(lr, job.weightDecay)));
            TrainingVmMemory.setF32(run, CHECKPOINT, HEADER_SLOTS + p, SoftFloat.sub(w, _div(numerator, denominator)));
        }
    }

    /// @dev A running statistic (a BatchNorm's mean or variance) takes no optimizer step: nothing until the last
    /// phase, which stores r = α·r + (1 − α)·(s / M), s the micro-batches' sum in acc.
    function _runningStatistic(TrainingVmMemory.Run memory run, uint64 p, uint64 phase, uint64 alpha) private view {
        if (phase != (run.job.optimizer == SGD ? 1 : 2)) return;
        uint64 slot = HEADER_SLOTS + p;
        uint64 mean = _div(run.acc, SoftFloat.fromInt(int256(uint256(run.job.microBatches))));
        uint64 kept = SoftFloat.mul(alpha, TrainingVmMemory.f32(run, CHECKPOINT, slot));
        TrainingVmMemory.setF32(run, CHECKPOINT, slot, SoftFloat.add(kept, SoftFloat.mul(SoftFloat.sub(ONE, alpha), mean)));
    }

    /// @dev Per channel, 4·count + 4 instructions over its `count` = b·plane values: Σ x, then μ (the channel's word
    /// +0) and μ's gradient slot; Σ (x − μ)², then inv = 1 / √(q / count + ε) (+2) and the variance's gradient slot
    /// q / (count − 1); x̂ = (x − μ)·inv for each value; y = γ·x̂ + β for each value.
    function _batchNorm(TrainingVmMemory.Run memory run, BatchNorm memory bn, uint64 i) private view {
        uint64 count = uint64(run.job.batchSize / run.job.microBatches) * bn.plane;
        uint64 c = i / (4 * count + 4);
        uint64 r = i % (4 * count + 4);
        if (r >= 2 * count + 4) return _batchNormOutput(run, bn, c, count, r - 2 * count - 4);
        uint64 phase = r / (count + 2);
        uint64 j = r - phase * (count + 2);
        if (j >= count) return _batchNormStore(run, bn, c, phase * 2 + j - count, count);
        uint64 x = TrainingVmMemory.f32(run, SCRATCH, bn.source + _channelElement(bn.plane, bn.channels, count, c, j));
        if (phase == 1) {
            uint64 d = SoftFloat.sub(x, TrainingVmMemory.f64(run, SCRATCH, bn.statistics + 8 * c));
            x = SoftFloat.mul(d, d);
        }
        run.acc = SoftFloat.add(j == 0 ? ZERO : run.acc, x);
    }

    /// @dev Output `k` of channel `c`'s last 2·count instructions: x̂ of value k, then y of value k − count.
    function _batchNormOutput(TrainingVmMemory.Run memory run, BatchNorm memory bn, uint64 c, uint64 count, uint64 k) private pure {
        uint64 e = _channelElement(bn.plane, bn.channels, count, c, k < count ? k : k - count);
        if (k < count) {
            uint64 work = bn.statistics + 8 * c;
            uint64 d = SoftFloat.sub(TrainingVmMemory.f32(run, SCRATCH, bn.source + e), TrainingVmMemory.f64(run, SCRATCH, work));
            return TrainingVmMemory.setF32(run, SCRATCH, bn.normalized + e, SoftFloat.mul(d, TrainingVmMemory.f64(run, SCRATCH, work + BN_INVERSE)));
        }
        uint64 scaled = SoftFloat.mul(TrainingVmMemory.f32(run, CHECKPOINT, bn.scale + c), TrainingVmMemory.f32(run, SCRATCH, bn.normalized + e));
        TrainingVmMemory.setF32(run, SCRATCH, bn.destination + e, SoftFloat.add(scaled, TrainingVmMemory.f32(run, CHECKPOINT, bn.bias + c)));
    }

    /// @dev Store `store` of channel `c`'s forward: 0 μ = Σ x / count, 1 μ into its gradient slot, 2 inv from q in acc,
    /// 3 q / (count − 1) into the variance's gradient slot.
    function _batchNormStore(TrainingVmMemory.Run memory run, BatchNorm memory bn, uint64 c, uint64 store, uint64 count) private view {
        uint64 work = bn.statistics + 8 * c;
        uint64 n = SoftFloat.fromInt(int256(uint256(count)));
        if (store == 0) return TrainingVmMemory.setF64(run, SCRATCH, work, _div(run.acc, n));
        if (store == 1) return TrainingVmMemory.setF32(run, SCRATCH, bn.meanGradient + c, TrainingVmMemory.f64(run, SCRATCH, work));
        if (store == 2) return TrainingVmMemory.setF64(run, SCRATCH, work + BN_INVERSE, _div(ONE, _sqrt(SoftFloat.add(_div(run.acc, n), bn.epsilon))));
        TrainingVmMemory.setF32(run, SCRATCH, bn.varianceGradient + c, _div(run.acc, SoftFloat.fromInt(int256(uint256(count)) - 1)));
    }

    /// @dev Per channel: Σ dy, then Σ dy into its word (+4) and β's gradient slot; Σ dy·x̂, then into its word (+6) and
    /// γ's gradient slot; with the input's gradient, dx for each value ({_batchNormInputGradient}).
    function _batchNormBackward(TrainingVmMemory.Run memory run, BatchNormBackward memory bn, uint64 i) private view {
        uint64 count = uint64(run.job.batchSize / run.job.microBatches) * bn.plane;
        uint64 per = (bn.inputGradient ? 3 : 2) * count + 4;
        uint64 c = i / per;
        uint64 phase = (i % per) / (count + 2);
        uint64 j = (i % per) - phase * (count + 2);
        if (phase == 2) return _batchNormInputGradient(run, bn, c, count, _channelElement(bn.plane, bn.channels, count, c, j));
        if (j == count) return TrainingVmMemory.setF64(run, SCRATCH, bn.statistics + 8 * c + BN_SUM_DY + 2 * phase, run.acc); // Σ dy, then Σ dy·x̂
        if (j > count) return TrainingVmMemory.setF32(run, SCRATCH, (phase == 0 ? bn.biasGradient : bn.scaleGradient) + c, run.acc);
        uint64 e = _channelElement(bn.plane, bn.channels, count, c, j);
        uint64 term = TrainingVmMemory.f32(run, SCRATCH, bn.gradient + e);
        if (phase == 1) term = SoftFloat.mul(term, TrainingVmMemory.f32(run, SCRATCH, bn.normalized + e));
        run.acc = SoftFloat.add(j == 0 ? ZERO : run.acc, term);
    }

    /// @dev dx = ((γ·inv) / count)·((count·dy − Σ dy) − x̂·Σ dy·x̂) of value `e` of channel `c`.
    function _batchNormInputGradient(TrainingVmMemory.Run memory run, BatchNormBackward memory bn, uint64 c, uint64 count, uint64 e) private view {
        uint64 work = bn.statistics + 8 * c;
        uint64 n = SoftFloat.fromInt(int256(uint256(count)));
        uint64 factor = _div(SoftFloat.mul(TrainingVmMemory.f32(run, CHECKPOINT, bn.scale + c), TrainingVmMemory.f64(run, SCRATCH, work + BN_INVERSE)), n);
        uint64 centred = SoftFloat.sub(SoftFloat.mul(n, TrainingVmMemory.f32(run, SCRATCH, bn.gradient + e)), TrainingVmMemory.f64(run, SCRATCH, work + BN_SUM_DY));
        uint64 dx = SoftFloat.sub(centred, SoftFloat.mul(TrainingVmMemory.f32(run, SCRATCH, bn.normalized + e), TrainingVmMemory.f64(run, SCRATCH, work + BN_SUM_DY_X)));
        TrainingVmMemory.setF32(run, SCRATCH, bn.destination + e, SoftFloat.mul(factor, dx));
    }

    /// @dev Value `j` of channel `c` among `count` per channel: [example][feature] for a plane of 1, else CNHW.
    function _channelElement(uint64 plane, uint64 channels, uint64 count, uint64 c, uint64 j) private pure returns (uint64) {
        return plane == 1 ? c + j * channels : c * count + j;
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
}
