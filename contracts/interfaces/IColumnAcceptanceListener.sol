// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IColumnAcceptanceListener
/// @notice What DatasetRegistry tells, in the same transaction, of every column a holder accepts
/// (StorageProofs: it prepares the column's share of the proofs' public input).
interface IColumnAcceptanceListener {
    /// @notice `holder` accepted column `column` of dataset `datasetId`, committed by `root`.
    /// @dev Requirements: the caller is the DatasetRegistry.
    function columnAccepted(uint256 datasetId, uint256 column, address holder, bytes32 root) external;
}
