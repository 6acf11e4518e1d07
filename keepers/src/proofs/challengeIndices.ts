import { type Address, hexToBigInt, isAddress } from "viem";
import { assertFieldElement } from "../commitments/field.ts";
import { PoseidonWasm } from "../commitments/poseidonWasm.ts";
import { leavesAtDepth } from "../commitments/treeDepth.ts";
import { VeritrainError } from "../errors.ts";
import { STORAGE_CIRCUIT } from "./circuitParameters.ts";

const SAMPLE_MASK = (1n << BigInt(STORAGE_CIRCUIT.bitsPerSample)) - 1n;

/** Parameters of {@link challengeIndices}. */
export type ChallengeIndicesParameters = {
  /** The round's seed (its VRF word mod r), a field element. */
  seed: bigint;
  /** The prover's address. */
  prover: Address;
  /** Leaves of the committed column. */
  leafCount: number;
  /** Samples to draw. @default STORAGE_CIRCUIT.samples */
  samples?: number;
};

/**
 * The leaves a storage proof must open, exactly as the circuit draws them (docs/storage-proofs.md):
 * `draw_j = Poseidon3(seed, prover, j)`; sample i reads the 64 bits starting at bit
 * `64 · (i mod 3)` of `draw_(i div 3)` as an integer u_i, and challenges leaf `u_i mod leafCount`
 * (uniform over the real leaves up to a bias below leafCount / 2^64).
 *
 * @example
 * challengeIndices({ seed: 123n, prover: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", leafCount: 14_000 }); // 13 indices in [0, 14000)
 */
export function challengeIndices({ seed, prover, leafCount, samples = STORAGE_CIRCUIT.samples }: ChallengeIndicesParameters): number[] {
  assertFieldElement(seed, "seed");
  if (!isAddress(prover, { strict: false })) {
    throw new VeritrainError(`prover must be an address, got ${String(prover)}`, { code: "PROVER_INVALID", details: { field: "prover", value: String(prover) } });
  }
  if (!Number.isSafeInteger(leafCount) || leafCount < 1 || leafCount > leavesAtDepth(STORAGE_CIRCUIT.depth)) {
    throw new VeritrainError(`leafCount must be an integer in [1, 4^${STORAGE_CIRCUIT.depth}], got ${leafCount}`, {
      code: "LEAF_COUNT_INVALID",
      details: { field: "leafCount", value: leafCount },
    });
  }
  if (!Number.isSafeInteger(samples) || samples < 1) {
    throw new VeritrainError(`samples must be a positive integer, got ${samples}`, { code: "SAMPLES_INVALID", details: { field: "samples", value: samples } });
  }
  const poseidon = PoseidonWasm.shared();
  const { samplesPerDraw, bitsPerSample } = STORAGE_CIRCUIT;
  const proverElement = hexToBigInt(prover);
  return Array.from({ length: samples }, (_, i) => {
    const draw = poseidon.hash([seed, proverElement, BigInt(Math.floor(i / samplesPerDraw))]);
    const u = (draw >> BigInt(bitsPerSample * (i % samplesPerDraw))) & SAMPLE_MASK;
    return Number(u % BigInt(leafCount));
  });
}
