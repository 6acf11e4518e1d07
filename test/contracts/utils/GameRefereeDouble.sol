// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBisectionGame} from "../../../contracts/interfaces/IBisectionGame.sol";
import {IGameReferee} from "../../../contracts/interfaces/IGameReferee.sol";

/// @notice Stands in for Disputes as a BisectionGame's referee: opens games on a test's behalf and records every end.
contract GameRefereeDouble is IGameReferee {
    IBisectionGame public game;
    /// @notice Ends reported per game, and the last outcome.
    mapping(uint256 gameId => uint256) public ends;
    mapping(uint256 gameId => bool) public providerWon;

    function setGame(IBisectionGame game_) external {
        game = game_;
    }

    function open(
        address provider,
        address challenger,
        bytes32 program,
        uint64 firstStep,
        uint64 steps,
        bytes32 hashLo,
        bytes32 hashHi
    ) external returns (uint256) {
        return game.open(provider, challenger, program, firstStep, steps, hashLo, hashHi);
    }

    /// @inheritdoc IGameReferee
    function gameEnded(uint256 gameId, bool providerWon_) external {
        require(msg.sender == address(game), "only the game");
        ends[gameId] += 1;
        providerWon[gameId] = providerWon_;
    }
}
