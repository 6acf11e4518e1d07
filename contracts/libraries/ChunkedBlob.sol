// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title ChunkedBlob
/// @notice The on-chain side of a chunked blob (docs/distributed-training.md, "Chunked blobs"): a blob of `length`
/// bytes cut into 32-KiB chunks under a SHA-256 Merkle tree whose `root`, with the length, makes a 44-byte header;
/// the blob's digest is the header's SHA-256. Checks one chunk against a header with the SHA-256 precompile.
/// @dev Pure functions: the callers map their failures to their own errors.
library ChunkedBlob {
    /// @notice Bytes of every chunk but the last.
    uint32 internal constant CHUNK_BYTES = 32_768;
    /// @notice The magic a header starts with.
    bytes4 internal constant MAGIC = "VTB1";

    /// @notice The digest of the blob whose header holds `length` and `root`: SHA-256("VTB1" ‖ uint64 BE length ‖ root).
    function digest(uint64 length, bytes32 root) internal view returns (bytes32) {
        return sha256(abi.encodePacked(MAGIC, length, root));
    }

    /// @notice The shape of chunk `index` of a blob of `length` bytes: its byte count and its proof's sibling count
    /// (the tree's depth, ⌈log2 chunks⌉), and the blob's number of chunks. `bytes_` is 0 for an index out of range.
    function shape(uint64 length, uint64 index) internal pure returns (uint256 bytes_, uint256 depth, uint64 chunks) {
        chunks = uint64(Math.ceilDiv(length, CHUNK_BYTES));
        depth = chunks <= 1 ? 0 : Math.log2(chunks - 1) + 1;
        if (index >= chunks) return (0, depth, chunks);
        bytes_ = index + 1 < chunks ? uint256(CHUNK_BYTES) : length - (chunks - 1) * uint256(CHUNK_BYTES);
    }

    /// @notice The root that chunk `index` with siblings `proof` (from the leaves up) leads to: its SHA-256, then one
    /// SHA-256(left ‖ right) per level.
    function rootOf(uint64 index, bytes memory chunk, bytes32[] memory proof) internal view returns (bytes32 node) {
        node = sha256(chunk);
        for (uint256 h = 0; h < proof.length; h++) {
            node = (index >> h) & 1 == 1 ? sha256(abi.encodePacked(proof[h], node)) : sha256(abi.encodePacked(node, proof[h]));
        }
    }
}
