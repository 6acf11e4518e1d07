/**
 * Seeded test cases for contracts/libraries/SoftFloat.sol: operand bit patterns for each operation of
 * test/contracts/utils/SoftFloatHarness.sol, with the result JavaScript (the training engine) computes,
 * read and written as bits through a DataView. A mix of uniformly random bit patterns, random values in the
 * engine's useful range (|x| in 2^-30..2^30), the IEEE edge values crossed with each other, and cases built to
 * hit the rounding paths (exact ties, exponent gaps of 52..56, results at the subnormal boundary, binary32
 * rounding boundaries, exp/log's domains and branch points). See docs/soft-float.md.
 */
import { cosF64, expF64, logF64, sigmoidF64, tanhF64 } from "../../keepers/src/training/deterministicMath.ts";
import { SplitMix64 } from "../../keepers/src/training/prng.ts";

/** The operations, in the order of SoftFloatHarness's operation codes (code = index). */
export const SOFT_FLOAT_OPS = [
  "add",
  "sub",
  "mul",
  "div",
  "sqrt",
  "lt",
  "le",
  "eq",
  "toF32",
  "toF64",
  "floor",
  "fromInt",
  "toInt",
  "expF64",
  "logF64",
  "cosF64",
  "sigmoidF64",
  "tanhF64",
] as const;

export type SoftFloatOp = (typeof SOFT_FLOAT_OPS)[number];

/** Operations that take one operand (the batch's `b` is then empty). */
const UNARY: ReadonlySet<SoftFloatOp> = new Set(["sqrt", "toF32", "toF64", "floor", "fromInt", "toInt", "expF64", "logF64", "cosF64", "sigmoidF64", "tanhF64"]);
/** The elementary functions: ~30x the arithmetic's gas. */
const ELEMENTARY: ReadonlySet<SoftFloatOp> = new Set(["expF64", "logF64", "cosF64", "sigmoidF64", "tanhF64"]);

/** Cases per eth_call: ~1-3M gas a call (the simulated network slows down on much longer calls; the elementary functions cost ~30x the arithmetic). */
export const SOFT_FLOAT_BATCH_SIZE: Readonly<Record<SoftFloatOp, number>> = Object.fromEntries(
  SOFT_FLOAT_OPS.map((op) => [op, ELEMENTARY.has(op) ? 100 : 1000]),
) as Record<SoftFloatOp, number>;

/** The canonical quiet NaNs the library returns for every NaN result. */
export const NAN64 = 0x7ff8000000000000n;
export const NAN32 = 0x7fc00000n;

/** One eth_call's worth of cases: operand words and the expected result words (NaNs canonical). */
export type SoftFloatBatch = {
  op: SoftFloatOp;
  /** SoftFloatHarness's operation code. */
  code: number;
  a: bigint[];
  /** Empty for unary operations. */
  b: bigint[];
  expected: bigint[];
};

export type SoftFloatCasesParameters = {
  /** Seed of the SplitMix64 stream; each operation draws from its own stream (index = its code). */
  seed: bigint;
  op: SoftFloatOp;
  /** Cases in all; the first ones are the edge values (crossed with each other for binary operations). */
  count: number;
  /** @default SOFT_FLOAT_BATCH_SIZE[op] */
  batchSize?: number;
};

/** Stream domain of the cases ("sfcs"), apart from the engine's own domains. */
const SOFT_FLOAT_DOMAIN = 0x73666373n;

/**
 * Yields `count` cases of `op` in batches. The same parameters give the same cases.
 *
 * @example
 * for (const { code, a, b, expected } of softFloatCases({ seed: 1n, op: "add", count: 20_000 })) {
 *   assert.deepEqual(await harness.read.run([code, a, b]), expected);
 * }
 */
export function* softFloatCases({ seed, op, count, batchSize = SOFT_FLOAT_BATCH_SIZE[op] }: SoftFloatCasesParameters): Generator<SoftFloatBatch> {
  const code = SOFT_FLOAT_OPS.indexOf(op);
  const rng = SplitMix64.keyed({ seed, domain: SOFT_FLOAT_DOMAIN, index: BigInt(code) });
  const unary = UNARY.has(op);
  const fixed = fixedCases(op);
  const sources = SOURCES[op];
  const totalWeight = sources.reduce((sum, [weight]) => sum + weight, 0);
  let batch: SoftFloatBatch = { op, code, a: [], b: [], expected: [] };
  for (let i = 0; i < count; i++) {
    let pair: Pair;
    if (i < fixed.length) {
      pair = fixed[i]!;
    } else {
      let pick = rng.nextBelow(totalWeight);
      const source = sources.find(([weight]) => (pick -= weight) < 0)!;
      pair = source[1](rng);
    }
    batch.a.push(pair[0]);
    if (!unary) batch.b.push(pair[1]);
    batch.expected.push(expectedResult(op, pair[0], pair[1]));
    if (batch.a.length === batchSize) {
      yield batch;
      batch = { op, code, a: [], b: [], expected: [] };
    }
  }
  if (batch.a.length > 0) yield batch;
}

/** What JavaScript computes for `op` on the operand words, as a result word (NaNs canonical). */
function expectedResult(op: SoftFloatOp, a: bigint, b: bigint): bigint {
  const x = f64(a);
  const y = f64(b);
  switch (op) {
    case "add":
      return bits64(x + y);
    case "sub":
      return bits64(x - y);
    case "mul":
      return bits64(x * y);
    case "div":
      return bits64(x / y);
    case "sqrt":
      return bits64(Math.sqrt(x));
    case "lt":
      return x < y ? 1n : 0n;
    case "le":
      return x <= y ? 1n : 0n;
    case "eq":
      return x === y ? 1n : 0n;
    case "toF32":
      return bits32(Math.fround(x));
    case "toF64":
      return bits64(f32(a));
    case "floor":
      return bits64(Math.floor(x));
    case "fromInt":
      return bits64(Number(BigInt.asIntN(64, a)));
    case "toInt":
      return BigInt.asUintN(64, BigInt(Math.trunc(x)));
    case "expF64":
      return bits64(expF64(x));
    case "logF64":
      return bits64(logF64(x));
    case "cosF64":
      return bits64(cosF64(x));
    case "sigmoidF64":
      return bits64(sigmoidF64(x));
    case "tanhF64":
      return bits64(tanhF64(x));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Bits

const view = new DataView(new ArrayBuffer(8));

function f64(bits: bigint): number {
  view.setBigUint64(0, bits);
  return view.getFloat64(0);
}

function bits64(x: number): bigint {
  if (Number.isNaN(x)) return NAN64;
  view.setFloat64(0, x);
  return view.getBigUint64(0);
}

function f32(bits: bigint): number {
  view.setUint32(0, Number(bits & 0xffffffffn));
  return view.getFloat32(0);
}

function bits32(x: number): bigint {
  if (Number.isNaN(x)) return NAN32;
  view.setFloat32(0, x);
  return BigInt(view.getUint32(0));
}

const SIGN = 1n << 63n;
const FRACTION = (1n << 52n) - 1n;
const INFINITY = 0x7ff0000000000000n;

/** binary64 bits from a sign (0 or 1), a biased exponent and a 52-bit fraction. */
function pack(sign: bigint, biased: bigint, fraction: bigint): bigint {
  return (sign << 63n) | (biased << 52n) | (fraction & FRACTION);
}

/** 2^e as binary64 bits, for −1074 <= e <= 1023 (subnormal powers included). */
function powerOfTwo(e: number): bigint {
  return e >= -1022 ? BigInt(e + 1023) << 52n : 1n << BigInt(e + 1074);
}

/** Bits of the finite nonzero x moved by `delta` units in the last place, away from zero for delta > 0. */
function nudge(bits: bigint, delta: number): bigint {
  const magnitude = (bits & ~SIGN) + BigInt(delta);
  return magnitude < 0n ? bits : (bits & SIGN) | magnitude;
}

// ---------------------------------------------------------------------------------------------------------------
// Value sources

type Pair = readonly [bigint, bigint];
type Source = readonly [weight: number, draw: (rng: SplitMix64) => Pair];

const below = (rng: SplitMix64, n: number) => rng.nextBelow(n);
const bigBelow = (rng: SplitMix64, bitCount: number) => rng.nextUint64() & ((1n << BigInt(bitCount)) - 1n);
const randomSign = (rng: SplitMix64) => BigInt(below(rng, 2));
const between = (rng: SplitMix64, lo: number, hi: number) => lo + below(rng, hi - lo + 1);

/** ±x with |x| in [2^lo, 2^(hi+1)), a random 52-bit fraction and sign (lo, hi within the normal exponents). */
function inExponents(rng: SplitMix64, lo: number, hi: number, sign = randomSign(rng)): bigint {
  return pack(sign, BigInt(between(rng, lo, hi) + 1023), bigBelow(rng, 52));
}

/** Any 64-bit pattern. */
const uniform = (rng: SplitMix64) => rng.nextUint64();
/** The engine's useful range: |x| in 2^-30..2^30, both signs. */
const useful = (rng: SplitMix64) => inExponents(rng, -30, 29);
/** A binary64 NaN with a random payload and sign. */
const randomNaN = (rng: SplitMix64) => (randomSign(rng) << 63n) | INFINITY | (bigBelow(rng, 52) || 1n);
/** A random binary32 pattern widened to binary64 (a value read from a tensor). */
const fromTensor = (rng: SplitMix64) => bits64(f32(BigInt(rng.nextUint32())));

/** The IEEE edge values (positive; both signs are used). */
const EDGE_MAGNITUDES: readonly bigint[] = [
  0n, // 0
  1n, // least subnormal 2^-1074
  2n,
  3n,
  FRACTION, // largest subnormal
  1n << 52n, // least normal 2^-1022
  (1n << 52n) + 1n,
  0x7fefffffffffffffn, // largest finite
  0x7fe0000000000000n, // 2^1023
  INFINITY,
  0x3ff0000000000000n, // 1
  0x3ff0000000000001n, // 1 + 2^-52
  0x3fefffffffffffffn, // 1 - 2^-53
  0x3fe0000000000000n, // 0.5
  0x4000000000000000n, // 2
  0x4008000000000000n, // 3
  0x3ca0000000000000n, // 2^-53
  0x3690000000000000n, // 2^-150
  0x36a0000000000000n, // 2^-149, least binary32 subnormal
  0x47efffffe0000000n, // largest binary32
  0x47efffffefffffffn, // just under its rounding boundary 3.4028235677973366e38
  0x47effffff0000000n, // the boundary (a tie: rounds to ∞)
  0x4330000000000000n, // 2^52
  0x4340000000000000n, // 2^53
];

const EDGES: readonly bigint[] = [
  ...EDGE_MAGNITUDES.flatMap((m) => [m, m | SIGN]),
  NAN64,
  NAN64 | SIGN,
  INFINITY | 1n, // signalling NaN
  0xfff0000000000001n,
  0x7fffffffffffffffn,
];

/** An edge value, or (one time in eight) a NaN with a random payload and sign. */
const edge = (rng: SplitMix64) => (below(rng, 8) === 0 ? randomNaN(rng) : EDGES[below(rng, EDGES.length)]!);

/** The first cases of every run: each edge value alone, or every pair of edge values. */
function fixedCases(op: SoftFloatOp): Pair[] {
  if (op === "toF64") return EDGES_32.map((a) => [a, 0n]);
  if (op === "fromInt") return EDGE_INTS.map((a) => [a, 0n]);
  if (op === "toInt") return EDGES.filter((a) => Math.abs(f64(a)) < 2 ** 63).map((a) => [a, 0n]);
  if (UNARY.has(op)) return EDGES.map((a) => [a, 0n]);
  return EDGES.flatMap((a) => EDGES.map((b) => [a, b] as const));
}

/** Each unary source as a pair source. */
const one = (draw: (rng: SplitMix64) => bigint) => (rng: SplitMix64): Pair => [draw(rng), 0n];
/** Both operands from `draw`. */
const two = (draw: (rng: SplitMix64) => bigint) => (rng: SplitMix64): Pair => [draw(rng), draw(rng)];
/** Either operand order. */
const shuffled = (rng: SplitMix64, a: bigint, b: bigint): Pair => (below(rng, 2) === 0 ? [a, b] : [b, a]);

/** Operands whose exponents differ by 52..56 (sometimes 0..63), random signs: the alignment and sticky paths. */
function exponentGap(rng: SplitMix64): Pair {
  const gap = below(rng, 4) === 0 ? below(rng, 64) : between(rng, 52, 56);
  const biased = between(rng, gap + 1, 2046);
  const a = pack(randomSign(rng), BigInt(biased), bigBelow(rng, 52));
  const b = pack(randomSign(rng), BigInt(biased - gap), below(rng, 2) === 0 ? 0n : bigBelow(rng, 52));
  return shuffled(rng, a, b);
}

/** x and an odd multiple of half x's ulp (1 + 2^-53 style): the exact sum is a tie, or one step from it. */
function additionTie(rng: SplitMix64): Pair {
  const biased = between(rng, 1, 2046);
  const a = pack(randomSign(rng), BigInt(biased), bigBelow(rng, 52));
  // Half an ulp of a is 2^(biased - 1075 - 1); an odd multiple 1, 3, 5 or 7 of it (subnormal if need be).
  const halfUlp = biased - 1076;
  const b = halfUlp >= -1074 ? bits64(f64(powerOfTwo(halfUlp)) * (2 * below(rng, 4) + 1)) : 1n;
  return shuffled(rng, a, (randomSign(rng) << 63n) | nudge(b, below(rng, 3) - 1));
}

/** x and nearly −x: cancellation, results of a few ulps (subnormal when x is near the least normal). */
function cancellation(rng: SplitMix64): Pair {
  const a = below(rng, 2) === 0 ? inExponents(rng, -1022, 1023) : inExponents(rng, -1022, -1010);
  return [a, nudge(a ^ SIGN, below(rng, 9) - 4)];
}

/** Both operands near the least normal 2^-1022, random signs: sums across the subnormal boundary. */
const nearSubnormal = (rng: SplitMix64) => pack(randomSign(rng), BigInt(below(rng, 3)), bigBelow(rng, 52));

/** Products of odd 27-bit significands: a 53- or 54-bit odd product, so a tie whenever it has 54 bits. */
function productTie(rng: SplitMix64): Pair {
  const odd = () => (2 ** 26 + below(rng, 2 ** 26)) | 1;
  const scale = () => 2 ** between(rng, -480, 480);
  const sign = () => (below(rng, 2) === 0 ? 1 : -1);
  return [bits64(sign() * odd() * scale()), bits64(sign() * odd() * scale())];
}

/** A 53-bit significand times 2^(−1022 − s): rounded at its bit s into the subnormals, often at a tie. */
function productIntoSubnormal(rng: SplitMix64): Pair {
  const s = between(rng, 1, 52);
  let m = (1n << 52n) | bigBelow(rng, 52);
  const low = (1n << BigInt(s)) - 1n;
  const pattern = [1n << BigInt(s - 1), (1n << BigInt(s - 1)) + 1n, (1n << BigInt(s - 1)) - 1n, bigBelow(rng, s)][below(rng, 4)]!;
  m = (m & ~low) | (pattern & low);
  const significand = (randomSign(rng) << 63n) | (1023n << 52n) | (m & FRACTION); // m·2^-52, in [1, 2)
  return shuffled(rng, significand, (randomSign(rng) << 63n) | powerOfTwo(-1022 - s));
}

/** Products and quotients landing around 2^-1022 or 2^1024 from normal operands. */
function scaledToBoundary(rng: SplitMix64, op: "mul" | "div"): Pair {
  const target = below(rng, 2) === 0 ? between(rng, -1080, -1015) : between(rng, 1015, 1024);
  const ea = between(rng, -60, 60);
  const eb = op === "mul" ? target - ea : ea - target;
  if (eb < -1022 || eb > 1023) return [inExponents(rng, -60, 60), inExponents(rng, -60, 60)];
  return [inExponents(rng, ea, ea), inExponents(rng, eb, eb)];
}

/** A subnormal (random bits under 2^52) and a random value: the subnormal operand paths. */
const subnormal = (rng: SplitMix64) => (randomSign(rng) << 63n) | (bigBelow(rng, between(rng, 1, 52)) || 1n);

/** Quotients that are exact, near 1, or subnormal ties (small odd subnormals over powers of two). */
function divisionCase(rng: SplitMix64): Pair {
  const kind = below(rng, 3);
  if (kind === 0) {
    const b = useful(rng);
    return [bits64(f64(b) * between(rng, 1, 1000)), b];
  }
  if (kind === 1) {
    const a = inExponents(rng, -1022, 1023);
    return [nudge(a, below(rng, 9) - 4), a];
  }
  return [(randomSign(rng) << 63n) | BigInt(2 * below(rng, 1 << 20) + 1), (randomSign(rng) << 63n) | powerOfTwo(between(rng, 1, 8))];
}

/** Perfect squares, their neighbours, and squares of random values. */
function squareCase(rng: SplitMix64): bigint {
  const kind = below(rng, 3);
  if (kind === 0) return bits64(below(rng, 2 ** 26) ** 2 * 4 ** between(rng, -260, 230));
  if (kind === 1) return nudge(bits64(below(rng, 2 ** 26) ** 2 * 4 ** between(rng, -260, 230)), below(rng, 5) - 2) || 1n;
  const x = f64(inExponents(rng, -537, 511));
  return bits64(x * x);
}

/** Equal, adjacent and opposite pairs for the comparisons. */
function comparisonPair(rng: SplitMix64): Pair {
  const a = below(rng, 2) === 0 ? useful(rng) : edge(rng);
  const kind = below(rng, 4);
  if (kind === 0) return [a, a];
  if (kind === 1) return [a, a ^ SIGN];
  if (kind === 2) return shuffled(rng, a, BigInt.asUintN(64, a + 1n));
  return shuffled(rng, a, BigInt.asUintN(64, a - 1n));
}

/** Binary64 values at binary32 rounding boundaries: a binary32 value plus half its ulp (a tie), ± one binary64 ulp. */
function f32Boundary(rng: SplitMix64): bigint {
  const word = rng.nextUint32() & 0x7fffffff;
  const biased = word >>> 23;
  if (biased === 0xff) return pack(0n, 0x7fen, bigBelow(rng, 52)); // the exponent of ∞: a huge binary64 instead
  const fraction = BigInt(word & 0x7fffff);
  // The tie above the binary32 value: for a normal, bit 28 of the widened fraction; for a subnormal F·2^-149, (2F + 1)·2^-150.
  const tie = biased === 0 ? bits64((2 * Number(fraction) + 1) * 2 ** -150) : pack(0n, BigInt(biased + 896), (fraction << 29n) | (1n << 28n));
  return (randomSign(rng) << 63n) | nudge(tie, below(rng, 3) - 1);
}

/** Around binary32's overflow boundary 3.4028235677973366e38 and its underflow boundary 2^-150. */
function f32Extremes(rng: SplitMix64): bigint {
  const base = [0x47effffff0000000n, 0x47efffffe0000000n, 0x3690000000000000n, 0x36a8000000000000n, 0x3680000000000000n][below(rng, 5)]!;
  return (randomSign(rng) << 63n) | nudge(base, below(rng, 9) - 4);
}

/** Values around integers and halves, in every exponent from 2^-2 to 2^53, for floor. */
function nearInteger(rng: SplitMix64): bigint {
  const integer = Math.floor(2 ** (between(rng, -2, 53) + rng.nextUnit()));
  const offset = [0, 0.5, -0.5, 0.25][below(rng, 4)]!;
  const x = bits64(integer + offset);
  return (randomSign(rng) << 63n) | nudge(x, below(rng, 5) - 2);
}

/** The edge cases of the binary32 operand of toF64. */
const EDGES_32: readonly bigint[] = [0, 1, 2, 0x7fffff, 0x800000, 0x7f7fffff, 0x7f800000, 0x7fc00000, 0x7f800001, 0x7fffffff, 0x3f800000, 0x3f800001]
  .flatMap((w) => [w, (w | 0x80000000) >>> 0])
  .map(BigInt);

/** Random integers of random bit length, powers of two and ties just above 2^53, as int64 words. */
function integerCase(rng: SplitMix64): bigint {
  const kind = below(rng, 3);
  let n: bigint;
  if (kind === 0) n = bigBelow(rng, between(rng, 1, 63));
  else if (kind === 1) n = ((1n << 53n) + BigInt(below(rng, 16))) << BigInt(below(rng, 10));
  else n = (1n << BigInt(between(rng, 0, 62))) + BigInt(below(rng, 9)) - 4n;
  return BigInt.asUintN(64, below(rng, 2) === 0 ? n : -n);
}

const EDGE_INTS: readonly bigint[] = [0n, 1n, -1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 54n + 2n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 53n) - 1n].map((n) =>
  BigInt.asUintN(64, n),
);

/** Finite doubles under 2^63 in magnitude (toInt's domain here: the harness returns an int64). */
const truncatable = (rng: SplitMix64) => (below(rng, 2) === 0 ? inExponents(rng, -3, 62) : below(rng, 2) === 0 ? nearInteger(rng) : subnormal(rng));

/** exp's domain [−110, 95] densely, binary32 inputs in it, and its branch points. */
function expCase(rng: SplitMix64): bigint {
  const kind = below(rng, 4);
  if (kind === 0) return bits64(-110 + 205 * rng.nextUnit());
  if (kind === 1) return bits64(Math.fround(-110 + 205 * rng.nextUnit()));
  if (kind === 2) {
    // k = ⌊x·log2e + 0.5⌋ changes at x = (j − 0.5)·ln 2.
    const j = between(rng, -150, 129);
    return nudge(bits64((j - 0.5) * Math.LN2), below(rng, 9) - 4);
  }
  const base = [0x4056400000000000n, 0xc05a000000000000n, 0n, 0x3ff0000000000000n][below(rng, 4)]!; // 89, −104, 0, 1
  return base === 0n ? (randomSign(rng) << 63n) | bigBelow(rng, 64 - 12) : nudge(base, below(rng, 9) - 4);
}

/** log's domain: positive values of every exponent, binary32 inputs, 1 and √2 neighbourhoods, subnormals. */
function logCase(rng: SplitMix64): bigint {
  const kind = below(rng, 5);
  if (kind === 0) return rng.nextUint64() & ~SIGN;
  if (kind === 1) return fromTensor(rng) & ~SIGN;
  if (kind === 2) return nudge(0x3ff0000000000000n, below(rng, 41) - 20);
  if (kind === 3) return pack(0n, BigInt(between(rng, 1, 2046)), (0x3ff6a09e667f3bcdn & FRACTION) + BigInt(below(rng, 9)) - 4n);
  return bigBelow(rng, between(rng, 1, 52)) || 1n;
}

/** cos's domain [0, π]: uniformly, rounded to binary32, as the cosine schedule's π·p, and around its branch points 0, π/4, π/2, 3π/4 and π. */
function cosCase(rng: SplitMix64): bigint {
  const kind = below(rng, 4);
  if (kind === 0) return bits64(Math.PI * rng.nextUnit());
  if (kind === 1) return bits64(Math.fround(Math.PI * rng.nextUnit()));
  if (kind === 2) {
    const steps = between(rng, 1, 100_000);
    return bits64(Math.PI * Math.min(1, between(rng, 0, steps) / steps));
  }
  const base = [0n, 0x3fe921fb54442d18n, 0x3ff921fb54442d18n, 0x4002d97c7f3321d2n, 0x400921fb54442d18n][below(rng, 5)]!; // 0, π/4, π/2, 3π/4, π
  return base === 0n ? bigBelow(rng, between(rng, 1, 62)) : nudge(base, below(rng, 9) - 4);
}

/**
 * sigmoid's and tanh's domains: binary32 inputs (the values they are given), [−110, 110] densely, exp's
 * saturation points (±89, ±104; ±44.5 for tanh's 2·a) and tanh's Taylor bound 2^−10 ± a few ulps, tiny values.
 */
function smoothCase(rng: SplitMix64): bigint {
  const kind = below(rng, 6);
  if (kind === 0) return fromTensor(rng);
  if (kind === 1) return bits64((rng.nextUnit() - 0.5) * 220);
  if (kind === 2) return bits64(Math.fround((rng.nextUnit() - 0.5) * 220));
  if (kind === 3) return (randomSign(rng) << 63n) | nudge([0x4056400000000000n, 0x405a000000000000n, 0x4046400000000000n][below(rng, 3)]!, below(rng, 9) - 4); // 89, 104, 44.5
  if (kind === 4) return (randomSign(rng) << 63n) | nudge(0x3f50000000000000n, below(rng, 9) - 4); // 2^−10
  return inExponents(rng, -80, -10);
}

/** Each operation's mix of sources, by weight. */
const SOURCES: Readonly<Record<SoftFloatOp, readonly Source[]>> = (() => {
  const arithmetic: Source[] = [
    [25, two(uniform)],
    [25, two(useful)],
    [8, two(edge)],
    [4, (rng) => shuffled(rng, edge(rng), useful(rng))],
    [4, (rng) => shuffled(rng, subnormal(rng), below(rng, 2) === 0 ? useful(rng) : subnormal(rng))],
    [4, two(fromTensor)],
  ];
  const addition: Source[] = [...arithmetic, [15, exponentGap], [15, additionTie], [8, cancellation], [6, two(nearSubnormal)]];
  const comparison: Source[] = [[30, two(uniform)], [20, two(useful)], [10, two(edge)], [40, comparisonPair]];
  return {
    add: addition,
    sub: addition,
    mul: [...arithmetic, [20, productTie], [15, productIntoSubnormal], [10, (rng) => scaledToBoundary(rng, "mul")]],
    div: [...arithmetic, [20, divisionCase], [10, (rng) => scaledToBoundary(rng, "div")]],
    sqrt: [
      [20, one(uniform)],
      [20, one(useful)],
      [5, one(edge)],
      [10, one(subnormal)],
      [35, one(squareCase)],
      [10, one(fromTensor)],
    ],
    lt: comparison,
    le: comparison,
    eq: comparison,
    toF32: [
      [20, one(uniform)],
      [15, one((rng) => inExponents(rng, -160, 130))],
      [10, one(useful)],
      [35, one(f32Boundary)],
      [10, one(f32Extremes)],
      [5, one(edge)],
      [5, one(subnormal)],
    ],
    toF64: [
      [70, one((rng) => BigInt(rng.nextUint32()))],
      [20, one((rng) => BigInt((rng.nextUint32() & 0x807fffff) >>> 0))], // binary32 subnormals and zeros
      [10, one((rng) => EDGES_32[below(rng, EDGES_32.length)]!)],
    ],
    floor: [
      [20, one(uniform)],
      [25, one(useful)],
      [40, one(nearInteger)],
      [10, one((rng) => inExponents(rng, -5, 0))],
      [5, one(edge)],
    ],
    fromInt: [
      [40, one(uniform)],
      [60, one(integerCase)],
    ],
    toInt: [[100, one(truncatable)]],
    expF64: [
      [85, one(expCase)],
      [5, one(useful)],
      [5, one(uniform)],
      [5, one(edge)],
    ],
    logF64: [
      [80, one(logCase)],
      [10, one(useful)],
      [5, one(uniform)],
      [5, one(edge)],
    ],
    cosF64: [
      [90, one(cosCase)],
      [5, one(useful)],
      [5, one(edge)],
    ],
    sigmoidF64: [
      [85, one(smoothCase)],
      [5, one(useful)],
      [5, one(uniform)],
      [5, one(edge)],
    ],
    tanhF64: [
      [85, one(smoothCase)],
      [5, one(useful)],
      [5, one(uniform)],
      [5, one(edge)],
    ],
  };
})();
