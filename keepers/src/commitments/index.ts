/** Column commitments of veritrain datasets; the byte-exact spec is docs/commitments.md. */
export { CHUNK_BYTES, columnLeaves, leafCountOf, packChunk } from "./chunkPacking.ts";
export { columnRoot, type ColumnCommitment, type ColumnRootParameters } from "./columnRoot.ts";
export { datasetRoot } from "./datasetRoot.ts";
export { FIELD_MODULUS, fieldFromBytes32Hex, fieldToBytes32Hex } from "./field.ts";
export { merkleProof, verifyMerkleProof, type MerkleProof, type MerkleProofParameters, type VerifyMerkleProofParameters } from "./merkleProof.ts";
export { PoseidonWasm } from "./poseidonWasm.ts";
export { DEFAULT_COLUMN_DEPTH, MAX_DEPTH } from "./treeDepth.ts";
