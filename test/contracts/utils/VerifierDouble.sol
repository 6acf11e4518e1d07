// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGroth16Verifier} from "../../../contracts/interfaces/IGroth16Verifier.sol";

/// @notice Test double of a snarkjs Groth16 verifier, for StorageProofs' bookkeeping tests (the
/// real generated verifier is tested with real proofs). It answers what the test set: accept,
/// reject, revert, or accept only the exact (a, b, c, pubSignals) the test expects, which checks
/// that StorageProofs passes the proof words and public inputs in the verifier's order.
contract VerifierDouble is IGroth16Verifier {
    enum Mode {
        Accept, // true (only for `expectedInputs` when it is set)
        Reject, // false
        Revert // reverts, as a verifier with a bug or a wrong address would
    }

    error VerifierDoubleReverted();

    Mode public mode;
    /// @notice keccak256(abi.encode(a, b, c, pubSignals)) Accept requires; zero accepts anything.
    bytes32 public expectedInputs;

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function expect(uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c, uint256[2] calldata pubSignals)
        external
    {
        expectedInputs = keccak256(abi.encode(a, b, c, pubSignals));
    }

    function verifyProof(uint256[2] calldata a, uint256[2][2] calldata b, uint256[2] calldata c, uint256[2] calldata pubSignals)
        external
        view
        returns (bool)
    {
        Mode m = mode;
        if (m == Mode.Revert) revert VerifierDoubleReverted();
        if (m == Mode.Reject) return false;
        bytes32 expected = expectedInputs;
        return expected == bytes32(0) || expected == keccak256(abi.encode(a, b, c, pubSignals));
    }
}
