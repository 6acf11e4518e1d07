// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IAggregateReferee} from "./IAggregateReferee.sol";
import {IRoundJobRegistry} from "./IRoundJobRegistry.sol";

/// @title IRefereeDeployer
/// @notice Deploys the aggregate referee of the Disputes contract that calls it (docs/dispute-game.md §7).
interface IRefereeDeployer {
    /// @notice Emitted when `referee` was deployed for `disputes`, the caller.
    event RefereeDeployed(address indexed disputes, address referee);

    /// @notice Deploys an AggregateReferee whose Disputes is the caller, over `roundJobRegistry`. Emits {RefereeDeployed}.
    function deploy(IRoundJobRegistry roundJobRegistry) external returns (IAggregateReferee referee);
}
