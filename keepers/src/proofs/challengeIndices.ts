import { assertFieldElement } from "../commitments/field.ts";
import { PoseidonWasm } from "../commitments/poseidonWasm.ts";
import { leavesAtDepth } from "../commitments/treeDepth.ts";
import { VeritrainError } from "../errors.ts";
import { STORAGE_CIRCUIT } from "./circuitParameters.ts";

const SAMPLE_MASK = (1n << BigInt(STORAGE_CIRCUIT.bitsPerSample)) - 1n;

/**
 * The leaves a storage proof must open, exactly as the circuit draws them (docs/storage-proofs.md):
 * `draw_j = Poseidon2(boundSeed, j)`; sample i reads the 64 bits starting at bit
 * `64 · (i mod 3)` of `draw_(i div 3)` as an integer u_i, and challenges leaf `u_i mod leafCount`
 * (uniform over the real leaves up to a bias below leafCount / 2^64).
 *
 * @example
 * challengeIndices({ boundSeed: 123n, leafCount: 14_000 }); // 13 indices in [0, 14000)
 */
export function challengeIndices({
  boundSeed,
  leafCount,
  samples = STORAGE_CIRCUIT.samples,
}: {
  boundSeed: bigint;
  leafCount: number;
  samples?: number;
}): number[] {
  assertFieldElement(boundSeed, "boundSeed");
  if (!Number.isSafeInteger(leafCount) || leafCount < 1 || leafCount > leavesAtDepth(STORAGE_CIRCUIT.depth)) {
    throw new VeritrainError(`leafCount must be an integer in [1, 4^${STORAGE_CIRCUIT.depth}], got ${leafCount}`, {
      code: "LEAF_COUNT_INVALID",
      details: { field: "leafCount", value: leafCount },
    });
  }
  const poseidon = PoseidonWasm.shared();
  const { samplesPerDraw, bitsPerSample } = STORAGE_CIRCUIT;
  return Array.from({ length: samples }, (_, i) => {
    const draw = poseidon.hash([boundSeed, BigInt(Math.floor(i / samplesPerDraw))]);
    const u = (draw >> BigInt(bitsPerSample * (i % samplesPerDraw))) & SAMPLE_MASK;
    return Number(u % BigInt(leafCount));
  });
}
