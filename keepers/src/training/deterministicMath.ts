/**
 * Elementary functions built from IEEE-754 `+ - * /` and exact integer bit manipulation only,
 * so they return the same bits on every CPU (V8's `Math.exp`/`Math.log` call the platform
 * libm and differ between x86-64 and arm64).
 *
 * All intermediate arithmetic is binary64; callers round to binary32 where a tensor stores it.
 */

const LN2_HI = 0.6931471803691238; // 0x3FE62E42FEE00000: ln 2 with 32 trailing zero bits
const LN2_LO = 1.9082149292705877e-10; // 0x3DEA39EF35793C76: ln 2 - LN2_HI
const LOG2_E = 1.4426950408889634;

/** Above this, exp overflows binary32 (max finite 3.4028235e38 = e^88.72). */
const EXP_OVERFLOW = 89;
/** Below this, exp is under half the smallest binary32 subnormal (1.4e-45 = e^-103.28). */
const EXP_UNDERFLOW = -104;

const bits = new DataView(new ArrayBuffer(8));

/** 2^k for an integer k in the normal binary64 range, built from the exponent bits. */
function powerOfTwo(k: number): number {
  bits.setUint32(0, 0, true);
  bits.setUint32(4, (k + 1023) << 20, true);
  return bits.getFloat64(0, true);
}

/**
 * Deterministic e^x in binary64 for x in binary32's useful range.
 *
 * Algorithm (the specification, see docs/training.md): k = floor(x·log2(e) + 1/2);
 * r = (x − k·LN2_HI) − k·LN2_LO; p = Horner evaluation of the degree-12 Taylor polynomial of
 * e^r, from the 1/12! coefficient down to 1; result = p · 2^k. Inputs above 89 give +Infinity,
 * below −104 give +0, NaN gives NaN.
 *
 * @example
 * expF64(0); // 1
 */
export function expF64(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x > EXP_OVERFLOW) return Number.POSITIVE_INFINITY;
  if (x < EXP_UNDERFLOW) return 0;
  const k = Math.floor(x * LOG2_E + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  let p = 1 / 479001600;
  p = p * r + 1 / 39916800;
  p = p * r + 1 / 3628800;
  p = p * r + 1 / 362880;
  p = p * r + 1 / 40320;
  p = p * r + 1 / 5040;
  p = p * r + 1 / 720;
  p = p * r + 1 / 120;
  p = p * r + 1 / 24;
  p = p * r + 1 / 6;
  p = p * r + 1 / 2;
  p = p * r + 1;
  p = p * r + 1;
  return p * powerOfTwo(k);
}

/**
 * Deterministic e^x rounded to binary32: `Math.fround(expF64(x))`.
 *
 * @example
 * exp32(1); // 2.7182817459106445 (0x402DF854)
 */
export function exp32(x: number): number {
  return Math.fround(expF64(x));
}

/**
 * Deterministic natural logarithm in binary64 for positive finite normal x.
 *
 * Algorithm: write x = m·2^e with m in [√½, √2) from the binary64 bits; t = (m − 1)/(m + 1);
 * ln m = 2·(t + t³/3 + … + t²³/23) by Horner in t²; result = (e·LN2_LO + ln m) + e·LN2_HI.
 * Returns −Infinity for 0, NaN for negatives and NaN, +Infinity for +Infinity.
 *
 * @example
 * logF64(1); // 0
 */
export function logF64(x: number): number {
  if (Number.isNaN(x) || x < 0) return Number.NaN;
  if (x === 0) return Number.NEGATIVE_INFINITY;
  if (x === Number.POSITIVE_INFINITY) return x;
  bits.setFloat64(0, x, true);
  let high = bits.getUint32(4, true);
  let e = (high >>> 20) - 1023;
  if (e === -1023) {
    // Subnormal: scale into the normal range first (exact).
    bits.setFloat64(0, x * 18014398509481984, true); // 2^54
    high = bits.getUint32(4, true);
    e = (high >>> 20) - 1023 - 54;
  }
  bits.setUint32(4, (high & 0x000fffff) | 0x3ff00000, true);
  let m = bits.getFloat64(0, true);
  if (m >= Math.SQRT2) {
    m = m / 2;
    e += 1;
  }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  let s = 1 / 23;
  for (let d = 21; d >= 1; d -= 2) s = s * t2 + 1 / d;
  return e * LN2_LO + 2 * t * s + e * LN2_HI;
}

/**
 * Deterministic logistic function 1 / (1 + e^−x) in binary64: `1 / (1 + expF64(−x))`.
 * Saturates to +0 below x = −89 (e^−x is +∞) and to 1 above; NaN gives NaN.
 *
 * @example
 * Math.fround(sigmoidF64(0)); // 0.5
 */
export function sigmoidF64(x: number): number {
  return 1 / (1 + expF64(-x));
}

/** Below this |x|, tanh is its Taylor polynomial (docs/training.md §7): 2^−10. */
const TANH_TAYLOR_BOUND = 0.0009765625;

/**
 * Deterministic hyperbolic tangent in binary64, odd by construction. With a = |x|: for a < 2^−10,
 * t = a + a·(a²·(−1/3 + a²·(2/15))) (Taylor to a⁵; the first omitted term is below 2^−60·a);
 * otherwise t = 1 − 2 / (expF64(2a) + 1), which is 1 once e^(2a) is +∞. The result is t with x's
 * sign (so −0 stays −0); NaN gives NaN.
 *
 * @example
 * Math.fround(tanhF64(1)); // 0.7615941762924194
 */
export function tanhF64(x: number): number {
  if (Number.isNaN(x) || x === 0) return x;
  const a = x < 0 ? -x : x;
  let t: number;
  if (a < TANH_TAYLOR_BOUND) {
    const a2 = a * a;
    t = a + a * (a2 * (-1 / 3 + a2 * (2 / 15)));
  } else {
    t = 1 - 2 / (expF64(2 * a) + 1);
  }
  return x < 0 ? -t : t;
}

/** π/2 and π as binary64 head + tail: PI_HI = `Math.PI`, PI_LO = π − PI_HI rounded. */
const PIO2_HI = 1.5707963267948966;
const PIO2_LO = 6.123233995736766e-17;
const PI_HI = 3.141592653589793;
const PI_LO = 1.2246467991473532e-16;

/** Taylor polynomial of cos to y²⁰ by Horner in y², for |y| ≤ π/4 (first omitted term < 3·10⁻²¹). */
function cosPolynomial(y: number): number {
  const y2 = y * y;
  let c = 1 / 2432902008176640000; // 1/20!
  c = c * y2 - 1 / 6402373705728000; // 1/18!
  c = c * y2 + 1 / 20922789888000; // 1/16!
  c = c * y2 - 1 / 87178291200;
  c = c * y2 + 1 / 479001600;
  c = c * y2 - 1 / 3628800;
  c = c * y2 + 1 / 40320;
  c = c * y2 - 1 / 720;
  c = c * y2 + 1 / 24;
  c = c * y2 - 1 / 2;
  return c * y2 + 1;
}

/** Taylor polynomial of sin to z²¹, z·(Horner in z²), for |z| ≤ π/4 (first omitted term < 2·10⁻²⁵). */
function sinPolynomial(z: number): number {
  const z2 = z * z;
  let s = 1 / 51090942171709440000; // 1/21!
  s = s * z2 - 1 / 121645100408832000; // 1/19!
  s = s * z2 + 1 / 355687428096000; // 1/17!
  s = s * z2 - 1 / 1307674368000;
  s = s * z2 + 1 / 6227020800;
  s = s * z2 - 1 / 39916800;
  s = s * z2 + 1 / 362880;
  s = s * z2 - 1 / 5040;
  s = s * z2 + 1 / 120;
  s = s * z2 - 1 / 6;
  s = s * z2 + 1;
  return z * s;
}

/**
 * Deterministic cosine in binary64 for x in [0, π] (the learning-rate schedules' domain); NaN
 * elsewhere. x ≤ π/4: the Taylor polynomial of cos at x; x ≤ 3π/4: that of sin at
 * z = (PIO2_HI − x) + PIO2_LO; above: minus that of cos at (PI_HI − x) + PI_LO
 * (docs/training.md §7). Within 2 ulp of libm's cos on [0, π] away from its zero.
 *
 * @example
 * cosF64(0); // 1
 */
export function cosF64(x: number): number {
  if (!(x >= 0 && x <= PI_HI)) return Number.NaN;
  if (x <= PI_HI / 4) return cosPolynomial(x);
  if (x <= (3 * PI_HI) / 4) return sinPolynomial(PIO2_HI - x + PIO2_LO);
  return -cosPolynomial(PI_HI - x + PI_LO);
}

/** 2/√π, binary64 (0x3FF20DD750429B6D). */
const TWO_OVER_SQRT_PI = 1.1283791670955126;
/** From |x| = 6 on, 1 − erf(|x|) < 2.2·10⁻¹⁷ is below half an ulp of 1: erf is ±1. */
const ERF_SATURATION = 6;

/**
 * Deterministic error function in binary64 (docs/training.md §7), from + − × ÷ and {@link expF64}.
 * With a = |x| < 6: the series erf(a) = (2/√π)·e^(−a²)·Σₙ 2ⁿa^(2n+1) / (1·3·…·(2n+1)), whose terms are
 * all positive (no cancellation): term₀ = sum₀ = a, termₙ = (termₙ₋₁·q) / (2n + 1) with q = 2·(a·a),
 * sumₙ = sumₙ₋₁ + termₙ, stopping at the first n where sumₙ equals sumₙ₋₁; then
 * erf = min(1, (2/√π · expF64(−(a·a)))·sum). a ≥ 6 gives 1. The result has x's sign (−0 stays −0); NaN gives NaN.
 *
 * @example
 * erfF64(1); // 0.8427007929497149
 */
export function erfF64(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = x < 0 ? -x : x;
  let value = 1;
  if (a < ERF_SATURATION) {
    const square = a * a;
    const q = 2 * square;
    let term = a;
    let sum = a;
    for (let d = 3; ; d += 2) {
      term = (term * q) / d;
      const next = sum + term;
      if (next === sum) break;
      sum = next;
    }
    const product = TWO_OVER_SQRT_PI * expF64(-square) * sum;
    if (product < 1) value = product;
  }
  return x < 0 ? -value : value;
}
