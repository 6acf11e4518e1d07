/**
 * The refusal rules of the RDP accountant (docs/privacy-accounting.md §7). Each check throws one
 * VeritrainError with code `PRIVACY_SPEC_INVALID` naming the field, the rule and what to do.
 */

import { VeritrainError } from "../errors.ts";

/** The largest RDP order the accountant evaluates (binomial coefficients stay finite in binary64). */
export const MAX_RDP_ORDER = 1024;

function refuse(field: string, value: unknown, rule: string, advice: string): never {
  throw new VeritrainError(`${field} ${rule}, got ${String(value)}: ${advice}`, {
    code: "PRIVACY_SPEC_INVALID",
    details: { field, value, rule },
  });
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * Requires a Poisson sampling rate q with 0 < q ≤ 1.
 *
 * @throws VeritrainError `PRIVACY_SPEC_INVALID` otherwise.
 * @example
 * assertSampleRate(256 / 60000);
 */
export function assertSampleRate(sampleRate: unknown): asserts sampleRate is number {
  if (!isNumber(sampleRate) || !(sampleRate > 0 && sampleRate <= 1)) {
    refuse("sampleRate", sampleRate, "must be a number in (0, 1]", "use the expected batch size divided by the number of examples");
  }
}

/**
 * Requires a noise multiplier σ (noise standard deviation over the clipping norm) that is finite and > 0.
 *
 * @throws VeritrainError `PRIVACY_SPEC_INVALID` otherwise.
 */
export function assertNoiseMultiplier(noiseMultiplier: unknown): asserts noiseMultiplier is number {
  if (!isNumber(noiseMultiplier) || !(noiseMultiplier > 0)) {
    refuse("noiseMultiplier", noiseMultiplier, "must be a finite number > 0", "without noise there is no finite ε; state a positive σ");
  }
}

/**
 * Requires a step count that is a positive safe integer.
 *
 * @throws VeritrainError `PRIVACY_SPEC_INVALID` otherwise.
 */
export function assertSteps(steps: unknown): asserts steps is number {
  if (!Number.isSafeInteger(steps) || (steps as number) < 1) {
    refuse("steps", steps, "must be a positive integer", "count the noisy gradient steps of the whole run");
  }
}

/**
 * Requires δ with 0 < δ < 1.
 *
 * @throws VeritrainError `PRIVACY_SPEC_INVALID` otherwise.
 */
export function assertDelta(delta: unknown): asserts delta is number {
  if (!isNumber(delta) || !(delta > 0 && delta < 1)) {
    refuse("delta", delta, "must be a number in (0, 1)", "choose δ well below 1/(number of examples), e.g. 1e-5");
  }
}

/**
 * Requires a target ε that is finite and > 0.
 *
 * @throws VeritrainError `PRIVACY_SPEC_INVALID` otherwise.
 */
export function assertTargetEpsilon(targetEpsilon: unknown): asserts targetEpsilon is number {
  if (!isNumber(targetEpsilon) || !(targetEpsilon > 0)) {
    refuse("targetEpsilon", targetEpsilon, "must be a finite number > 0", "state the privacy budget ε the job may spend");
  }
}

/**
 * Requires a non-empty list of RDP orders α, each finite with 1 < α ≤ {@link MAX_RDP_ORDER}.
 *
 * @throws VeritrainError `PRIVACY_SPEC_INVALID` otherwise.
 */
export function assertOrders(orders: unknown): asserts orders is readonly number[] {
  if (!Array.isArray(orders) || orders.length === 0) {
    refuse("orders", orders, "must be a non-empty array of RDP orders", "omit it to use the default orders");
  }
  for (const order of orders) {
    if (!isNumber(order) || !(order > 1 && order <= MAX_RDP_ORDER)) {
      refuse("orders", order, `must each be a number in (1, ${MAX_RDP_ORDER}]`, "drop the order or omit orders to use the default ones");
    }
  }
}
