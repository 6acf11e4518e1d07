// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGameMachine} from "../../../contracts/interfaces/IGameMachine.sol";

/// @notice A stand-in for the training VM, for testing BisectionGame's rules and measuring its moves' gas: every step
/// has `operators` operators, operator `o` has `o + instructionBase` instructions, and an instruction turns state `s`
/// into `keccak256(abi.encode(s, step, operator, instruction))`. A count's witness is the count, abi-encoded.
/// `setZeroCount` makes it count 0 units, to test the game's refusal of an empty unit. Its program is the keccak256 of
/// its schedule `abi.encode(uint64 lastCheckpoint)`: checkpoint `i` (1 … last) ends a segment of one step, `i − 1`,
/// whose states are the checkpoint hashes themselves (checkpoint 0's is the program).
contract HashChainMachine is IGameMachine {
    error HashChainMachineBadWitness(uint64 count, bytes witness);

    uint64 public immutable operators;
    uint64 public immutable instructionBase;
    bool public zeroCount;

    constructor(uint64 operators_, uint64 instructionBase_) {
        operators = operators_;
        instructionBase = instructionBase_;
    }

    function setZeroCount(bool zero) external {
        zeroCount = zero;
    }

    /// @inheritdoc IGameMachine
    function segment(bytes32 program, uint64 checkpoint, bytes32 hashBefore, bytes32 hashAfter, bytes calldata witness)
        external
        pure
        returns (uint64, uint64, bytes32, bytes32)
    {
        if (keccak256(witness) != program) revert HashChainMachineBadWitness(0, witness);
        if (checkpoint == 0 || checkpoint > abi.decode(witness, (uint64))) return (0, 0, 0, 0);
        return (checkpoint - 1, 1, checkpoint == 1 ? program : hashBefore, hashAfter);
    }

    /// @inheritdoc IGameMachine
    /// @dev Checkpoints 0 … last, each a depth-1 word tree.
    function checkpointShape(bytes32 program, bytes calldata witness) external pure returns (uint8, uint64) {
        if (keccak256(witness) != program) revert HashChainMachineBadWitness(0, witness);
        return (1, abi.decode(witness, (uint64)) + 1);
    }

    /// @inheritdoc IGameMachine
    function unitCount(bytes32, uint8 level, uint64[2] calldata path, bytes calldata witness)
        external
        view
        returns (uint64 count)
    {
        if (zeroCount) return 0;
        count = level == 1 ? operators : path[1] + instructionBase;
        if (keccak256(witness) != keccak256(abi.encode(count))) revert HashChainMachineBadWitness(count, witness);
    }

    /// @inheritdoc IGameMachine
    function step(bytes32, bytes32 preState, uint64[2] calldata path, uint64 instruction, bytes calldata)
        external
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(preState, path[0], path[1], instruction));
    }
}
