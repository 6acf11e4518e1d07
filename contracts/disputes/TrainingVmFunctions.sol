// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {SoftFloat} from "../libraries/SoftFloat.sol";

/// @title TrainingVmFunctions
/// @notice The engine's elementary functions the training VM's instructions need (docs/training-vm.md §5),
/// `SoftFloat`'s, bit for bit: `TrainingVm` deploys this contract in its constructor and calls it, so that their
/// code is not part of its own runtime code, which EIP-170 bounds to 24,576 bytes.
/// @dev Every argument and result is a binary64 bit pattern (docs/soft-float.md).
contract TrainingVmFunctions {
    /// @notice `SoftFloat.expF64`: the engine's e^x (softmax's exponentials).
    function expF64(uint64 x) external pure returns (uint64) {
        return SoftFloat.expF64(x);
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
