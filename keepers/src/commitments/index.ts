/** Column commitments of veritrain datasets; the byte-exact spec is docs/commitments.md. */
export { CHUNK_BYTES, columnLeaves, leafCountOf, packChunk } from "./chunk-packing.ts";
export { columnRoot, type ColumnCommitment, type ColumnRootParameters } from "./column-root.ts";
export { datasetRoot } from "./dataset-root.ts";
export { FIELD_MODULUS, fieldFromBytes32Hex, fieldToBytes32Hex } from "./field.ts";
export { merkleProof, verifyMerkleProof, type MerkleProof, type MerkleProofParameters, type VerifyMerkleProofParameters } from "./merkle-proof.ts";
export { PoseidonWasm } from "./poseidon-wasm.ts";
export { DEFAULT_COLUMN_DEPTH, MAX_DEPTH } from "./tree-depth.ts";
