/**
 * Log-space arithmetic for the RDP accountant (docs/privacy-accounting.md §5), built on the engine's
 * deterministic `expF64`/`logF64` and IEEE `+ − × ÷` only, so every CPU returns the same bits.
 * A value v ≥ 0 is carried as ln v; 0 is −∞.
 */

import { expF64, logF64 } from "../training/deterministicMath.ts";

/**
 * Deterministic ln(1 + x) for x ≥ −1, accurate for small |x| (Kahan's trick): u = 1 + x;
 * x when u = 1, otherwise logF64(u) · (x / (u − 1)). The quotient corrects the rounding of u, so the
 * relative error stays within a few ulps of logF64's. −1 gives −∞, +∞ gives +∞, below −1 NaN.
 *
 * @example
 * log1pF64(1e-20); // 1e-20
 */
export function log1pF64(x: number): number {
  if (x === Number.POSITIVE_INFINITY) return x;
  const u = 1 + x;
  if (u === 1) return x;
  return logF64(u) * (x / (u - 1));
}

/**
 * Deterministic e^x − 1, accurate for small |x| (Kahan's trick): u = expF64(x); x when u = 1,
 * −1 when u − 1 = −1, otherwise (u − 1) · (x / logF64(u)). Defined where expF64 is (x ≤ 89).
 *
 * @example
 * expm1F64(1e-20); // 1e-20
 */
export function expm1F64(x: number): number {
  const u = expF64(x);
  if (u === 1) return x;
  const um1 = u - 1;
  if (um1 === -1) return -1;
  return um1 * (x / logF64(u));
}

/**
 * ln(e^a + e^b), Opacus's `_log_add`: with hi = max(a, b), lo = min(a, b), the result is hi when
 * lo = −∞ (or hi = +∞), else log1pF64(expF64(lo − hi)) + hi. expF64 is +0 below −104, where the
 * true correction is under e^−104.
 *
 * @example
 * logAddExp(0, 0); // ln 2
 */
export function logAddExp(a: number, b: number): number {
  const hi = a > b ? a : b;
  const lo = a > b ? b : a;
  if (lo === Number.NEGATIVE_INFINITY || hi === Number.POSITIVE_INFINITY) return hi;
  return log1pF64(expF64(lo - hi)) + hi;
}

/**
 * ln(e^a − e^b) for a ≥ b, Opacus's `_log_sub`: a when b = −∞, −∞ when a = b, else
 * a + logF64(−expm1F64(b − a)). Returns NaN when a < b (the difference would be negative); the
 * caller decides what that means.
 *
 * @example
 * logSubExp(Math.LN2, 0); // 0 (ln(2 − 1))
 */
export function logSubExp(a: number, b: number): number {
  if (a < b) return Number.NaN;
  if (b === Number.NEGATIVE_INFINITY) return a;
  if (a === b) return Number.NEGATIVE_INFINITY;
  return a + logF64(-expm1F64(b - a));
}
