// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IGroth16Verifier
/// @notice The Groth16 verifier snarkjs generates (`zkey export solidityverifier`) for a circuit
/// with two public inputs. `b` takes each G2 coordinate as [x1, x0] (imaginary part first).
interface IGroth16Verifier {
    /// @notice Whether proof (a, b, c) is valid for `pubSignals`; false (never a revert) otherwise.
    function verifyProof(uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c, uint256[2] calldata pubSignals)
        external
        view
        returns (bool);
}
