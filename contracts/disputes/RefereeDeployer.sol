// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IAggregateReferee} from "../interfaces/IAggregateReferee.sol";
import {IDisputes} from "../interfaces/IDisputes.sol";
import {IRefereeDeployer} from "../interfaces/IRefereeDeployer.sol";
import {IRoundJobRegistry} from "../interfaces/IRoundJobRegistry.sol";
import {AggregateReferee} from "./AggregateReferee.sol";

/// @title RefereeDeployer
/// @notice Deploys an AggregateReferee for the Disputes contract that calls it, so that Disputes' constructor obtains
/// its referee without holding the referee's creation code (EIP-3860 bounds a creation code to 49,152 bytes).
/// @dev Stateless, no role, no value. A referee deployed for another caller serves that caller alone: it accepts
/// refutations for, and calls, only the Disputes it names.
contract RefereeDeployer is IRefereeDeployer {
    /// @inheritdoc IRefereeDeployer
    function deploy(IRoundJobRegistry roundJobRegistry) external returns (IAggregateReferee referee) {
        referee = new AggregateReferee(IDisputes(msg.sender), roundJobRegistry);
        emit RefereeDeployed(msg.sender, address(referee));
    }
}
