// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {BlsBn254} from "../../../contracts/libraries/BlsBn254.sol";

/// @notice Exposes BlsBn254's internal functions to tests, and measures their gas.
contract BlsBn254Harness {
    function hashToPoint(bytes memory message, bytes memory dst) external view returns (uint256[2] memory) {
        return BlsBn254.hashToPoint(message, dst);
    }

    function hashToField(bytes memory message, bytes memory dst) external pure returns (uint256, uint256) {
        return BlsBn254.hashToField(message, dst);
    }

    function expandMessageXmd(bytes memory message, bytes memory dst, uint256 lengthInBytes)
        external
        pure
        returns (bytes memory)
    {
        return BlsBn254.expandMessageXmd(message, dst, lengthInBytes);
    }

    function mapToPoint(uint256 u) external view returns (uint256[2] memory) {
        return BlsBn254.mapToPoint(u);
    }

    function verify(uint256[2] memory signature, uint256[4] memory publicKey, bytes memory message, bytes memory dst)
        external
        view
        returns (bool)
    {
        return BlsBn254.verify(signature, publicKey, message, dst);
    }

    function isG2(uint256[4] memory point) external view returns (bool) {
        return BlsBn254.isG2(point);
    }

    /// @notice Gas used by `verify` (the call's own overhead excluded).
    function verifyGas(
        uint256[2] memory signature,
        uint256[4] memory publicKey,
        bytes memory message,
        bytes memory dst
    ) external view returns (uint256 gasUsed, bool valid) {
        uint256 before = gasleft();
        valid = BlsBn254.verify(signature, publicKey, message, dst);
        gasUsed = before - gasleft();
    }

    /// @notice Gas used by `hashToPoint`.
    function hashToPointGas(bytes memory message, bytes memory dst) external view returns (uint256 gasUsed) {
        uint256 before = gasleft();
        BlsBn254.hashToPoint(message, dst);
        gasUsed = before - gasleft();
    }
}
