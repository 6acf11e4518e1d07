import { assertDelta } from "./privacyInputs.ts";
import { DEFAULT_RDP_ORDERS } from "./rdpOrders.ts";
import { rdpToEpsilon, type RdpToEpsilonReturnType } from "./rdpToEpsilon.ts";
import { computeRdp } from "./subsampledGaussianRdp.ts";

/** Parameters of {@link computeEpsilon}. */
export type ComputeEpsilonParameters = {
  /** Poisson sampling rate q (expected batch size over the number of examples), 0 < q ≤ 1. */
  sampleRate: number;
  /** Noise multiplier σ, > 0. */
  noiseMultiplier: number;
  /** Noisy steps of the whole run, a positive integer. */
  steps: number;
  /** Target δ, 0 < δ < 1. */
  delta: number;
  /**
   * RDP orders to minimise over.
   * @default DEFAULT_RDP_ORDERS (Opacus's 151 orders)
   */
  orders?: readonly number[];
};

/** What {@link computeEpsilon} returns: the ε spent at δ and the RDP order that attains it. */
export type ComputeEpsilonReturnType = RdpToEpsilonReturnType;

/**
 * The (ε, δ) of DP-SGD with Poisson sampling rate q, noise multiplier σ and `steps` steps: the RDP
 * accountant of Opacus (`RDPAccountant.get_privacy_spent` for one `(σ, q, steps)` history entry),
 * deterministic to the bit (docs/privacy-accounting.md). Same inputs, same bits, on every machine.
 *
 * @throws VeritrainError `PRIVACY_SPEC_INVALID` for inputs out of range (docs/privacy-accounting.md §7).
 * @example
 * computeEpsilon({ sampleRate: 0.04, noiseMultiplier: 1.5, steps: 2250, delta: 1e-5 });
 * // { epsilon: 7.3291111…, order: 6 }
 */
export function computeEpsilon({ sampleRate, noiseMultiplier, steps, delta, orders = DEFAULT_RDP_ORDERS }: ComputeEpsilonParameters): ComputeEpsilonReturnType {
  assertDelta(delta);
  const rdp = computeRdp({ sampleRate, noiseMultiplier, steps, orders });
  return rdpToEpsilon({ orders, rdp, delta });
}
