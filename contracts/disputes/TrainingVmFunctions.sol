// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {SoftFloat} from "../libraries/SoftFloat.sol";
import {TrainingVmMemory} from "../libraries/TrainingVmMemory.sol";

/// @title TrainingVmFunctions
/// @notice The larger `SoftFloat` functions the training VM's instructions need (division, square root and the
/// engine's exp, log, cos, sigmoid and tanh), as `SoftFloat` computes them, a Dropout's element and the running
/// statistic a parameter belongs to:
/// `TrainingVmInstructions` deploys this contract in its constructor and calls it, so that their code is not part of
/// its own runtime code, which EIP-170 bounds to 24,576 bytes (docs/training-vm.md §5).
/// @dev The arithmetic functions' arguments and results are binary64 bit patterns (docs/soft-float.md); so are
/// {dropout}'s `x` and result. Its `seed`, `step`, `b` and `i` are integers, {runningStatistic}'s `p` a parameter
/// index, and both take their operator's ABI-encoded fields as `args`.
contract TrainingVmFunctions {
    /// @notice A `dropout` operator's fields (keepers/src/trainingVm/vmProgram.ts), (size, source, destination) first as
    /// an activation's.
    struct Dropout {
        uint32 size;
        uint32 source;
        uint32 destination;
        uint32 plane;
        uint32 microBatch;
        uint32 drawsPerExample;
        uint32 drawOffset;
        uint64 threshold;
        uint64 keep;
    }

    /// @notice Parameters [from, to) that a BatchNorm's running mean or variance holds, averaged with `momentum`.
    struct Statistic {
        uint32 from;
        uint32 to;
        uint64 momentum;
    }

    /// @notice `SoftFloat.div`: a / b.
    function div(uint64 a, uint64 b) external pure returns (uint64) {
        return SoftFloat.div(a, b);
    }

    /// @notice `SoftFloat.sqrt`: √a.
    function sqrt(uint64 a) external pure returns (uint64) {
        return SoftFloat.sqrt(a);
    }

    /// @notice `SoftFloat.expF64`: the engine's e^x (softmax's exponentials).
    function expF64(uint64 x) external pure returns (uint64) {
        return SoftFloat.expF64(x);
    }

    /// @notice `SoftFloat.logF64`: the engine's natural logarithm (LogSoftmax's log of the exponentials' sum).
    function logF64(uint64 x) external pure returns (uint64) {
        return SoftFloat.logF64(x);
    }

    /// @notice `SoftFloat.cosF64`: the engine's cosine on [0, π] (the cosine learning-rate schedule).
    function cosF64(uint64 x) external pure returns (uint64) {
        return SoftFloat.cosF64(x);
    }

    /// @notice `SoftFloat.sigmoidF64`: the engine's logistic function (the `sigmoid` instruction).
    function sigmoidF64(uint64 x) external pure returns (uint64) {
        return SoftFloat.sigmoidF64(x);
    }

    /// @notice `SoftFloat.tanhF64`: the engine's hyperbolic tangent (the `tanh` instruction).
    function tanhF64(uint64 x) external pure returns (uint64) {
        return SoftFloat.tanhF64(x);
    }

    /// @notice Element `i` of a `dropout` instruction (docs/training-vm.md §4) whose input element is `x`: x / keep
    /// (binary64) where its draw keeps it, +0 elsewhere. `args` are the operator's fields (size, source,
    /// destination, plane, microBatch, drawsPerExample, drawOffset, threshold, keep: {Dropout}); `b` the examples of
    /// a micro-batch. Element i of channel c and example e (stored [c][e][plane]) is element
    /// j = c·plane + (i mod plane) of the example in ONNX order, whose draw is
    /// (microBatch·b + e)·drawsPerExample + drawOffset + j of the stream (seed, 7, step); it is kept iff the draw's
    /// high word is at least threshold (⌈p·2^32⌉).
    function dropout(bytes calldata args, uint64 seed, uint64 step, uint64 b, uint64 i, uint64 x) external pure returns (uint64) {
        Dropout memory d = abi.decode(args, (Dropout));
        uint64 perChannel = b * d.plane;
        uint64 draw = (d.microBatch * b + (i % perChannel) / d.plane) * d.drawsPerExample + d.drawOffset
            + (i / perChannel) * d.plane + i % d.plane;
        return TrainingVmMemory.dropoutDraw(seed, step, draw) >= d.threshold ? SoftFloat.div(x, d.keep) : 0;
    }

    /// @notice Whether parameter `p` is one of a running statistic's, and its momentum: `args` are a `reduce`'s,
    /// `clipFactor`'s or `optimizer`'s fields (keepers/src/trainingVm/vmProgram.ts), a first word then the
    /// {Statistic}s.
    function runningStatistic(bytes calldata args, uint64 p) external pure returns (bool found, uint64 momentum) {
        (, Statistic[] memory statistics) = abi.decode(args, (uint256, Statistic[]));
        for (uint256 s = 0; s < statistics.length; s++) {
            if (p >= statistics[s].from && p < statistics[s].to) return (true, statistics[s].momentum);
        }
    }
}
