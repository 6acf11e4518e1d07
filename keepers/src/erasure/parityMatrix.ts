import { gfInverse, gfMultiply } from "./galoisField.ts";

/** Parameters of {@link parityMatrix}. */
export type ParityMatrixParameters = {
  /** k, the number of data shards (1..254). */
  dataCount: number;
  /** n − k, the number of parity shards (1..255 − k). */
  parityCount: number;
};

/**
 * The parity rows of the systematic generator matrix: `parityCount × dataCount` bytes,
 * row-major. Parity shard i is the GF(2^8) dot product of row i with the data shards.
 *
 * Entry (i, j) = (k XOR j) / ((k + i) XOR j): the Cauchy matrix 1 / (x_i + y_j) with
 * x_i = k + i and y_j = j (ISA-L's `gf_gen_cauchy1_matrix` points), each column divided by its
 * first entry. Every square submatrix of a Cauchy matrix is invertible and scaling columns keeps
 * that, so any k of the n shards decode (MDS) for every n <= 256. The column scaling makes row 0
 * all ones, so parity shard 0 is the XOR of the data shards — the same bytes that
 * @ronomon/reed-solomon writes for its first parity shard.
 *
 * @example
 * parityMatrix({ dataCount: 2, parityCount: 2 }); // Uint8Array [0x01, 0x01, 0xf5, 0x8f]: rows [1 1], [f5 8f]
 */
export function parityMatrix({ dataCount, parityCount }: ParityMatrixParameters): Uint8Array {
  const matrix = new Uint8Array(parityCount * dataCount);
  for (let i = 0; i < parityCount; i++) {
    for (let j = 0; j < dataCount; j++) {
      matrix[i * dataCount + j] = gfMultiply(dataCount ^ j, gfInverse((dataCount + i) ^ j));
    }
  }
  return matrix;
}
