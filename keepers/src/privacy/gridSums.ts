import { VeritrainError } from "../errors.ts";
import { decimalRational, type Rational } from "./decimalRational.ts";
import { DP_FRACTION_BITS } from "./dpSgd.ts";

// A DP-SGD run's grid sums (docs/distributed-training.md, "Noise-seed openings"): for each optimizer step, the sum
// of its Poisson batch's clipped per-example gradients on the grid Δ = 2^−20, before the noise — integers below 2^53
// (docs/training.md §6a). With the noise seed they are the whole of a private run but the examples: a committee
// replays the optimizer from them and checks each against the clipping bound.

const MAGIC = new TextEncoder().encode("vtdpsum1");
const HEADER_BYTES = MAGIC.length + 8 + 4 + 4;
const MAX_GRID_INTEGER = 2 ** 53 - 1;

/** A run's grid sums: step `firstStep + t`'s in `sums[t]`, each as long as the model. */
export type GridSums = { firstStep: number; sums: Float64Array[] };

function invalid(reason: string, details: Record<string, unknown> = {}): VeritrainError {
  return new VeritrainError(`grid sums blob is invalid: ${reason}`, { code: "NOISE_OPENING_INVALID", details });
}

/**
 * Encodes grid sums: "vtdpsum1" ‖ uint64le firstStep ‖ uint32le steps ‖ uint32le size ‖ steps × size int64le, step
 * by step, each in coordinate order.
 *
 * @throws VeritrainError `NOISE_OPENING_INVALID` if the sums differ in length or a value is not an integer below 2^53.
 * @example
 * const bytes = encodeGridSums({ firstStep: 30, sums });
 */
export function encodeGridSums({ firstStep, sums }: GridSums): Uint8Array {
  const size = sums[0]?.length ?? 0;
  const bytes = new Uint8Array(HEADER_BYTES + 8 * size * sums.length);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC);
  view.setBigUint64(MAGIC.length, BigInt(firstStep), true);
  view.setUint32(MAGIC.length + 8, sums.length, true);
  view.setUint32(MAGIC.length + 12, size, true);
  let offset = HEADER_BYTES;
  for (const [t, sum] of sums.entries()) {
    if (sum.length !== size) throw invalid(`step ${t}'s sum has ${sum.length} coordinates, the first ${size}`, { step: t });
    for (const value of sum) {
      if (!Number.isInteger(value) || Math.abs(value) > MAX_GRID_INTEGER) throw invalid(`step ${t} holds ${value}, not an integer below 2^53`, { step: t });
      view.setBigInt64(offset, BigInt(value), true);
      offset += 8;
    }
  }
  return bytes;
}

/** The length of {@link encodeGridSums}'s bytes for `steps` sums of `size` coordinates. */
export function gridSumsBytes(steps: number, size: number): number {
  return HEADER_BYTES + 8 * steps * size;
}

/**
 * Decodes {@link encodeGridSums}'s bytes, which must hold `expected.steps` sums of `expected.size` coordinates from step
 * `expected.firstStep` (checked before anything is allocated).
 *
 * @throws VeritrainError `NOISE_OPENING_INVALID` for a wrong magic, header or length, or a value of magnitude 2^53 or more.
 * @example
 * const { sums } = decodeGridSums(bytes, { firstStep: 30, steps: 15, size: 61706 });
 */
export function decodeGridSums(bytes: Uint8Array, expected: { firstStep: number; steps: number; size: number }): GridSums {
  if (bytes.length < HEADER_BYTES || MAGIC.some((byte, i) => bytes[i] !== byte)) throw invalid("it does not start with \"vtdpsum1\"");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const firstStep = view.getBigUint64(MAGIC.length, true);
  const steps = view.getUint32(MAGIC.length + 8, true);
  const size = view.getUint32(MAGIC.length + 12, true);
  if (firstStep !== BigInt(expected.firstStep) || steps !== expected.steps || size !== expected.size || bytes.length !== gridSumsBytes(steps, size)) {
    throw invalid(`${bytes.length} bytes for ${steps} steps of ${size} coordinates from step ${firstStep}; the round has ${expected.steps} of ${expected.size} from step ${expected.firstStep}`);
  }
  let offset = HEADER_BYTES;
  const sums = Array.from({ length: steps }, (_, t) => {
    const sum = new Float64Array(size);
    for (let i = 0; i < size; i++, offset += 8) {
      const value = view.getBigInt64(offset, true);
      if (value > BigInt(MAX_GRID_INTEGER) || value < -BigInt(MAX_GRID_INTEGER)) throw invalid(`step ${t}, coordinate ${i} holds ${value}, beyond 2^53`, { step: t, coordinate: i });
      sum[i] = Number(value);
    }
    return sum;
  });
  return { firstStep: expected.firstStep, sums };
}

/**
 * Whether a step's grid sum can be the sum of `examples` clipped examples: each example moves it by at most
 * C·2^20 grid units in L2 norm (docs/training.md §6a), so ‖sum‖² ≤ (examples · C · 2^20)². Exact: the squares are
 * summed as integers, C read as the exact rational of its decimal string.
 *
 * @example
 * withinClippingBound({ sum, examples: 61, clipNorm: "1" }); // true for an honest step's sum
 */
export function withinClippingBound({ sum, examples, clipNorm }: { sum: Float64Array; examples: number; clipNorm: string }): boolean {
  const { numerator, denominator } = decimalRational(clipNorm, "privacy.clipNorm");
  let squares = 0n;
  for (const value of sum) {
    const integer = BigInt(value);
    squares += integer * integer;
  }
  const bound = BigInt(examples) * numerator * (1n << BigInt(DP_FRACTION_BITS));
  return squares * denominator * denominator <= bound * bound;
}

/** Standard deviations of ⟨S, z⟩ below zero beyond which a step's sum counts as cancelling its noise. */
export const NOISE_CORRELATION_BOUND = 6;

/**
 * Whether a step's grid sum S is not anti-correlated with the step's noise z (grid units): an honest S does not depend
 * on z (the step's gradients are computed before its noise is drawn), so ⟨S, z⟩ is about N(0, ‖S‖²·(σC·2^20)²); a sum
 * that scales the noise down, S − α·z, has ⟨S, z⟩ ≈ −α·‖z‖². Refused when ⟨S, z⟩ < −6·‖S‖·σC·2^20 (an honest sum fails
 * with probability ~10⁻⁹), which catches α above about 6‖S‖/(σC·2^20·d). It does not catch noise stripped from some
 * coordinates and balanced by more noise on others (docs/distributed-training.md, "Noise-seed openings"). Exact:
 * integers, σ and C as exact rationals.
 *
 * @example
 * leavesNoise({ sum, noise: gradient.noiseGrid({ seed, step }), noiseMultiplier: binary64Rational(σ), clipNorm: "1" });
 */
export function leavesNoise({ sum, noise, noiseMultiplier, clipNorm }: { sum: Float64Array; noise: Float64Array; noiseMultiplier: Rational; clipNorm: string }): boolean {
  let inner = 0n;
  let squares = 0n;
  for (let i = 0; i < sum.length; i++) {
    const s = BigInt(sum[i]!);
    inner += s * BigInt(noise[i]!);
    squares += s * s;
  }
  if (inner >= 0n) return true;
  const c = decimalRational(clipNorm, "privacy.clipNorm");
  const k = BigInt(NOISE_CORRELATION_BOUND);
  const scale = 1n << BigInt(2 * DP_FRACTION_BITS);
  const left = inner * inner * noiseMultiplier.denominator ** 2n * c.denominator ** 2n;
  return left <= k * k * squares * noiseMultiplier.numerator ** 2n * c.numerator ** 2n * scale;
}
