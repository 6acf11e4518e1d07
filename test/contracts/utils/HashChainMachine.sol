// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGameMachine} from "../../../contracts/interfaces/IGameMachine.sol";

/// @notice A stand-in for the training VM, for testing BisectionGame's rules and measuring its moves' gas: every step
/// has `operators` operators, operator `o` has `o + instructionBase` instructions, and an instruction turns state `s`
/// into `keccak256(abi.encode(s, step, operator, instruction))`. A count's witness is the count, abi-encoded.
/// `setZeroCount` makes it count 0 units, to test the game's refusal of an empty unit.
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
