// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {SoftFloat} from "../libraries/SoftFloat.sol";

/// @title TrainingVmFunctions
/// @notice The larger `SoftFloat` functions the training VM's instructions need (division, square root and the
/// engine's exp, log, cos, sigmoid and tanh), as `SoftFloat` computes them: `TrainingVmInstructions` deploys this
/// contract in its constructor and calls it, so that their code is not part of its own runtime code, which EIP-170
/// bounds to 24,576 bytes (docs/training-vm.md §5).
/// @dev Every argument and result is a binary64 bit pattern (docs/soft-float.md).
contract TrainingVmFunctions {
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
}
