// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IGameReferee
/// @notice The contract that opens {IBisectionGame} games (the Disputes contract) and is told how each one ended.
interface IGameReferee {
    /// @notice Called once by the game contract when game `gameId` ends, after its bonds were paid out.
    /// @param providerWon True if the provider's states stood (the challenger lost on the step or on time).
    function gameEnded(uint256 gameId, bool providerWon) external;
}
