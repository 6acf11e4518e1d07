import { VeritrainError } from "../errors.ts";
import { logF64 } from "../training/deterministicMath.ts";
import { assertDelta, assertOrders } from "./privacyInputs.ts";

/** Parameters of {@link rdpToEpsilon}. */
export type RdpToEpsilonParameters = {
  /** RDP orders α, each in (1, 1024]. */
  orders: readonly number[];
  /** RDP value at each order (same length as `orders`), each ≥ 0 or +∞. */
  rdp: ArrayLike<number>;
  /** Target δ, 0 < δ < 1. */
  delta: number;
};

/** What {@link rdpToEpsilon} returns. */
export type RdpToEpsilonReturnType = {
  /** The smallest ε over the orders, clamped at 0 from below; +∞ when every order's RDP is +∞. */
  epsilon: number;
  /** The order that attains it (the first one on ties). */
  order: number;
};

/**
 * Converts RDP to (ε, δ)-DP with Balle et al. 2020 ("Hypothesis testing interpretations and Rényi
 * differential privacy", Theorem 21), as Opacus's `get_privacy_spent` does: for each order
 * ε_α = (r_α − (ln δ + ln α)/(α − 1)) + ln((α − 1)/α), then the minimum over the orders
 * (docs/privacy-accounting.md §4). A negative minimum (only possible for δ near 1) is reported as 0,
 * as TF-Privacy does.
 *
 * @throws VeritrainError `PRIVACY_SPEC_INVALID` for bad orders or δ, a length mismatch, or an RDP
 *   value that is negative or NaN.
 * @example
 * rdpToEpsilon({ orders: [32], rdp: [1.1], delta: 1e-5 }); // { epsilon: 1.3278…, order: 32 }
 */
export function rdpToEpsilon({ orders, rdp, delta }: RdpToEpsilonParameters): RdpToEpsilonReturnType {
  assertOrders(orders);
  assertDelta(delta);
  if (rdp.length !== orders.length) {
    throw new VeritrainError(`rdp has ${rdp.length} values for ${orders.length} orders: pass one RDP value per order`, {
      code: "PRIVACY_SPEC_INVALID",
      details: { field: "rdp", rule: "same length as orders", rdpLength: rdp.length, ordersLength: orders.length },
    });
  }
  const logDelta = logF64(delta);
  let best = Number.POSITIVE_INFINITY;
  let bestOrder = orders[0]!;
  for (let k = 0; k < orders.length; k++) {
    const alpha = orders[k]!;
    const r = rdp[k]!;
    if (!(r >= 0)) {
      throw new VeritrainError(`rdp[${k}] must be ≥ 0 or +∞, got ${r}: RDP of a mechanism is a non-negative divergence`, {
        code: "PRIVACY_SPEC_INVALID",
        details: { field: "rdp", rule: "≥ 0", index: k, value: r },
      });
    }
    const epsilon = r - (logDelta + logF64(alpha)) / (alpha - 1) + logF64((alpha - 1) / alpha);
    if (epsilon < best) {
      best = epsilon;
      bestOrder = alpha;
    }
  }
  return { epsilon: best < 0 ? 0 : best, order: bestOrder };
}
