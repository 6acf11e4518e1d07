import { VeritrainError } from "../errors.ts";
import { decimalRational } from "./decimalRational.ts";
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

/**
 * Decodes {@link encodeGridSums}'s bytes.
 *
 * @throws VeritrainError `NOISE_OPENING_INVALID` for a wrong magic or length, or a value of magnitude 2^53 or more.
 * @example
 * const { firstStep, sums } = decodeGridSums(bytes);
 */
export function decodeGridSums(bytes: Uint8Array): GridSums {
  if (bytes.length < HEADER_BYTES || MAGIC.some((byte, i) => bytes[i] !== byte)) throw invalid("it does not start with \"vtdpsum1\"");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const firstStep = view.getBigUint64(MAGIC.length, true);
  const steps = view.getUint32(MAGIC.length + 8, true);
  const size = view.getUint32(MAGIC.length + 12, true);
  if (firstStep > BigInt(Number.MAX_SAFE_INTEGER) || bytes.length !== HEADER_BYTES + 8 * steps * size) {
    throw invalid(`${bytes.length} bytes for ${steps} steps of ${size} coordinates from step ${firstStep}`);
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
  return { firstStep: Number(firstStep), sums };
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
