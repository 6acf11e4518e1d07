import { VeritrainError } from "../errors.ts";
import { gfInverse, gfMultiply } from "./galoisField.ts";

/** Parameters of {@link invertMatrix}. */
export type InvertMatrixParameters = {
  /** `size × size` GF(2^8) elements, row-major; not modified. */
  matrix: Uint8Array;
  /** The number of rows (and columns). */
  size: number;
};

/**
 * The inverse of a square matrix over GF(2^8), by Gauss–Jordan elimination. The decoder
 * inverts the k rows of the generator matrix that belong to the shards it has.
 *
 * @example
 * invertMatrix({ matrix: Uint8Array.of(1, 0, 0, 1), size: 2 }); // Uint8Array [1, 0, 0, 1]
 */
export function invertMatrix({ matrix, size }: InvertMatrixParameters): Uint8Array {
  const work = matrix.slice();
  const inverse = new Uint8Array(size * size);
  for (let i = 0; i < size; i++) inverse[i * size + i] = 1;
  for (let col = 0; col < size; col++) {
    let pivot = col;
    while (pivot < size && work[pivot * size + col] === 0) pivot++;
    if (pivot === size) {
      throw new VeritrainError(`matrix must be invertible, column ${col} has no pivot`, {
        code: "ERASURE_MATRIX_SINGULAR",
        details: { size, column: col },
      });
    }
    if (pivot !== col) {
      swapRows(work, size, pivot, col);
      swapRows(inverse, size, pivot, col);
    }
    const scale = gfInverse(work[col * size + col]!);
    scaleRow(work, size, col, scale);
    scaleRow(inverse, size, col, scale);
    for (let row = 0; row < size; row++) {
      const factor = work[row * size + col]!;
      if (row === col || factor === 0) continue;
      addScaledRow(work, size, col, row, factor);
      addScaledRow(inverse, size, col, row, factor);
    }
  }
  return inverse;
}

function swapRows(m: Uint8Array, size: number, a: number, b: number): void {
  for (let c = 0; c < size; c++) {
    const t = m[a * size + c]!;
    m[a * size + c] = m[b * size + c]!;
    m[b * size + c] = t;
  }
}

function scaleRow(m: Uint8Array, size: number, row: number, factor: number): void {
  for (let c = 0; c < size; c++) m[row * size + c] = gfMultiply(m[row * size + c]!, factor);
}

/** row `to` += factor · row `from` (addition is XOR in GF(2^8)). */
function addScaledRow(m: Uint8Array, size: number, from: number, to: number, factor: number): void {
  for (let c = 0; c < size; c++) m[to * size + c]! ^= gfMultiply(m[from * size + c]!, factor);
}
