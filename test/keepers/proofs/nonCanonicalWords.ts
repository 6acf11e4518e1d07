import { BASE_FIELD_MODULUS } from "../../../keepers/src/proofs/bn254.ts";
import type { ProofCalldata } from "../../../keepers/src/proofs/proofEncoding.ts";

/**
 * Non-canonical encodings of proof and term coordinates: words ≥ p that a verifier doing its
 * arithmetic modulo p would read as the canonical coordinate. Shared by the Solidity verifier's
 * tests and the TypeScript verifier's, so both reject the same inputs.
 */

const P = BASE_FIELD_MODULUS;
const WORD = 1n << 256n;

/** The words of a proof in calldata order (`IStorageProofVerifier.verifyProof`). */
const PROOF_WORDS = ["a.x", "a.y", "b.x1", "b.x0", "b.y1", "b.y0", "c.x", "c.y"] as const;

/** `value + k·p` for every k ≥ 1 that keeps it below 2^256 (a uint256): ≡ value mod p, and ≥ p. */
export function liftsOf(value: bigint): bigint[] {
  const lifts: bigint[] = [];
  for (let lifted = value + P; lifted < WORD; lifted += P) lifts.push(lifted);
  return lifts;
}

/**
 * The words ≥ p that the negation `mod(sub(P, y), P)` (256-bit wrapping subtraction) maps to −y,
 * as it maps y: y + (2^256 mod p) + k·p in [p, 2^256). They are not ≡ y mod p; they are what a
 * verifier that negates A's y without checking it first accepts in place of y.
 */
export function wrappedNegationLifts(y: bigint): bigint[] {
  const lifts: bigint[] = [];
  for (let lifted = y + (WORD % P); lifted < WORD; lifted += P) if (lifted >= P) lifts.push(lifted);
  return lifts;
}

/** One proof with one word replaced by a non-canonical value. */
export type NonCanonicalProof = { word: (typeof PROOF_WORDS)[number]; index: number; label: string; calldata: ProofCalldata };

/**
 * For each of the 8 words of `calldata`, copies with that word replaced by each of its
 * {@link liftsOf}, and for a.y also by each of its {@link wrappedNegationLifts}.
 */
export function nonCanonicalProofs(calldata: ProofCalldata): NonCanonicalProof[] {
  return PROOF_WORDS.flatMap((word, i) => {
    const value = calldata[i]!;
    const replaced = (lifted: bigint) => calldata.map((v, j) => (j === i ? lifted : v)) as unknown as ProofCalldata;
    const lifts = liftsOf(value).map((lifted) => ({ word, index: i, label: `${word} + ${(lifted - value) / P}·p`, calldata: replaced(lifted) }));
    const wrapped =
      word === "a.y"
        ? wrappedNegationLifts(value).map((lifted) => ({ word, index: i, label: `a.y + (2^256 mod p) + ${(lifted - value - (WORD % P)) / P}·p`, calldata: replaced(lifted) }))
        : [];
    return [...lifts, ...wrapped];
  });
}

/**
 * The x coordinates of the 128-byte compressed form (docs/proof-encoding.md): name, index in the
 * calldata, byte offset, and whether the word's top two bits are flags (then it holds 254 bits).
 */
const COMPRESSED_X_WORDS = [
  ["a.x", 0, 0, true],
  ["b.x1", 2, 32, true],
  ["b.x0", 3, 64, false],
  ["c.x", 6, 96, true],
] as const;

/** One compressed proof with one x coordinate replaced by a non-canonical value. */
export type NonCanonicalCompressedProof = {
  word: (typeof COMPRESSED_X_WORDS)[number][0];
  label: string;
  bytes: Uint8Array;
  /** The same replacement in the calldata form. */
  calldata: ProofCalldata;
};

/**
 * Copies of `bytes`, the compressed form of `calldata`, with one x coordinate replaced by each of
 * its {@link liftsOf} that the word can hold (below 2^254 under the flags, any for b.x0), the
 * flags kept. The y coordinates travel as a sign flag only, so they have no other encoding there.
 */
export function nonCanonicalCompressedProofs(bytes: Uint8Array, calldata: ProofCalldata): NonCanonicalCompressedProof[] {
  return COMPRESSED_X_WORDS.flatMap(([word, index, offset, flagged]) => {
    const value = calldata[index]!;
    return liftsOf(value)
      .filter((lifted) => !flagged || lifted < 1n << 254n)
      .map((lifted) => {
        const tampered = Uint8Array.from(bytes);
        tampered.set(Buffer.from(lifted.toString(16).padStart(64, "0"), "hex"), offset);
        if (flagged) tampered[offset]! |= bytes[offset]! & 0xc0;
        const liftedCalldata = calldata.map((v, j) => (j === index ? lifted : v)) as unknown as ProofCalldata;
        return { word, label: `${word} + ${(lifted - value) / P}·p`, bytes: tampered, calldata: liftedCalldata };
      });
  });
}
