/**
 * Parameters of the deployed storage-proof circuit (`circuits/storage/main.circom`); the
 * committed proving key, witness generator and verifier are built for exactly these.
 */
export const STORAGE_CIRCUIT = {
  /** Column tree depth, in 4-ary levels (docs/commitments.md). */
  depth: 13,
  /** Chunks challenged per proof. */
  samples: 13,
  /** Random bits drawn per sample. */
  bitsPerSample: 64,
  /** Samples taken from one Poseidon draw (3 × 64 ≤ 253 usable bits). */
  samplesPerDraw: 3,
} as const;
