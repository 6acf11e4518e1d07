// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title ITrainingVm
/// @notice What the training VM's two contracts share (docs/training-vm.md §5): the program a job commits to, an
/// operator, an opened memory word, and the errors of a step. `TrainingVm` proves a step's words and plays the game;
/// `TrainingVmInstructions` counts and executes the instructions.
interface ITrainingVm {
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
        // A distributed job's slot (docs/training-vm.md §5): its checkpoints are its rounds' ends, where the optimizer
        // state restarts from zero, so Adam's bias correction counts the steps since the last checkpoint.
        bool rounds;
    }

    /// @notice An operator: its kind (docs/training-vm.md §4) and its fields, ABI-encoded per kind.
    struct Operator {
        uint8 kind;
        bytes args;
    }

    /// @notice A word of one of the three trees (0 checkpoint, 1 scratch, 2 data) and its siblings from the leaf up.
    struct Word {
        uint8 tree;
        uint64 index;
        bytes32 value;
        bytes32[] siblings;
    }

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
    /// @notice `load`'s chunk is not a chunk of the blob whose digest the round started with, or not the one that holds
    /// the parameter (the blob's last when the parameter is past its end).
    error TrainingVmChunkNotInBlob(bytes32 digest, uint64 index);
    /// @notice `round` is not a round of the program: it has no `rounds`, or the round starts at or past `totalSteps`.
    error TrainingVmNotARound(uint64 round);
}
