// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title VeritrainToken
/// @notice Test token with EIP-2612 permit for local deployments and testnets: the whole supply
/// is minted once to `holder`, who hands it out. Real deployments pass an existing token instead.
contract VeritrainToken is ERC20, ERC20Permit {
    /// @param holder Receives the whole supply.
    /// @param supply Tokens minted, in wei units.
    constructor(address holder, uint256 supply) ERC20("Veritrain Test Token", "VTT") ERC20Permit("Veritrain Test Token") {
        _mint(holder, supply);
    }
}
