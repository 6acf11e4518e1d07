// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title SnarkField
/// @notice The scalar field of BN254, over which the storage-proof circuit and its Groth16
/// verifier work: every public input must be below `R`, so every root a proof is checked against
/// is registered below it.
library SnarkField {
    /// @notice r, the order of BN254's G1 (snarkjs' `SNARK_SCALAR_FIELD`).
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
}
