// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IStorageProofVerifier} from "../../../contracts/interfaces/IStorageProofVerifier.sol";

/// @notice Test double of the storage-proof verifier, for StorageProofs' bookkeeping tests (the
/// real generated verifier is tested with real proofs). Its terms are hashes of their inputs (not
/// curve points), so a test can tell which root, prover and seed StorageProofs used. It answers
/// what the test set: accept, reject, revert, or accept only the exact (proof, terms) the test
/// expects, which checks that StorageProofs passes the proof words and terms in order.
contract VerifierDouble is IStorageProofVerifier {
    enum Mode {
        Accept, // true (only for `expectedInputs` when it is set)
        Reject, // false
        Revert // reverts, as a verifier with a bug or a wrong address would
    }

    error VerifierDoubleReverted();

    Mode public mode;
    /// @notice keccak256(abi.encode(proof, columnTerm, roundTerm)) Accept requires; zero accepts anything.
    bytes32 public expectedInputs;

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function expect(uint256[8] calldata proof, uint256[2] calldata columnTerm_, uint256[2] calldata roundTerm_) external {
        expectedInputs = keccak256(abi.encode(proof, columnTerm_, roundTerm_));
    }

    function columnTerm(uint256 columnRoot, address prover) external pure returns (uint256[2] memory) {
        return [uint256(keccak256(abi.encode("column x", columnRoot, prover))), uint256(keccak256(abi.encode("column y", columnRoot, prover)))];
    }

    function roundTerm(uint256 seed) external pure returns (uint256[2] memory) {
        return [uint256(keccak256(abi.encode("round x", seed))), uint256(keccak256(abi.encode("round y", seed)))];
    }

    function verifyProof(uint256[8] calldata proof, uint256[2] calldata columnTerm_, uint256[2] calldata roundTerm_)
        external
        view
        returns (bool)
    {
        Mode m = mode;
        if (m == Mode.Revert) revert VerifierDoubleReverted();
        if (m == Mode.Reject) return false;
        bytes32 expected = expectedInputs;
        return expected == bytes32(0) || expected == keccak256(abi.encode(proof, columnTerm_, roundTerm_));
    }
}
