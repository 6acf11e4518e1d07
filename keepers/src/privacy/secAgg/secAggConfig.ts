import { VeritrainError } from "../../errors.ts";

/** Bounds a neighbourhood, hence a sender's envelopes and commitments and each share's check (t point multiplications). */
const MAX_NEIGHBOURHOOD = 255;
/** Participant ids travel as uint32; far more than any round needs, but bounded. */
const MAX_PARTICIPANTS = 65_535;
/** 2^28 words (1 GiB of masks) keeps every ChaCha20 block counter far below 2^32. */
const MAX_VECTOR_LENGTH = 1 << 28;

/**
 * The public parameters of one secure-aggregation round (docs/secure-aggregation.md, "Parameters").
 * Every participant and the server hold the same object; participants are the ids 0 … n − 1.
 */
export type SecAggConfig = Readonly<{
  /** The round's public 32-byte seed: salts every KDF and orders the neighbour graph. */
  roundSeed: Uint8Array;
  /** n, the number of participants. */
  participants: number;
  /** k, the size of a neighbourhood, the participant included: the number of shares of each secret. */
  neighbourhood: number;
  /** t, the shares needed to reconstruct a secret. */
  threshold: number;
  /** L, the number of uint32 words in each input vector. */
  vectorLength: number;
}>;

/** Parameters of {@link secAggConfig}. */
export type SecAggConfigParameters = {
  roundSeed: Uint8Array;
  participants: number;
  vectorLength: number;
  /** @default min(n, 2⌊n/3⌋ + 3) */
  neighbourhood?: number;
  /** @default ⌊k/2⌋ + 1 */
  threshold?: number;
};

function invalid(field: string, rule: string, value: unknown): VeritrainError {
  return new VeritrainError(`secure aggregation config: ${field} ${rule}, got ${String(value)}`, {
    code: "SECAGG_CONFIG_INVALID",
    details: { field, rule, value },
  });
}

function integerIn(value: number, field: string, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw invalid(field, `must be an integer in [${min}, ${max}]`, value);
  return value;
}

/**
 * Checks and completes a round's parameters. The defaults, k = min(n, 2⌊n/3⌋ + 3) and
 * t = ⌊k/2⌋ + 1, survive ⌊n/3⌋ dropouts anywhere (k − t ≥ ⌊n/3⌋), keep ⌊n/3⌋ colluding participants
 * below the threshold (t − 1 ≥ ⌊n/3⌋), and keep the honest survivors connected in the graph when
 * both happen at once (the ring is (k − 1)-connected and 2⌊n/3⌋ ≤ k − 2), so that the masks of no
 * group of honest inputs cancel on their own (docs/secure-aggregation.md, "Parameters").
 *
 * Rules: a 32-byte seed; 3 ≤ n ≤ 65,535; 3 ≤ k ≤ min(n, 255), odd unless k = n (the ring is
 * symmetric only then); ⌊k/2⌋ + 1 ≤ t ≤ k (a strict majority, so a server that lies about who
 * dropped out cannot gather t shares of both secrets of one participant from honest neighbours);
 * 1 ≤ L ≤ 2^28.
 *
 * @throws VeritrainError `SECAGG_CONFIG_INVALID` with `details.field` and `details.rule`.
 * @example
 * secAggConfig({ roundSeed: new Uint8Array(32), participants: 16, vectorLength: 61_706 });
 * // → { participants: 16, neighbourhood: 13, threshold: 7, … }
 */
export function secAggConfig({ roundSeed, participants, vectorLength, neighbourhood, threshold }: SecAggConfigParameters): SecAggConfig {
  if (!(roundSeed instanceof Uint8Array) || roundSeed.length !== 32) throw invalid("roundSeed", "must be 32 bytes", roundSeed?.length);
  const n = integerIn(participants, "participants", 3, MAX_PARTICIPANTS);
  const k = integerIn(neighbourhood ?? Math.min(n, 2 * Math.floor(n / 3) + 3), "neighbourhood", 3, Math.min(n, MAX_NEIGHBOURHOOD));
  if (k !== n && k % 2 === 0) throw invalid("neighbourhood", "must be odd unless it equals participants", k);
  const t = integerIn(threshold ?? Math.floor(k / 2) + 1, "threshold", Math.floor(k / 2) + 1, k);
  const length = integerIn(vectorLength, "vectorLength", 1, MAX_VECTOR_LENGTH);
  return Object.freeze({ roundSeed: Uint8Array.from(roundSeed), participants: n, neighbourhood: k, threshold: t, vectorLength: length });
}
