// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title SoftFloat
/// @notice IEEE-754 arithmetic on bit patterns, bit for bit what the training engine computes in JavaScript
/// (docs/training.md §1, docs/soft-float.md): binary64 `add`, `sub`, `mul`, `div`, `sqrt`, correctly rounded to
/// nearest, ties to even, with subnormals, signed zeros and infinities as IEEE 754 (and so JavaScript) produces
/// them; the comparisons `lt`, `le`, `eq`; `toF32` (binary64 → binary32, `Math.fround`), `toF64` (binary32 →
/// binary64, exact), `floor` (`Math.floor`), the integer conversions `fromInt` and `toInt`; and the engine's
/// `expF64`, `logF64`, `cosF64`, `sigmoidF64` and `tanhF64` (docs/training.md §7), one soft-float operation for
/// each operation of keepers/src/training/deterministicMath.ts.
/// @dev Encodings: a binary64 value is its bit pattern as a `uint64`, a binary32 value as a `uint32`.
///
/// NaN rule: JavaScript does not specify NaN payloads, so no result here depends on one. Every operation whose
/// IEEE result is NaN returns the one canonical quiet NaN, {NAN} (binary64 0x7FF8000000000000) or {NAN32}
/// (binary32 0x7FC00000), whatever the operands' payloads and signs; a NaN result agrees with the engine when
/// the engine's is also NaN. The training VM stores the same canonical NaNs (docs/dispute-game.md §6).
///
/// Method: a finite nonzero operand is unpacked to an integer significand m in [2^52, 2^53) and an exponent e
/// (value m·2^e, subnormals normalised); the exact result (for `div` and `sqrt`, a truncation of 59+ bits plus
/// a sticky bit) is formed in 256-bit integers and rounded once by {_round}. No tables, no floating point.
/// Gas (cancun, optimizer 200 runs): see docs/soft-float.md.
library SoftFloat {
    /// @notice Thrown by {toInt} when `a` is NaN, infinite or of magnitude 2^255 or more.
    error SoftFloatNotConvertible(uint64 a);

    /// @notice The canonical binary64 quiet NaN, the result of every binary64 operation whose result is NaN.
    uint64 internal constant NAN = 0x7FF8000000000000;
    /// @notice The canonical binary32 quiet NaN, the result of {toF32} for a NaN.
    uint32 internal constant NAN32 = 0x7FC00000;
    /// @notice binary64 +∞.
    uint64 internal constant POSITIVE_INFINITY = 0x7FF0000000000000;
    /// @notice binary64 −∞.
    uint64 internal constant NEGATIVE_INFINITY = 0xFFF0000000000000;

    /// @dev binary64 fields as uint256 masks (the private functions work on uint256 words): the sign bit, the
    /// magnitude bits, the fraction bits, the hidden bit of a normal significand, +∞; and binary32's +∞.
    uint256 private constant SIGN = 0x8000000000000000;
    uint256 private constant ABS = 0x7FFFFFFFFFFFFFFF;
    uint256 private constant FRACTION = 0x000FFFFFFFFFFFFF;
    uint256 private constant HIDDEN = 0x0010000000000000;
    uint256 private constant INFINITY = 0x7FF0000000000000;
    uint256 private constant INFINITY_32 = 0x7F800000;

    /// @dev binary64 format for {_round}: 52 fraction bits, quantum exponents from −1074.
    uint256 private constant FRACTION_BITS_64 = 52;
    int256 private constant MIN_QUANTUM_64 = -1074;
    /// @dev binary32 format for {_round}: 23 fraction bits, quantum exponents from −149.
    uint256 private constant FRACTION_BITS_32 = 23;
    int256 private constant MIN_QUANTUM_32 = -149;

    /// @dev Constants of deterministicMath.ts, as the bits of the binary64 values JavaScript gives its literals.
    uint256 private constant HALF = 0x3FE0000000000000; // 0.5
    uint256 private constant ONE = 0x3FF0000000000000; // 1
    uint256 private constant TWO = 0x4000000000000000; // 2
    uint256 private constant TWO_POW_54 = 0x4350000000000000; // 18014398509481984
    uint256 private constant SQRT2 = 0x3FF6A09E667F3BCD; // Math.SQRT2
    uint256 private constant LN2_HI = 0x3FE62E42FEE00000; // 0.6931471803691238
    uint256 private constant LN2_LO = 0x3DEA39EF35793C76; // 1.9082149292705877e-10
    uint256 private constant LOG2_E = 0x3FF71547652B82FE; // 1.4426950408889634
    uint256 private constant EXP_OVERFLOW = 0x4056400000000000; // 89
    uint256 private constant EXP_UNDERFLOW = 0xC05A000000000000; // -104

    /// @dev expF64's Horner coefficients 1/12!, 1/11!, …, 1/2! (the binary64 values of 1/479001600, …, 1/2).
    uint256 private constant INV_FACT_12 = 0x3E21EED8EFF8D898;
    uint256 private constant INV_FACT_11 = 0x3E5AE64567F544E4;
    uint256 private constant INV_FACT_10 = 0x3E927E4FB7789F5C;
    uint256 private constant INV_FACT_9 = 0x3EC71DE3A556C734;
    uint256 private constant INV_FACT_8 = 0x3EFA01A01A01A01A;
    uint256 private constant INV_FACT_7 = 0x3F2A01A01A01A01A;
    uint256 private constant INV_FACT_6 = 0x3F56C16C16C16C17;
    uint256 private constant INV_FACT_5 = 0x3F81111111111111;
    uint256 private constant INV_FACT_4 = 0x3FA5555555555555;
    uint256 private constant INV_FACT_3 = 0x3FC5555555555555;
    uint256 private constant INV_FACT_2 = 0x3FE0000000000000;

    /// @dev cosF64's constants: π/2 and π as binary64 head + tail (PI_HI = `Math.PI`), its branch points PI_HI/4 and
    /// (3·PI_HI)/4 as JavaScript computes them, and the Taylor coefficients 1/d! it adds to expF64's (the binary64
    /// values of 1/6227020800, …, 1/51090942171709440000).
    uint256 private constant PIO2_HI = 0x3FF921FB54442D18;
    uint256 private constant PIO2_LO = 0x3C91A62633145C07;
    uint256 private constant PI_HI = 0x400921FB54442D18;
    uint256 private constant PI_LO = 0x3CA1A62633145C07;
    uint256 private constant PI_QUARTER = 0x3FE921FB54442D18;
    uint256 private constant PI_THREE_QUARTERS = 0x4002D97C7F3321D2;
    uint256 private constant INV_FACT_21 = 0x3BD71B8EF6DCF572;
    uint256 private constant INV_FACT_20 = 0x3C1E542BA4020225;
    uint256 private constant INV_FACT_19 = 0x3C62F49B46814157;
    uint256 private constant INV_FACT_18 = 0x3CA6827863B97D97;
    uint256 private constant INV_FACT_17 = 0x3CE952C77030AD4A;
    uint256 private constant INV_FACT_16 = 0x3D2AE7F3E733B81F;
    uint256 private constant INV_FACT_15 = 0x3D6AE7F3E733B81F;
    uint256 private constant INV_FACT_14 = 0x3DA93974A8C07C9D;
    uint256 private constant INV_FACT_13 = 0x3DE6124613A86D09;

    /// @dev tanhF64's Taylor bound 2^−10 and coefficients, the binary64 values of −1/3 and 2/15.
    uint256 private constant TANH_TAYLOR_BOUND = 0x3F50000000000000;
    uint256 private constant MINUS_ONE_THIRD = 0xBFD5555555555555;
    uint256 private constant TWO_FIFTEENTHS = 0x3FC1111111111111;

    /// @dev logF64's Horner coefficients 1/23, 1/21, …, 1/3 (the binary64 values of 1/d; 1/1 is ONE).
    uint256 private constant INV_23 = 0x3FA642C8590B2164;
    uint256 private constant INV_21 = 0x3FA8618618618618;
    uint256 private constant INV_19 = 0x3FAAF286BCA1AF28;
    uint256 private constant INV_17 = 0x3FAE1E1E1E1E1E1E;
    uint256 private constant INV_15 = 0x3FB1111111111111;
    uint256 private constant INV_13 = 0x3FB3B13B13B13B14;
    uint256 private constant INV_11 = 0x3FB745D1745D1746;
    uint256 private constant INV_9 = 0x3FBC71C71C71C71C;
    uint256 private constant INV_7 = 0x3FC2492492492492;
    uint256 private constant INV_5 = 0x3FC999999999999A;
    uint256 private constant INV_3 = 0x3FD5555555555555;

    /// @notice a + b (binary64, round to nearest even). x + (−x) is +0; −0 + −0 is −0; ∞ − ∞ is NaN.
    function add(uint64 a, uint64 b) internal pure returns (uint64) {
        return uint64(_add(a, b));
    }

    /// @notice a − b (binary64, round to nearest even): a + (−b), as IEEE 754 defines it (x − x is +0).
    function sub(uint64 a, uint64 b) internal pure returns (uint64) {
        return uint64(_add(a, b ^ SIGN));
    }

    /// @notice a × b (binary64, round to nearest even). 0 × ∞ is NaN; a zero or infinite result carries the
    /// exclusive or of the signs.
    function mul(uint64 a, uint64 b) internal pure returns (uint64) {
        return uint64(_mul(a, b));
    }

    /// @notice a ÷ b (binary64, round to nearest even). 0/0 and ∞/∞ are NaN; x/0 is ±∞ for x ≠ 0; a zero or
    /// infinite result carries the exclusive or of the signs.
    function div(uint64 a, uint64 b) internal pure returns (uint64) {
        return uint64(_div(a, b));
    }

    /// @notice √a (binary64, round to nearest even). √(−0) is −0, √(+∞) is +∞, the root of any other negative
    /// value is NaN.
    function sqrt(uint64 a) internal pure returns (uint64) {
        if (a & ABS == 0) return a;
        if (a > INFINITY) return NAN; // NaN or negative
        if (a == INFINITY) return a;
        (uint256 m, int256 e) = _unpack(a);
        // unchecked: −1126 <= e <= 971, so e − 1 and e / 2 − 32 are small; m < 2^54 and root < 2^59 keep
        // m << 64 and root * root under 2^118.
        unchecked {
            if (e & 1 != 0) {
                m <<= 1;
                --e;
            }
            // m·2^64 is in [2^116, 2^118): its root, in [2^58, 2^59), has 59 bits, so the sticky bit sits below
            // the rounding bit.
            uint256 radicand = m << 64;
            uint256 root = Math.sqrt(radicand);
            if (root * root != radicand) root |= 1;
            return uint64(_round(root, e / 2 - 32, 58, FRACTION_BITS_64, MIN_QUANTUM_64, INFINITY));
        }
    }

    /// @notice a < b (IEEE: false when either is NaN; −0 and +0 are equal).
    function lt(uint64 a, uint64 b) internal pure returns (bool) {
        return _lt(a, b);
    }

    /// @notice a ≤ b (IEEE: false when either is NaN; −0 and +0 are equal).
    function le(uint64 a, uint64 b) internal pure returns (bool) {
        return a & ABS <= INFINITY && b & ABS <= INFINITY && _orderKey(a) <= _orderKey(b);
    }

    /// @notice a = b (IEEE: false when either is NaN, NaN ≠ NaN included; −0 equals +0).
    function eq(uint64 a, uint64 b) internal pure returns (bool) {
        return a & ABS <= INFINITY && (a == b || (a | b) & ABS == 0);
    }

    /// @notice a rounded to binary32, to nearest even (`Math.fround`), once, from the exact binary64 value:
    /// magnitudes from 2^128·(1 − 2^−25) up (3.4028235677973366e38, the tie above the largest binary32) become
    /// ±∞, magnitudes under 2^−126 become binary32 subnormals or zeros. NaN gives {NAN32}.
    function toF32(uint64 a) internal pure returns (uint32) {
        uint256 sign = (a & SIGN) >> 32;
        uint256 abs = a & ABS;
        if (abs > INFINITY) return NAN32;
        if (abs == INFINITY) return uint32(sign | INFINITY_32);
        if (abs == 0) return uint32(sign);
        (uint256 m, int256 e) = _unpack(abs);
        return uint32(sign | _round(m, e, 52, FRACTION_BITS_32, MIN_QUANTUM_32, INFINITY_32));
    }

    /// @notice The binary32 `a` as binary64 (exact). A NaN gives {NAN}.
    function toF64(uint32 a) internal pure returns (uint64) {
        uint256 sign = uint256(a & 0x80000000) << 32;
        uint256 abs = a & 0x7FFFFFFF;
        if (abs > INFINITY_32) return NAN;
        if (abs == INFINITY_32) return uint64(sign | INFINITY);
        if (abs == 0) return uint64(sign);
        uint256 biased = abs >> 23;
        uint256 fraction = abs & 0x007FFFFF;
        // A binary32 subnormal is fraction·2^−149, a binary64 normal: exact, _round only normalises it.
        if (biased == 0) {
            return uint64(sign | _round(fraction, MIN_QUANTUM_32, _msb(fraction), FRACTION_BITS_64, MIN_QUANTUM_64, INFINITY));
        }
        // unchecked: biased <= 254. Rebias (1023 − 127 = 896) and widen the fraction from 23 to 52 bits.
        unchecked {
            return uint64(sign | ((biased + 896) << 52) | (fraction << 29));
        }
    }

    /// @notice The largest integer not above a (`Math.floor`): ±0, ±∞ and integers unchanged, values in (0, 1)
    /// give +0, values in [−1, 0) give −1. NaN gives {NAN}.
    function floor(uint64 a) internal pure returns (uint64) {
        return uint64(_floor(a));
    }

    /// @notice The integer x as binary64, rounded to nearest even when |x| > 2^53 (JavaScript's `Number(x)`
    /// for a BigInt). 0 gives +0.
    function fromInt(int256 x) internal pure returns (uint64) {
        if (x == 0) return 0;
        uint256 magnitude;
        // unchecked: −type(int256).min wraps to itself, whose uint256 image 2^255 is its magnitude.
        unchecked {
            magnitude = uint256(x < 0 ? -x : x);
        }
        uint256 sign = x < 0 ? SIGN : 0;
        return uint64(sign | _round(magnitude, 0, _msb(magnitude), FRACTION_BITS_64, MIN_QUANTUM_64, INFINITY));
    }

    /// @notice a truncated toward zero to an integer (`Math.trunc`, as an integer).
    /// @dev Requirements: a is finite and |a| < 2^255, or this reverts with {SoftFloatNotConvertible}.
    function toInt(uint64 a) internal pure returns (int256) {
        uint256 abs = a & ABS;
        // Biased exponent 1278 is 2^255.
        if (abs >= 1278 << 52) revert SoftFloatNotConvertible(a);
        if (abs < ONE) return 0;
        (uint256 m, int256 e) = _unpack(abs);
        uint256 magnitude = e >= 0 ? m << uint256(e) : m >> uint256(-e);
        // magnitude < 2^255 (checked above), so it and its negation are int256 values.
        return a & SIGN == 0 ? int256(magnitude) : -int256(magnitude);
    }

    /// @notice The engine's e^x (`expF64` of deterministicMath.ts, docs/training.md §7), operation for operation:
    /// NaN → NaN; x > 89 → +∞; x < −104 → +0; else k = ⌊x·log2e + 0.5⌋, r = (x − k·LN2_HI) − k·LN2_LO, the
    /// degree-12 Taylor polynomial of e^r by Horner from 1/12!, times 2^k built from its exponent bits.
    function expF64(uint64 x) internal pure returns (uint64) {
        if (x & ABS > INFINITY) return NAN;
        if (_lt(EXP_OVERFLOW, x)) return POSITIVE_INFINITY;
        if (_lt(x, EXP_UNDERFLOW)) return 0;
        uint256 k = _floor(_add(_mul(x, LOG2_E), HALF));
        uint256 r = _add(_add(x, _mul(k, LN2_HI) ^ SIGN), _mul(k, LN2_LO) ^ SIGN);
        uint256 p = INV_FACT_12;
        p = _add(_mul(p, r), INV_FACT_11);
        p = _add(_mul(p, r), INV_FACT_10);
        p = _add(_mul(p, r), INV_FACT_9);
        p = _add(_mul(p, r), INV_FACT_8);
        p = _add(_mul(p, r), INV_FACT_7);
        p = _add(_mul(p, r), INV_FACT_6);
        p = _add(_mul(p, r), INV_FACT_5);
        p = _add(_mul(p, r), INV_FACT_4);
        p = _add(_mul(p, r), INV_FACT_3);
        p = _add(_mul(p, r), INV_FACT_2);
        p = _add(_mul(p, r), ONE);
        p = _add(_mul(p, r), ONE);
        // −104 <= x <= 89 bounds k to [−150, 128]: 2^k is a normal binary64 with biased exponent k + 1023.
        return uint64(_mul(p, uint256(toInt(uint64(k)) + 1023) << 52));
    }

    /// @notice The engine's natural logarithm (`logF64` of deterministicMath.ts, docs/training.md §7), operation
    /// for operation: NaN or negative → NaN, ±0 → −∞, +∞ → +∞; else x = m·2^e with m in [1, 2) from the bits
    /// (subnormals first scaled by 2^54), m ≥ √2 halved, t = (m − 1)/(m + 1), s = 1/23, s = s·t² + 1/d for
    /// d = 21, 19, …, 1, result (e·LN2_LO + 2·t·s) + e·LN2_HI.
    function logF64(uint64 x) internal pure returns (uint64) {
        // NaN or negative (−0 excepted): the bit pattern exceeds +∞'s.
        if (x > INFINITY && x != SIGN) return NAN;
        if (x & ABS == 0) return NEGATIVE_INFINITY;
        if (x == POSITIVE_INFINITY) return x;
        // x is positive: its top 12 bits are the biased exponent.
        int256 e = int256(uint256(x >> 52)) - 1023;
        uint256 scaled = x;
        if (e == -1023) {
            scaled = _mul(x, TWO_POW_54);
            e = int256(scaled >> 52) - 1023 - 54;
        }
        uint256 m = (scaled & FRACTION) | ONE;
        if (!_lt(m, SQRT2)) {
            m = _div(m, TWO);
            ++e;
        }
        uint256 t = _div(_add(m, ONE ^ SIGN), _add(m, ONE));
        uint256 t2 = _mul(t, t);
        uint256 s = INV_23;
        s = _add(_mul(s, t2), INV_21);
        s = _add(_mul(s, t2), INV_19);
        s = _add(_mul(s, t2), INV_17);
        s = _add(_mul(s, t2), INV_15);
        s = _add(_mul(s, t2), INV_13);
        s = _add(_mul(s, t2), INV_11);
        s = _add(_mul(s, t2), INV_9);
        s = _add(_mul(s, t2), INV_7);
        s = _add(_mul(s, t2), INV_5);
        s = _add(_mul(s, t2), INV_3);
        s = _add(_mul(s, t2), ONE);
        uint256 exponent = fromInt(e);
        return uint64(_add(_add(_mul(exponent, LN2_LO), _mul(_mul(TWO, t), s)), _mul(exponent, LN2_HI)));
    }

    /// @notice The engine's cosine on [0, π] (`cosF64` of deterministicMath.ts, docs/training.md §7), operation for
    /// operation: NaN outside [0, PI_HI] (NaN included); x ≤ PI_HI/4 → C(x); x ≤ (3·PI_HI)/4 →
    /// S((PIO2_HI − x) + PIO2_LO); else −C((PI_HI − x) + PI_LO). C and S are cos's and sin's Taylor polynomials to
    /// degree 20 and 21, by Horner in the square.
    function cosF64(uint64 x) internal pure returns (uint64) {
        if (!le(0, x) || !le(x, uint64(PI_HI))) return NAN;
        if (le(x, uint64(PI_QUARTER))) return uint64(_cosPolynomial(x));
        if (le(x, uint64(PI_THREE_QUARTERS))) return uint64(_sinPolynomial(_add(_add(PIO2_HI, x ^ SIGN), PIO2_LO)));
        return uint64(_cosPolynomial(_add(_add(PI_HI, x ^ SIGN), PI_LO)) ^ SIGN);
    }

    /// @dev cos's Taylor polynomial: with y2 = y·y, c = 1/20!, c = c·y2 ± 1/d! for d = 18, 16, …, 2, then c·y2 + 1.
    function _cosPolynomial(uint256 y) private pure returns (uint256 c) {
        uint256 y2 = _mul(y, y);
        c = INV_FACT_20;
        c = _add(_mul(c, y2), INV_FACT_18 ^ SIGN);
        c = _add(_mul(c, y2), INV_FACT_16);
        c = _add(_mul(c, y2), INV_FACT_14 ^ SIGN);
        c = _add(_mul(c, y2), INV_FACT_12);
        c = _add(_mul(c, y2), INV_FACT_10 ^ SIGN);
        c = _add(_mul(c, y2), INV_FACT_8);
        c = _add(_mul(c, y2), INV_FACT_6 ^ SIGN);
        c = _add(_mul(c, y2), INV_FACT_4);
        c = _add(_mul(c, y2), INV_FACT_2 ^ SIGN);
        c = _add(_mul(c, y2), ONE);
    }

    /// @dev sin's Taylor polynomial: with z2 = z·z, s = 1/21!, s = s·z2 ± 1/d! for d = 19, 17, …, 3, then z·(s·z2 + 1).
    function _sinPolynomial(uint256 z) private pure returns (uint256) {
        uint256 z2 = _mul(z, z);
        uint256 s = INV_FACT_21;
        s = _add(_mul(s, z2), INV_FACT_19 ^ SIGN);
        s = _add(_mul(s, z2), INV_FACT_17);
        s = _add(_mul(s, z2), INV_FACT_15 ^ SIGN);
        s = _add(_mul(s, z2), INV_FACT_13);
        s = _add(_mul(s, z2), INV_FACT_11 ^ SIGN);
        s = _add(_mul(s, z2), INV_FACT_9);
        s = _add(_mul(s, z2), INV_FACT_7 ^ SIGN);
        s = _add(_mul(s, z2), INV_FACT_5);
        s = _add(_mul(s, z2), INV_FACT_3 ^ SIGN);
        return _mul(z, _add(_mul(s, z2), ONE));
    }

    /// @notice The engine's logistic function (`sigmoidF64` of deterministicMath.ts, docs/training.md §7):
    /// 1 / (1 + expF64(−x)).
    function sigmoidF64(uint64 x) internal pure returns (uint64) {
        return uint64(_div(ONE, _add(ONE, expF64(uint64(x ^ SIGN)))));
    }

    /// @notice The engine's hyperbolic tangent (`tanhF64` of deterministicMath.ts, docs/training.md §7), operation
    /// for operation: NaN → NaN, ±0 → itself; with a = |x|, below 2^−10 a + a·(a²·(−1/3 + a²·(2/15))), else
    /// 1 − 2 / (expF64(2·a) + 1); the result has x's sign.
    function tanhF64(uint64 x) internal pure returns (uint64) {
        uint256 a = x & ABS;
        if (a > INFINITY) return NAN;
        if (a == 0) return x;
        uint256 t;
        if (_lt(a, TANH_TAYLOR_BOUND)) {
            uint256 a2 = _mul(a, a);
            t = _add(a, _mul(a, _mul(a2, _add(MINUS_ONE_THIRD, _mul(a2, TWO_FIFTEENTHS)))));
        } else {
            t = _add(ONE, _div(TWO, _add(expF64(uint64(_mul(TWO, a))), ONE)) ^ SIGN);
        }
        return uint64(t | (x & SIGN));
    }

    /// @dev {add} on 64-bit patterns held in uint256 words (the private operations never re-mask to 64 bits).
    function _add(uint256 a, uint256 b) private pure returns (uint256) {
        uint256 absA = a & ABS;
        uint256 absB = b & ABS;
        // Order by magnitude, |a| >= |b|: a NaN or ∞ operand then makes absA >= INFINITY.
        if (absA < absB) (a, b, absA, absB) = (b, a, absB, absA);
        if (absA > INFINITY) return NAN;
        // ∞ + ∞ keeps its sign, ∞ − ∞ is NaN, ∞ + finite is ∞.
        if (absA == INFINITY) return absB == INFINITY && a != b ? NAN : a;
        // A zero operand gives the other; of two zeros the sum is −0 only when both are.
        if (absB == 0) return absA == 0 ? a & b : a;
        // unchecked: ea >= eb; shift <= 63 keeps every sum under 2^117; |a| >= |b| makes wide >= mb.
        unchecked {
            uint256 ma;
            uint256 mb;
            int256 eb;
            uint256 shift;
            if (absB >= HIDDEN) {
                // Both normal (the common case): unpacked inline.
                ma = (absA & FRACTION) | HIDDEN;
                mb = (absB & FRACTION) | HIDDEN;
                eb = int256(absB >> 52) - 1075;
                shift = (absA >> 52) - (absB >> 52);
            } else {
                int256 ea;
                (ma, ea) = _unpack(absA);
                (mb, eb) = _unpack(absB);
                shift = uint256(ea - eb);
            }
            // ea >= eb + 64 makes a normal and |b| < 2^(eb+53) <= 2^(ea−11), under a quarter of a's ulp 2^ea: a ± b
            // lies strictly between a's rounding boundaries, so the sum rounds to a.
            if (shift > 63) return a;
            uint256 wide = ma << shift;
            uint256 m;
            uint256 msb;
            if ((a ^ b) & SIGN == 0) {
                // wide in [2^(52+shift), 2^(53+shift)), mb in [2^52, 2^53): the sum's top bit is 52 + shift or next.
                m = wide + mb;
                msb = 52 + shift + (m >> (53 + shift));
            } else {
                m = wide - mb;
                // Exact cancellation gives +0.
                if (m == 0) return 0;
                // From shift 2 on, mb < 2^(51+shift): the difference keeps its top bit at 51 + shift or the next.
                msb = shift > 1 ? 51 + shift + (m >> (52 + shift)) : _msb(m);
            }
            return (a & SIGN) | _round(m, eb, msb, FRACTION_BITS_64, MIN_QUANTUM_64, INFINITY);
        }
    }

    /// @dev {mul} on 64-bit patterns held in uint256 words.
    function _mul(uint256 a, uint256 b) private pure returns (uint256) {
        uint256 sign = (a ^ b) & SIGN;
        uint256 absA = a & ABS;
        uint256 absB = b & ABS;
        // unchecked: x − 1 wraps for x = 0, so one comparison each catches a zero, ∞ or NaN operand.
        unchecked {
            if (absA - 1 >= INFINITY - 1 || absB - 1 >= INFINITY - 1) {
                if (absA > INFINITY || absB > INFINITY) return NAN;
                // A zero or infinite result carries the sign; 0 × ∞ is NaN.
                if (absA == INFINITY || absB == INFINITY) return absA == 0 || absB == 0 ? NAN : sign | INFINITY;
                return sign;
            }
        }
        // unchecked: significands in [2^52, 2^53) make the exact product m lie in [2^104, 2^106); exponents are small.
        unchecked {
            uint256 m;
            int256 e;
            if (absA >= HIDDEN && absB >= HIDDEN) {
                m = ((absA & FRACTION) | HIDDEN) * ((absB & FRACTION) | HIDDEN);
                e = int256((absA >> 52) + (absB >> 52)) - 2150;
            } else {
                (uint256 ma, int256 ea) = _unpack(absA);
                (uint256 mb, int256 eb) = _unpack(absB);
                m = ma * mb;
                e = ea + eb;
            }
            return sign | _round(m, e, 104 + (m >> 105), FRACTION_BITS_64, MIN_QUANTUM_64, INFINITY);
        }
    }

    /// @dev {div} on 64-bit patterns held in uint256 words.
    function _div(uint256 a, uint256 b) private pure returns (uint256) {
        uint256 sign = (a ^ b) & SIGN;
        uint256 absA = a & ABS;
        uint256 absB = b & ABS;
        // unchecked: x − 1 wraps for x = 0, so one comparison each catches a zero, ∞ or NaN operand.
        unchecked {
            if (absA - 1 >= INFINITY - 1 || absB - 1 >= INFINITY - 1) {
                if (absA > INFINITY || absB > INFINITY) return NAN;
                // 0/0 and ∞/∞ are NaN; ∞/x and x/0 infinite, x/∞ and 0/x zero, with the sign.
                if (absA == absB) return NAN;
                return absA == INFINITY || absB == 0 ? sign | INFINITY : sign;
            }
        }
        // unchecked: mb >= 2^52; ma·2^64 < 2^117; exponents are small.
        unchecked {
            uint256 ma;
            uint256 mb;
            int256 e;
            if (absA >= HIDDEN && absB >= HIDDEN) {
                // Both normal (the common case): unpacked inline.
                ma = (absA & FRACTION) | HIDDEN;
                mb = (absB & FRACTION) | HIDDEN;
                e = int256(absA >> 52) - int256(absB >> 52);
            } else {
                (uint256 normalA, int256 ea) = _unpack(absA);
                (uint256 normalB, int256 eb) = _unpack(absB);
                (ma, mb, e) = (normalA, normalB, ea - eb);
            }
            // ma/mb is in (1/2, 2), so the quotient q of ma·2^64 by mb is in [2^63, 2^65): 64+ bits, and a sticky
            // bit for a nonzero remainder sits below the rounding bit.
            uint256 numerator = ma << 64;
            uint256 q = numerator / mb;
            if (numerator % mb != 0) q |= 1;
            return sign | _round(q, e - 64, 63 + (q >> 64), FRACTION_BITS_64, MIN_QUANTUM_64, INFINITY);
        }
    }

    /// @dev {lt} on 64-bit patterns held in uint256 words.
    function _lt(uint256 a, uint256 b) private pure returns (bool) {
        return a & ABS <= INFINITY && b & ABS <= INFINITY && _orderKey(a) < _orderKey(b);
    }

    /// @dev {floor} on 64-bit patterns held in uint256 words.
    function _floor(uint256 a) private pure returns (uint256) {
        uint256 abs = a & ABS;
        if (abs > INFINITY) return NAN;
        uint256 biased = abs >> 52;
        // From 2^52 on every binary64 is an integer (∞ included); zeros are integers too.
        if (biased >= 1075 || abs == 0) return a;
        if (biased < 1023) return a & SIGN == 0 ? 0 : SIGN | ONE;
        // unchecked: 1023 <= biased <= 1074, so the shift is at most 51 and nothing wraps.
        unchecked {
            // The fraction bits worth less than 1: 52 − (biased − 1023) of them.
            uint256 fractional = FRACTION >> (biased - 1023);
            if (a & fractional == 0) return a;
            // Negative: truncate, then add 1 to the magnitude at the units bit (a carry into the exponent is exact).
            return a & SIGN == 0 ? a & ~fractional : (a & ~fractional) + fractional + 1;
        }
    }

    /// @dev An integer in the order of the non-NaN binary64 a, with −0 and +0 both 0.
    function _orderKey(uint256 a) private pure returns (int256) {
        int256 magnitude = int256(a & ABS);
        // unchecked: magnitude < 2^63.
        unchecked {
            return a & SIGN == 0 ? magnitude : -magnitude;
        }
    }

    /// @dev The finite nonzero magnitude bits abs as m·2^e with m in [2^52, 2^53): a subnormal is normalised
    /// (e below −1074).
    function _unpack(uint256 abs) private pure returns (uint256 m, int256 e) {
        uint256 biased = abs >> 52;
        // unchecked: 1 <= biased <= 2046 for a normal; for a subnormal 1 <= abs < 2^52, so 0 <= msb <= 51.
        unchecked {
            if (biased != 0) return ((abs & FRACTION) | HIDDEN, int256(biased) - 1075);
            uint256 shift = 52 - _msb(abs);
            return (abs << shift, MIN_QUANTUM_64 - int256(shift));
        }
    }

    /// @dev ⌊log2 x⌋ for x > 0, by binary search.
    function _msb(uint256 x) private pure returns (uint256 r) {
        assembly ("memory-safe") {
            r := shl(7, gt(x, 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF))
            r := or(r, shl(6, gt(shr(r, x), 0xFFFFFFFFFFFFFFFF)))
            r := or(r, shl(5, gt(shr(r, x), 0xFFFFFFFF)))
            r := or(r, shl(4, gt(shr(r, x), 0xFFFF)))
            r := or(r, shl(3, gt(shr(r, x), 0xFF)))
            r := or(r, shl(2, gt(shr(r, x), 0xF)))
            r := or(r, shl(1, gt(shr(r, x), 0x3)))
            r := or(r, gt(shr(r, x), 0x1))
        }
    }

    /// @dev The magnitude bits of m·2^e (m > 0 with top bit `msb`, and m < 2^255 whenever q − e exceeds 256)
    /// rounded to nearest even in the format of `fractionBits` fraction bits, least quantum
    /// 2^minQuantum and `infinity` bits: the result's quantum is q = max(msb + e − fractionBits, minQuantum), its
    /// significand r = m·2^(e−q) rounded to an integer, its bits ((q − minQuantum) << fractionBits) + r. That sum
    /// also encodes a subnormal (q = minQuantum, r < 2^fractionBits), a subnormal rounded up to the least normal,
    /// a carry out of the significand, and an overflow, which reaches `infinity` or more and saturates to it.
    function _round(uint256 m, int256 e, uint256 msb, uint256 fractionBits, int256 minQuantum, uint256 infinity)
        private
        pure
        returns (uint256 bits)
    {
        assembly ("memory-safe") {
            // Exponents stay within ±2^12 and msb < 2^8: no signed sum wraps.
            let q := sub(add(e, msb), fractionBits)
            if slt(q, minQuantum) { q := minQuantum }
            let r
            switch slt(e, q)
            case 0 {
                // The value is a multiple of the quantum: exact.
                r := shl(sub(e, q), m)
            }
            default {
                // From 256 on, m < 2^255 is under half the quantum: a shift of 256 rounds it to 0 like any larger
                // (the mask is then all ones, rest = m < 2^255 = half).
                let shift := sub(q, e)
                if gt(shift, 256) { shift := 256 }
                r := shr(shift, m)
                let rest := and(m, sub(shl(shift, 1), 1))
                let half := shl(sub(shift, 1), 1)
                // Round half to even: up when the rest exceeds half, or equals it with r odd.
                r := add(r, or(gt(rest, half), and(eq(rest, half), and(r, 1))))
            }
            bits := add(shl(fractionBits, sub(q, minQuantum)), r)
            if gt(bits, infinity) { bits := infinity }
        }
    }
}
