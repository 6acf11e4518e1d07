// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IGameMachine
/// @notice The computation a {IBisectionGame} bisects, as seen by the chain: how many units make up a unit of the
/// level above, and what one instruction does to a state commitment (docs/dispute-game.md §2, §6).
/// @dev Both functions are views: a game's outcome depends only on the commitments and the witnesses given.
interface IGameMachine {
    /// @notice The training segment a dispute over checkpoint `checkpoint` of a job's trace covers: the steps from
    /// checkpoint `checkpoint − 1` to checkpoint `checkpoint` in the program's checkpoint schedule, and the state
    /// commitments at both ends for the checkpoints whose hashes are `hashBefore` and `hashAfter`. Checkpoint 0 is
    /// the program's own initial checkpoint, so for `checkpoint` 1 `hashBefore` is not read.
    /// @param witness Whatever proves the schedule against `program` (e.g. the program's preimage).
    /// @return firstStep The step of checkpoint `checkpoint − 1`.
    /// @return steps The steps of the segment; 0 when `checkpoint` is 0 or past the schedule's last checkpoint (there
    /// is no such segment, and the other values are 0).
    /// @return stateBefore The state commitment at `firstStep`.
    /// @return stateAfter The state commitment of checkpoint `checkpoint` as `hashAfter` claims it.
    function segment(bytes32 program, uint64 checkpoint, bytes32 hashBefore, bytes32 hashAfter, bytes calldata witness)
        external
        view
        returns (uint64 firstStep, uint64 steps, bytes32 stateBefore, bytes32 stateAfter);

    /// @notice The shape of a job's checkpoint trace: the depth of every checkpoint's word tree (a checkpoint hash is
    /// that tree's root: 32-byte words, zero-padded to 2^depth) and the number of checkpoints in the program's schedule,
    /// from checkpoint 0 to the last one, whose parameters are the job's trained weights.
    /// @param witness Whatever proves the shape against `program` (e.g. the program's preimage).
    function checkpointShape(bytes32 program, bytes calldata witness)
        external
        view
        returns (uint8 depth, uint64 checkpoints);

    /// @notice The number of units of level `level` (1 or 2) inside the unit of level `level − 1` that `path` names.
    /// @param program The job's program root: what the machine runs.
    /// @param level The level being entered: 1 (operators of step `path[0]`) or 2 (instructions of operator
    /// `path[1]` of step `path[0]`).
    /// @param path The step (`path[0]`) and, for level 2, the operator (`path[1]`).
    /// @param witness Whatever proves the count against `program` (e.g. the operator's descriptor and its Merkle proof).
    /// @return count At least 1; the call reverts if `witness` does not prove it.
    function unitCount(bytes32 program, uint8 level, uint64[2] calldata path, bytes calldata witness)
        external
        view
        returns (uint64 count);

    /// @notice Executes instruction `instruction` of operator `path[1]` of step `path[0]` on the state `preState`
    /// commits to, and returns the commitment of the state after it.
    /// @param witness Opens the words of `preState` the instruction reads and writes; the call reverts if it does not.
    function step(
        bytes32 program,
        bytes32 preState,
        uint64[2] calldata path,
        uint64 instruction,
        bytes calldata witness
    ) external view returns (bytes32 postState);
}
