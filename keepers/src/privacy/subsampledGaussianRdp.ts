/**
 * Rényi DP of the Poisson-subsampled Gaussian mechanism (Mironov, Talwar & Zhang 2019, §3.3), as
 * Opacus's `opacus/accountants/analysis/rdp.py` computes it, in deterministic binary64
 * (docs/privacy-accounting.md §2–§3).
 */

import { VeritrainError } from "../errors.ts";
import { logF64 } from "../training/deterministicMath.ts";
import { logErfc } from "./logErfc.ts";
import { log1pF64, logAddExp, logSubExp } from "./logSpaceMath.ts";
import { assertNoiseMultiplier, assertOrders, assertSampleRate, assertSteps } from "./privacyInputs.ts";

/** ln ½. */
const LN_HALF = -0.6931471805599453;
/** The fractional-order series stops after the first term pair whose larger log is below this (Opacus's rule). */
const TAIL_LOG_BOUND = -30;
/** A fractional-order series that has not met {@link TAIL_LOG_BOUND} after this many terms is refused. */
const MAX_SERIES_TERMS = 200_000;

/** ln C(α, i) for i = 0 … α, from the exact BigInt binomial rounded to binary64; cached per integer α. */
const logBinomialRows = new Map<number, Float64Array>();

function logBinomialRow(alpha: number): Float64Array {
  const cached = logBinomialRows.get(alpha);
  if (cached !== undefined) return cached;
  const row = new Float64Array(alpha + 1);
  let c = 1n;
  for (let i = 1; i <= alpha; i++) {
    c = (c * BigInt(alpha - i + 1)) / BigInt(i);
    row[i] = logF64(Number(c));
  }
  logBinomialRows.set(alpha, row);
  return row;
}

/** ln A_α for integer α: ln Σᵢ C(α,i)·qⁱ·(1−q)^(α−i)·e^((i²−i)/(2σ²)), summed in log space for i = 0 … α. */
function logAIntegerOrder(q: number, sigma: number, alpha: number): number {
  const logQ = logF64(q);
  const log1mQ = log1pF64(-q);
  const twoSigma2 = 2 * (sigma * sigma);
  const logBinomials = logBinomialRow(alpha);
  let logA = Number.NEGATIVE_INFINITY;
  for (let i = 0; i <= alpha; i++) {
    const logCoef = logBinomials[i]! + i * logQ + (alpha - i) * log1mQ;
    logA = logAddExp(logA, logCoef + (i * i - i) / twoSigma2);
  }
  return logA;
}

function seriesFailure(q: number, sigma: number, alpha: number, reason: string): never {
  throw new VeritrainError(`RDP at order ${alpha} for q = ${q}, σ = ${sigma}: ${reason}; drop this order or change q or σ`, {
    code: "PRIVACY_ACCOUNTING_FAILED",
    details: { sampleRate: q, noiseMultiplier: sigma, order: alpha },
  });
}

/**
 * ln A_α for fractional α: the two half-line integrals split at z₀ = σ²·ln(1/q − 1) + ½, each a
 * series over i = 0, 1, … with generalised binomial coefficients C(α, i) (signs alternate once
 * i > α), stopped after the first i whose two terms are both below e^−30.
 */
function logAFractionalOrder(q: number, sigma: number, alpha: number): number {
  const logQ = logF64(q);
  const log1mQ = log1pF64(-q);
  const sigma2 = sigma * sigma;
  const twoSigma2 = 2 * sigma2;
  const sqrt2Sigma = Math.SQRT2 * sigma;
  const z0 = sigma2 * logF64(1 / q - 1) + 0.5;
  let logA0 = Number.NEGATIVE_INFINITY;
  let logA1 = Number.NEGATIVE_INFINITY;
  let coef = 1;
  for (let i = 0; i < MAX_SERIES_TERMS; i++) {
    const logCoef = logF64(coef < 0 ? -coef : coef);
    const j = alpha - i;
    const logT0 = logCoef + i * logQ + j * log1mQ;
    const logT1 = logCoef + j * logQ + i * log1mQ;
    const logE0 = LN_HALF + logErfc((i - z0) / sqrt2Sigma);
    const logE1 = LN_HALF + logErfc((z0 - j) / sqrt2Sigma);
    const logS0 = logT0 + (i * i - i) / twoSigma2 + logE0;
    const logS1 = logT1 + (j * j - j) / twoSigma2 + logE1;
    if (coef > 0) {
      logA0 = logAddExp(logA0, logS0);
      logA1 = logAddExp(logA1, logS1);
    } else {
      logA0 = logSubExp(logA0, logS0);
      logA1 = logSubExp(logA1, logS1);
      if (Number.isNaN(logA0) || Number.isNaN(logA1)) seriesFailure(q, sigma, alpha, "a partial sum of the series became negative");
    }
    if ((logS0 > logS1 ? logS0 : logS1) < TAIL_LOG_BOUND) return logAddExp(logA0, logA1);
    coef = coef * ((alpha - i) / (i + 1));
  }
  return seriesFailure(q, sigma, alpha, `the series did not converge within ${MAX_SERIES_TERMS} terms`);
}

/** RDP ε_α of one step: α/(2σ²) when q = 1, else ln A_α / (α − 1). */
function rdpOfOneStep(q: number, sigma: number, alpha: number): number {
  if (q === 1) return alpha / (2 * (sigma * sigma));
  const logA = Number.isInteger(alpha) ? logAIntegerOrder(q, sigma, alpha) : logAFractionalOrder(q, sigma, alpha);
  return logA / (alpha - 1);
}

/** Parameters of {@link computeRdp}. */
export type ComputeRdpParameters = {
  /** Poisson sampling rate q, 0 < q ≤ 1. */
  sampleRate: number;
  /** Noise multiplier σ (noise standard deviation over the L2 sensitivity), > 0. */
  noiseMultiplier: number;
  /** Number of steps composed, a positive integer. */
  steps: number;
  /** RDP orders α, each in (1, 1024]. */
  orders: readonly number[];
};

/**
 * RDP of `steps` compositions of the subsampled Gaussian mechanism at each order: Opacus's
 * `compute_rdp`, i.e. `steps · ε_α(q, σ)` with ε_α as in Mironov, Talwar & Zhang (2019): integer α
 * by the exact binomial expansion, fractional α by the two-sided series with ln erfc.
 *
 * @returns one RDP value per order, in the orders' sequence.
 * @throws VeritrainError `PRIVACY_SPEC_INVALID` for inputs out of range; `PRIVACY_ACCOUNTING_FAILED`
 *   when a fractional order's series does not converge within 200,000 terms or loses its sign.
 * @example
 * computeRdp({ sampleRate: 0.1, noiseMultiplier: 2, steps: 10, orders: [5] }); // Float64Array [0.0773…]
 */
export function computeRdp({ sampleRate, noiseMultiplier, steps, orders }: ComputeRdpParameters): Float64Array {
  assertSampleRate(sampleRate);
  assertNoiseMultiplier(noiseMultiplier);
  assertSteps(steps);
  assertOrders(orders);
  const rdp = new Float64Array(orders.length);
  for (let k = 0; k < orders.length; k++) rdp[k] = rdpOfOneStep(sampleRate, noiseMultiplier, orders[k]!) * steps;
  return rdp;
}
