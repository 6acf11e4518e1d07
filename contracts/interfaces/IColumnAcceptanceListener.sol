// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IColumnAcceptanceListener
/// @notice What DatasetRegistry tells its auditor (StorageProofs), in the same transaction, and asks it:
/// each registration (to bind the dataset to the verifier version its owner named), each column a
/// holder accepts (to prepare the column's share of the proofs' public input), which columns owe
/// a proof in an open round (such a column is not redrawn, and the dataset not settled, before the
/// round closes), and whether a round is requested (no column it will audit is redrawn before it closes).
interface IColumnAcceptanceListener {
    /// @notice Dataset `datasetId` was registered naming verifier version `version`: binds it for good.
    /// @dev Requirements: the caller is the DatasetRegistry; `version` exists (reverts otherwise, which
    /// reverts the registration).
    function datasetRegistered(uint256 datasetId, uint256 version) external;

    /// @notice `holder` accepted column `column` of dataset `datasetId`, committed by `root`.
    /// @dev Requirements: the caller is the DatasetRegistry.
    function columnAccepted(uint256 datasetId, uint256 column, address holder, bytes32 root) external;

    /// @notice Bitmap of dataset `datasetId`'s columns that owe a proof in its current round, while that
    /// round is Open (also after its deadline, until it is closed); zero otherwise.
    function owingProofs(uint256 datasetId) external view returns (uint256 bitmap);

    /// @notice Whether dataset `datasetId`'s current round is Requested: its randomness is on its way, and
    /// the round will audit every column accepted and not faulty when it lands.
    function roundRequested(uint256 datasetId) external view returns (bool);
}
