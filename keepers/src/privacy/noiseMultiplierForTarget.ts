import { VeritrainError } from "../errors.ts";
import { assertDelta, assertOrders, assertSampleRate, assertSteps, assertTargetEpsilon } from "./privacyInputs.ts";
import { computeEpsilon } from "./rdpAccountant.ts";
import { DEFAULT_RDP_ORDERS } from "./rdpOrders.ts";
import { rdpToEpsilon } from "./rdpToEpsilon.ts";

/** The search considers σ in [2^MIN_EXPONENT, 2^MAX_EXPONENT]. */
const MIN_EXPONENT = -8;
/** 2^20 ≈ 1.05e6, Opacus's MAX_SIGMA is 1e6. */
const MAX_EXPONENT = 20;
/** Bisection steps after bracketing: the result is within a relative 2^−20 of the threshold σ. */
const BISECTION_STEPS = 20;

/** Parameters of {@link noiseMultiplierForTarget}. */
export type NoiseMultiplierForTargetParameters = {
  /** Poisson sampling rate q, 0 < q ≤ 1. */
  sampleRate: number;
  /** Noisy steps of the whole run, a positive integer. */
  steps: number;
  /** The ε the run may spend, > 0. */
  targetEpsilon: number;
  /** Target δ, 0 < δ < 1. */
  delta: number;
  /**
   * RDP orders to minimise over.
   * @default DEFAULT_RDP_ORDERS (Opacus's 151 orders)
   */
  orders?: readonly number[];
};

/** What {@link noiseMultiplierForTarget} returns. */
export type NoiseMultiplierForTargetReturnType = {
  /** The derived σ: ε(σ) ≤ target. A dyadic rational, exact in binary64. */
  noiseMultiplier: number;
  /** ε(σ) at δ, the ε the run will report. */
  epsilon: number;
  /** The RDP order attaining `epsilon`. */
  order: number;
  /** The bracket's lower end, σ − 2^(k−20) for the bracket [2^k, 2^(k+1)]: ε there exceeds the target. */
  lowerNoiseMultiplier: number;
};

function refuseTarget(message: string, details: Record<string, unknown>): never {
  throw new VeritrainError(message, { code: "PRIVACY_SPEC_INVALID", details: { field: "targetEpsilon", ...details } });
}

/**
 * The smallest noise multiplier σ (to a relative 2^−20) whose RDP ε at δ is at most the target,
 * for `steps` steps at Poisson rate q: Opacus's `get_noise_multiplier` idea (double, then bisect)
 * with an exactly stated, reproducible search (docs/privacy-accounting.md §6):
 * 1. refuse when target ≤ ε∞, the ε of zero RDP (no finite σ can go below it);
 * 2. bracket on powers of two: from k = 0, raise k while ε(2^k) > target (k ≤ 20), or lower it while
 *    ε(2^k) ≤ target (k ≥ −8), giving lo = 2^k with ε(lo) > target and hi = 2^(k+1) with ε(hi) ≤ target;
 * 3. 20 times: mid = (lo + hi)/2; hi = mid if ε(mid) ≤ target, else lo = mid.
 * Returns hi. Every σ evaluated is dyadic, hence exact; ε is {@link computeEpsilon}'s, bit for bit.
 *
 * @throws VeritrainError `PRIVACY_SPEC_INVALID` for inputs out of range, a target at or below ε∞,
 *   one that needs σ > 2^20, or one so large that σ = 2^−8 already meets it.
 * @example
 * noiseMultiplierForTarget({ sampleRate: 0.04, steps: 2000, targetEpsilon: 8, delta: 1e-5 });
 * // { noiseMultiplier: 1.356…, epsilon: 7.99…, order: …, lowerNoiseMultiplier: … }
 */
export function noiseMultiplierForTarget({
  sampleRate,
  steps,
  targetEpsilon,
  delta,
  orders = DEFAULT_RDP_ORDERS,
}: NoiseMultiplierForTargetParameters): NoiseMultiplierForTargetReturnType {
  assertSampleRate(sampleRate);
  assertSteps(steps);
  assertTargetEpsilon(targetEpsilon);
  assertDelta(delta);
  assertOrders(orders);
  const floor = rdpToEpsilon({ orders, rdp: new Float64Array(orders.length), delta }).epsilon;
  if (targetEpsilon <= floor) {
    refuseTarget(
      `targetEpsilon ${targetEpsilon} is unreachable: at δ = ${delta} the RDP conversion over these orders certifies no ε below ${floor} for any σ; raise ε or δ`,
      { rule: "> ε at zero RDP", value: targetEpsilon, floor, delta },
    );
  }
  const epsilonAt = (noiseMultiplier: number) => computeEpsilon({ sampleRate, noiseMultiplier, steps, delta, orders });

  // Bracket [lo, hi] = [2^k, 2^(k+1)] with ε(lo) > target ≥ ε(hi); halving and doubling are exact.
  let exponent = 0;
  let lo = 1;
  let hi = 1;
  let atHi = epsilonAt(1);
  if (atHi.epsilon > targetEpsilon) {
    while (atHi.epsilon > targetEpsilon) {
      if (exponent === MAX_EXPONENT) {
        refuseTarget(
          `targetEpsilon ${targetEpsilon} needs a noise multiplier above 2^${MAX_EXPONENT} for q = ${sampleRate} over ${steps} steps at δ = ${delta}: raise ε or δ, or lower q or the steps`,
          { rule: `reachable with σ ≤ 2^${MAX_EXPONENT}`, value: targetEpsilon, epsilonAtMaxSigma: atHi.epsilon },
        );
      }
      lo = hi;
      hi = hi * 2;
      exponent++;
      atHi = epsilonAt(hi);
    }
  } else {
    for (;;) {
      if (exponent === MIN_EXPONENT) {
        refuseTarget(
          `targetEpsilon ${targetEpsilon} is met already at σ = 2^${MIN_EXPONENT}, where noise no longer protects anything: state the ε you mean to guarantee`,
          { rule: `needs σ ≥ 2^${MIN_EXPONENT}`, value: targetEpsilon, epsilonAtMinSigma: atHi.epsilon },
        );
      }
      lo = hi / 2;
      exponent--;
      const atLo = epsilonAt(lo);
      if (atLo.epsilon > targetEpsilon) break;
      hi = lo;
      atHi = atLo;
    }
  }
  for (let step = 0; step < BISECTION_STEPS; step++) {
    const mid = (lo + hi) / 2;
    const atMid = epsilonAt(mid);
    if (atMid.epsilon <= targetEpsilon) {
      hi = mid;
      atHi = atMid;
    } else {
      lo = mid;
    }
  }
  return { noiseMultiplier: hi, epsilon: atHi.epsilon, order: atHi.order, lowerNoiseMultiplier: lo };
}
