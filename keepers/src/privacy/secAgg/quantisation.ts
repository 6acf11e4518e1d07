import { VeritrainError } from "../../errors.ts";
import { roundHalfEven } from "../../rounds/updateCompression.ts";

const TWO_POW_31 = 2_147_483_648;
const TWO_POW_32 = 4_294_967_296;
/** 2^30 is the largest power of two `1 << f` yields as a positive int32. */
const MAX_FRACTION_BITS = 30;

/**
 * Fixed-point quantisation of float updates into words mod 2^32 (docs/secure-aggregation.md,
 * "Quantisation"): q = roundHalfEven(clamp(x, −r, r) · 2^f), stored as q mod 2^32 (two's complement).
 */
export type Quantisation = Readonly<{
  /** r > 0: every coordinate is clipped to [−r, r]. */
  clip: number;
  /** f: the scale is 2^f, so one unit of q is 2^−f. */
  fractionBits: number;
  /** The most contributions a sum may hold: participants · bound < 2^31 keeps the sum's sign. */
  participants: number;
  /** R = roundHalfEven(r · 2^f), the largest |q|. */
  bound: number;
}>;

/** Parameters of {@link quantisation}. */
export type QuantisationParameters = { clip: number; fractionBits: number; participants: number };

function invalid(message: string, details: Record<string, unknown>): VeritrainError {
  return new VeritrainError(message, { code: "SECAGG_QUANTISATION_INVALID", details });
}

function scaleOf(fractionBits: number): number {
  return 1 << fractionBits;
}

/**
 * Checks a quantisation and computes its bound R. Requires r finite and > 0, f an integer in
 * [0, 30], n ≥ 1 and n · R ≤ 2^31 − 1, so the sum of n quantised coordinates, read as a signed
 * int32, is exact.
 *
 * @throws VeritrainError `SECAGG_QUANTISATION_INVALID` naming the broken rule.
 * @example
 * quantisation({ clip: 1, fractionBits: 26, participants: 16 }).bound; // 67108864
 */
export function quantisation({ clip, fractionBits, participants }: QuantisationParameters): Quantisation {
  if (!Number.isFinite(clip) || clip <= 0) throw invalid(`quantisation clip must be finite and > 0, got ${clip}`, { clip });
  if (!Number.isInteger(fractionBits) || fractionBits < 0 || fractionBits > MAX_FRACTION_BITS) {
    throw invalid(`quantisation fractionBits must be an integer in [0, ${MAX_FRACTION_BITS}], got ${fractionBits}`, { fractionBits });
  }
  if (!Number.isSafeInteger(participants) || participants < 1) throw invalid(`quantisation participants must be a positive integer, got ${participants}`, { participants });
  const bound = roundHalfEven(clip * scaleOf(fractionBits));
  if (participants * bound > TWO_POW_31 - 1) {
    throw invalid(
      `quantisation overflows: ${participants} participants × bound ${bound} (clip ${clip} · 2^${fractionBits}) exceeds 2^31 − 1; lower fractionBits or clip`,
      { clip, fractionBits, participants, bound },
    );
  }
  return Object.freeze({ clip, fractionBits, participants, bound });
}

/**
 * The largest f for which {@link quantisation} accepts (clip, f, participants): the finest grid
 * whose sum of n contributions still fits a signed int32.
 *
 * @throws VeritrainError `SECAGG_QUANTISATION_INVALID` when even f = 0 overflows.
 * @example
 * maxFractionBits({ clip: 1, participants: 16 }); // 26
 */
export function maxFractionBits({ clip, participants }: { clip: number; participants: number }): number {
  quantisation({ clip, fractionBits: 0, participants });
  let fractionBits = 0;
  while (fractionBits < MAX_FRACTION_BITS && participants * roundHalfEven(clip * scaleOf(fractionBits + 1)) <= TWO_POW_31 - 1) fractionBits++;
  return fractionBits;
}

/**
 * Quantises a float vector into words mod 2^32: word i = roundHalfEven(clamp(x_i, −r, r) · 2^f)
 * mod 2^32. Multiplying by 2^f is exact in binary64, so the result is the same on every machine.
 *
 * @throws VeritrainError `SECAGG_QUANTISATION_INVALID` at the first NaN or ±∞ (`details.index`).
 * @example
 * quantise(Float32Array.of(0.5, -2, 1e-9), quantisation({ clip: 1, fractionBits: 4, participants: 4 }));
 * // → Uint32Array [8, 4294967280, 0]
 */
export function quantise(values: ArrayLike<number>, { clip, fractionBits }: Quantisation): Uint32Array {
  const scale = scaleOf(fractionBits);
  const words = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!Number.isFinite(value)) throw invalid(`cannot quantise ${value} at index ${i}: updates must be finite`, { index: i, value });
    words[i] = roundHalfEven(Math.min(clip, Math.max(-clip, value)) * scale);
  }
  return words;
}

/**
 * The real sum that an unmasked sum of `contributions` quantised vectors stands for: each word
 * read as a signed int32 (w ≥ 2^31 means w − 2^32), times 2^−f. Exact, because |Σ q| ≤ n · R < 2^31.
 *
 * @throws VeritrainError `SECAGG_QUANTISATION_INVALID` if `contributions` exceeds the quantisation's participants.
 * @example
 * dequantiseSum(Uint32Array.of(16, 4294967280), 2, quantisation({ clip: 1, fractionBits: 4, participants: 4 }));
 * // → Float64Array [1, -1]
 */
export function dequantiseSum(sum: Uint32Array, contributions: number, { fractionBits, participants }: Quantisation): Float64Array {
  if (!Number.isSafeInteger(contributions) || contributions < 1 || contributions > participants) {
    throw invalid(`a sum of ${contributions} contributions is outside this quantisation's 1 … ${participants}`, { contributions, participants });
  }
  const unit = 1 / scaleOf(fractionBits);
  const values = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) {
    const word = sum[i]!;
    values[i] = (word >= TWO_POW_31 ? word - TWO_POW_32 : word) * unit;
  }
  return values;
}

/**
 * The mean of a sum of `contributions` quantised vectors, the aggregate of a round under secure aggregation
 * (docs/secure-aggregation.md §6): a_i = fround(d_i / c), d_i the exact {@link dequantiseSum} value and the
 * division binary64. Every participant is weighted alike: the sum hides who contributed what, so weights would
 * have to be applied by each participant before quantising.
 *
 * @throws VeritrainError `SECAGG_QUANTISATION_INVALID` when `contributions` is outside 1 … participants.
 * @example
 * dequantiseMean(Uint32Array.of(16, 4294967280), 2, quantisation({ clip: 1, fractionBits: 4, participants: 4 }));
 * // → Float32Array [0.5, -0.5]
 */
export function dequantiseMean(sum: Uint32Array, contributions: number, q: Quantisation): Float32Array {
  const total = dequantiseSum(sum, contributions, q);
  const mean = new Float32Array(total.length);
  for (let i = 0; i < total.length; i++) mean[i] = Math.fround(total[i]! / contributions);
  return mean;
}
