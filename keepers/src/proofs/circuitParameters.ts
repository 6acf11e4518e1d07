/**
 * Parameters of the deployed storage-proof circuit (`circuits/storage/main.circom`); the
 * committed proving key, witness generator and verifier are built for exactly these.
 */
export const STORAGE_CIRCUIT = {
  /** Column tree depth (docs/commitments.md). */
  depth: 25,
  /** Chunks challenged per proof. */
  samples: 9,
  /** Random bits drawn per sample. */
  bitsPerSample: 64,
  /** Samples taken from one Poseidon draw (3 × 64 ≤ 253 usable bits). */
  samplesPerDraw: 3,
} as const;
