import { VeritrainError } from "../errors.ts";
import { assertFieldElement } from "./field.ts";
import { PoseidonWasm } from "./poseidonWasm.ts";

/**
 * The dataset root: the Poseidon2 Merkle root over the n column roots, in column order, in a
 * tree of depth ceil(log2 n) padded with zero leaves (n = 1: the column root itself). A tree
 * rather than one Poseidon(n) call because circomlib's Poseidon takes at most 16 inputs and
 * because a storage proof then only needs the provider's own column root plus log2 n siblings.
 *
 * @example
 * datasetRoot([rootA, rootB, rootC]); // Poseidon2(Poseidon2(rootA, rootB), Poseidon2(rootC, 0))
 */
export function datasetRoot(columnRoots: readonly bigint[]): bigint {
  if (columnRoots.length === 0) {
    throw new VeritrainError("columnRoots must hold at least one column root, got none", {
      code: "DATASET_EMPTY",
      details: { field: "columnRoots", value: 0 },
    });
  }
  columnRoots.forEach((root, i) => assertFieldElement(root, `columnRoots[${i}]`));
  const poseidon = PoseidonWasm.shared();
  let level = [...columnRoots];
  let zero = 0n;
  while (level.length > 1) {
    level = Array.from({ length: Math.ceil(level.length / 2) }, (_, i) => poseidon.hash([level[2 * i] ?? zero, level[2 * i + 1] ?? zero]));
    zero = poseidon.hash([zero, zero]);
  }
  return level[0] ?? zero;
}
