/**
 * Generator of the WebAssembly text (WAT) of the Poseidon permutation over the BN254 scalar field,
 * computing two independent permutations at once in the two lanes of WebAssembly SIMD vectors.
 *
 * Why generated: the field multiplication is fully unrolled (81 limb products plus 81 for the
 * Montgomery reduction), which is tedious and error-prone by hand but trivial to emit.
 *
 * Arithmetic: an element is 9 limbs of 29 bits (261 bits) in Montgomery form with R = 2^261.
 * Products of two limbs fit in 58 bits, so dozens of them can be summed in a 64-bit lane before
 * a carry is needed; the multiply therefore skips carry chains entirely (the 29-bit trick of
 * Mitscha-Baude's ZPrize 2022 WebAssembly MSM). Limbs fit in 32 bits, so
 * `i64x2.extmul_low_i32x4_u` (one `pmuludq` on x86) computes the limb products of both lanes in
 * one instruction: about twice the throughput of scalar `i64.mul`.
 *
 * Two element formats, both 72 bytes ({@link ELEMENT_BYTES}):
 * - single: 9 limbs × i64, the format the host reads and writes (Merkle nodes, constants);
 * - pair: 9 limbs × (u32 lane A, u32 lane B), the state of the two-lane permutation; one
 *   `v128.load64_zero` gives a limb of both lanes. Constants are read from the single format with
 *   `v128.load32_splat`, i.e. the same value in both lanes.
 *
 * Algorithmic savings over circomlib's optimised Poseidon, all exact (same outputs): matrix
 * products use Winograd's inner-product trick (see emitWinogradRow), and the partial rounds are
 * evaluated in blocks (see emitPermutation), so most multiplications are lazily summed terms of
 * dot products with one reduction per output.
 *
 * Bounds: values are never conditionally subtracted, only kept "almost reduced". A Montgomery
 * reduction of a sum T of products returns < T/R + p, and p/R < 2^-7.4, so each reduction
 * shrinks its operands' product by a factor > 169 and values cannot run away: over a whole
 * permutation (inputs below 6.5p, as its own outputs are) the largest value is below 25p
 * (state[1..t) at the end of the partial rounds), matrix outputs, the hash output included, are
 * below 6.5p, and the Winograd vector term is below 4p, all far below 2^261 ≈ 169p.
 * test/keepers/commitments/poseidonBounds.test.ts recomputes these worst cases for every width.
 * Column sums stay below 2^64 because every stored element has normalised 29-bit limbs (see
 * emitDot); the host reduces outputs mod p when it reads them.
 *
 * @example
 * import wabt from "wabt";
 * const module = (await wabt()).parseWat("poseidon.wat", poseidonWat(), { simd: true });
 */

import { FIELD_MODULUS } from "./field.ts";
import type { PoseidonConstants } from "./poseidonConstants.ts";

const LIMBS = 9;
const LIMB_BITS = 29;
const MASK = (1n << 29n) - 1n;

/** Bytes of one field element in wasm memory, single (9 × i64) or pair (9 × 2 × u32) format. */
export const ELEMENT_BYTES = LIMBS * 8;

/** Montgomery radix exponent: R = 2^261. */
export const MONTGOMERY_BITS = LIMBS * LIMB_BITS;

/** Widest state (16 inputs). */
const MAX_WIDTH = 17;

/** Partial rounds are evaluated in blocks of this many rounds (see {@link partialRoundConstants}). */
export const PARTIAL_BLOCK = 4;

/**
 * Fixed memory layout below {@link HEAP_START}: constants set by the module's data segment
 * (single format), then pair-format scratch elements, the state and the matrix-product buffer.
 */
export const LAYOUT = {
  montgomeryRSquared: 0,
  modulus: ELEMENT_BYTES,
  fourModulus: 2 * ELEMENT_BYTES,
  /** MAX_WIDTH elements that stay zero (a zero addend, or a zero row of constants). */
  zero: 3 * ELEMENT_BYTES,
  scratch: (3 + MAX_WIDTH) * ELEMENT_BYTES,
  partialSum: (4 + MAX_WIDTH) * ELEMENT_BYTES,
  /** -Σ x_2j·x_2j+1 of the current matrix-vector product (see $matrix in emitPermutation). */
  vectorCorrection: (5 + MAX_WIDTH) * ELEMENT_BYTES,
  /** state[0..t), directly followed by the partial rounds' history x_0..x_{B-1} (see emitPermutation). */
  state: (6 + MAX_WIDTH) * ELEMENT_BYTES,
  product: (6 + 2 * MAX_WIDTH + PARTIAL_BLOCK) * ELEMENT_BYTES,
} as const;

/** First byte of wasm memory the host may allocate. */
export const HEAP_START = 8192;

/** Dot-product carries are normalised after this many lazily summed terms (see emitDot). */
const TERMS_PER_CARRY = 6;

function limbsOf(value: bigint): bigint[] {
  return Array.from({ length: LIMBS }, (_, i) => (value >> BigInt(LIMB_BITS * i)) & MASK);
}

/** -p^-1 mod 2^29, the Montgomery constant for one 29-bit limb. */
const MU = (() => {
  const m = 1n << 29n;
  let inv = 1n;
  for (let i = 0; i < 29; i++) inv = (inv * (2n - FIELD_MODULUS * inv)) % m;
  return (m - ((inv % m) + m) % m) % m;
})();
const R_MOD_P = (1n << BigInt(MONTGOMERY_BITS)) % FIELD_MODULUS;

/** An expression giving limb i of an operand as i32x4 with lane A in lane 0 and lane B in lane 1. */
type Operand = (limb: number) => string;

const pairOperand =
  (pointer: string): Operand =>
  (limb) =>
    `(v128.load64_zero offset=${limb * 8} (local.get ${pointer}))`;
const constantOperand =
  (pointer: string): Operand =>
  (limb) =>
    `(v128.load32_splat offset=${limb * 8} (local.get ${pointer}))`;

const get = (name: string): string => `(local.get ${name})`;
const sum = (first: string, terms: string[]): string => terms.reduce((acc, term) => `(i64x2.add ${acc} ${term})`, first);
const extmul = (a: string, b: string): string => `(i64x2.extmul_low_i32x4_u ${a} ${b})`;
const MASK64 = `(v128.const i64x2 ${MASK} ${MASK})`;
const MASK32 = `(v128.const i32x4 ${MASK} ${MASK} ${MASK} ${MASK})`;
/** Lanes 0 and 2 (the low halves of the two i64 lanes) moved to lanes 0 and 1. */
const packLanes = (vector: string): string => `(i8x16.shuffle 0 1 2 3 8 9 10 11 0 1 2 3 8 9 10 11 ${vector} ${vector})`;

/**
 * Adds the 81 limb products of two operands into the 17 column sums $t0..$t16 (i64x2), or sets
 * them when `accumulate` is false. A squaring sums the 36 cross products once with a doubled
 * factor (2·a_i < 2^30 still fits a u32 lane) plus the 9 squares: 45 products instead of 81.
 */
function emitProducts(a: Operand, b: Operand | "square", accumulate: boolean): string {
  const out: string[] = [];
  for (let i = 0; i < LIMBS; i++) out.push(`(local.set $a${i} ${a(i)})`);
  if (b === "square") {
    for (let i = 0; i < LIMBS; i++) out.push(`(local.set $b${i} (i32x4.shl ${get(`$a${i}`)} (i32.const 1)))`);
  } else {
    for (let j = 0; j < LIMBS; j++) out.push(`(local.set $b${j} ${b(j)})`);
  }
  for (let k = 0; k < 2 * LIMBS - 1; k++) {
    const terms: string[] = [];
    for (let i = Math.max(0, k - LIMBS + 1); i <= Math.min(k, LIMBS - 1); i++) {
      if (b !== "square") terms.push(extmul(get(`$a${i}`), get(`$b${k - i}`)));
      else if (i < k - i) terms.push(extmul(get(`$b${i}`), get(`$a${k - i}`)));
      else if (i === k - i) terms.push(extmul(get(`$a${i}`), get(`$a${i}`)));
    }
    const [first, ...rest] = accumulate ? [get(`$t${k}`), ...terms] : terms;
    out.push(`(local.set $t${k} ${sum(first ?? "", rest)})`);
  }
  return out.join("\n");
}

/**
 * Montgomery reduction of the 18 column sums $t0..$t17 (carries not propagated) into the
 * normalised limbs $t9..$t17, column by column ("product scanning"): every column is finished
 * once, so only the 9 quotient digits and a carry stay live. The quotient digit needs only the
 * low 29 bits of the column, so it is computed on 32-bit lanes (`i32x4.mul`).
 */
function emitReduction(): string {
  const pLimb = (j: number): string => `(v128.load32_splat offset=${LAYOUT.modulus + 8 * j} (i32.const 0))`;
  const out: string[] = [`(local.set $carry (v128.const i64x2 0 0))`];
  for (let k = 0; k < 2 * LIMBS; k++) {
    const terms: string[] = [];
    for (let i = Math.max(0, k - LIMBS + 1); i <= Math.min(k, LIMBS - 1); i++) {
      if (i < k || k >= LIMBS) terms.push(extmul(get(`$q${i}`), pLimb(k - i)));
    }
    out.push(`(local.set $t${k} ${sum(`(i64x2.add ${get(`$t${k}`)} ${get("$carry")})`, terms)})`);
    if (k < LIMBS) {
      out.push(`(local.set $q${k} (v128.and (i32x4.mul ${packLanes(get(`$t${k}`))} (v128.const i32x4 ${MU} ${MU} ${MU} ${MU})) ${MASK32}))`);
      out.push(`(local.set $carry (i64x2.shr_u (i64x2.add ${get(`$t${k}`)} ${extmul(get(`$q${k}`), pLimb(0))}) (i32.const 29)))`);
    } else if (k < 2 * LIMBS - 1) {
      out.push(`(local.set $carry (i64x2.shr_u ${get(`$t${k}`)} (i32.const 29)))`);
      out.push(`(local.set $t${k} (v128.and ${get(`$t${k}`)} ${MASK64}))`);
    }
  }
  return out.join("\n");
}

/** Propagates carries through the column sums $t0..$t16 so each holds at most one 29-bit limb. */
function emitCarry(): string {
  const out: string[] = [];
  for (let j = 0; j < 2 * LIMBS - 2; j++) {
    out.push(`(local.set $t${j + 1} (i64x2.add ${get(`$t${j + 1}`)} (i64x2.shr_u ${get(`$t${j}`)} (i32.const 29))))`);
    out.push(`(local.set $t${j} (v128.and ${get(`$t${j}`)} ${MASK64}))`);
  }
  return out.join("\n");
}

function emitStoreResult(): string {
  return Array.from({ length: LIMBS }, (_, j) => `(v128.store64_lane offset=${j * 8} 0 (local.get $out) ${packLanes(get(`$t${j + LIMBS}`))})`).join("\n");
}

const multiplyLocals =
  Array.from({ length: 2 * LIMBS }, (_, k) => `(local $t${k} v128)`).join(" ") +
  Array.from({ length: LIMBS }, (_, i) => ` (local $a${i} v128) (local $b${i} v128) (local $q${i} v128)`).join("") +
  " (local $carry v128)";

/** Adds the 9 limbs of the pair element at $addend to columns 9..17, i.e. adds addend·R before the reduction. */
function emitAddendTimesR(): string {
  const limb = pairOperand("$addend");
  return Array.from(
    { length: LIMBS },
    (_, j) => `(local.set $t${j + LIMBS} (i64x2.add ${get(`$t${j + LIMBS}`)} (i64x2.extend_low_i32x4_u ${limb(j)})))`,
  ).join("\n");
}

/**
 * The multiplications of the S-box, on pair elements (out may alias an input):
 * `square(out, a)` = a²/R and `mulPair(out, a, b)` = a·b/R, both below ab/R + p.
 */
function emitMultiplications(): string {
  return `(func $square (param $out i32) (param $a i32) ${multiplyLocals}
  ${emitProducts(pairOperand("$a"), "square", false)}
  (local.set $t17 (v128.const i64x2 0 0))
  ${emitReduction()}
  ${emitStoreResult()})
(func $mulPair (param $out i32) (param $a i32) (param $b i32) ${multiplyLocals}
  ${emitProducts(pairOperand("$a"), pairOperand("$b"), false)}
  (local.set $t17 (v128.const i64x2 0 0))
  ${emitReduction()}
  ${emitStoreResult()})`;
}

/**
 * out = Σ_k c[k]·x[k] / R + addend over `count` terms (c single-format constants, x and addend
 * pair elements; out may alias addend) with one reduction. Operand limbs are below 2^29, so a
 * term adds at most 9 products below 2^58 to a column; carries are normalised after every 6
 * terms, so a column never holds more than 6·9 products, nor more than 5·9 + 9 (reduction) once
 * the reduction runs: 54·2^58 < 2^64.
 */
function emitDot(): string {
  return `(func $dot (param $out i32) (param $c i32) (param $cStride i32) (param $x i32) (param $xStride i32) (param $count i32) (param $addend i32)
  ${multiplyLocals} (local $sinceCarry i32)
  ${Array.from({ length: 2 * LIMBS }, (_, k) => `(local.set $t${k} (v128.const i64x2 0 0))`).join("\n")}
  (block $done (loop $next
    (br_if $done (i32.eqz (local.get $count)))
    ${emitProducts(constantOperand("$c"), pairOperand("$x"), true)}
    (local.set $sinceCarry (i32.add (local.get $sinceCarry) (i32.const 1)))
    (if (i32.eq (local.get $sinceCarry) (i32.const ${TERMS_PER_CARRY})) (then
      ${emitCarry()}
      (local.set $sinceCarry (i32.const 0))))
    (local.set $c (i32.add (local.get $c) (local.get $cStride)))
    (local.set $x (i32.add (local.get $x) (local.get $xStride)))
    (local.set $count (i32.sub (local.get $count) (i32.const 1)))
    (br $next)))
  ${emitAddendTimesR()}
  ${emitReduction()}
  ${emitStoreResult()})`;
}

/**
 * One row of a matrix-vector product by Winograd's inner-product trick, which halves the
 * multiplications when many rows share the vector x:
 * Σ_k c_k·x_k = Σ_(j<pairs) (c_2j + x_2j+1)·(c_2j+1 + x_2j) - Σ_j c_2j·c_2j+1 - Σ_j x_2j·x_2j+1,
 * plus c_2pairs·x_2pairs when `odd`. The row's constant Σ c_2j·c_2j+1 (negated, single format)
 * and the vector's (negated, pair) are passed as the two addends:
 * out = (Σ products)/R + vectorAddend + constantAddend. Operand sums are normalised, so the
 * column bounds are those of {@link emitDot}. With c a zero row and zero addends, out = Σ x_2j·x_2j+1.
 */
function emitWinogradRow(): string {
  const terms = [
    ...emitSum("$l", constantOperand("$c"), (j) => `(v128.load64_zero offset=${ELEMENT_BYTES + j * 8} (local.get $x))`),
    ...emitSum("$r", (j) => `(v128.load32_splat offset=${ELEMENT_BYTES + j * 8} (local.get $c))`, pairOperand("$x")),
    emitProducts((i) => get(`$l${i}`), (j) => get(`$r${j}`), true),
  ];
  const constantAddend = Array.from(
    { length: LIMBS },
    (_, j) =>
      `(local.set $t${j + LIMBS} (i64x2.add ${get(`$t${j + LIMBS}`)} (i64x2.extend_low_i32x4_u (v128.load32_splat offset=${j * 8} (local.get $constantAddend)))))`,
  );
  return `(func $winogradRow (param $out i32) (param $c i32) (param $x i32) (param $pairs i32) (param $odd i32) (param $addend i32) (param $constantAddend i32)
  ${multiplyLocals} ${sumLocals("$l")} ${sumLocals("$r")} (local $sinceCarry i32)
  ${Array.from({ length: 2 * LIMBS }, (_, k) => `(local.set $t${k} (v128.const i64x2 0 0))`).join("\n")}
  (block $done (loop $next
    (br_if $done (i32.eqz (local.get $pairs)))
    ${terms.join("\n")}
    (local.set $sinceCarry (i32.add (local.get $sinceCarry) (i32.const 1)))
    (if (i32.eq (local.get $sinceCarry) (i32.const ${TERMS_PER_CARRY})) (then
      ${emitCarry()}
      (local.set $sinceCarry (i32.const 0))))
    (local.set $c (i32.add (local.get $c) (i32.const ${2 * ELEMENT_BYTES})))
    (local.set $x (i32.add (local.get $x) (i32.const ${2 * ELEMENT_BYTES})))
    (local.set $pairs (i32.sub (local.get $pairs) (i32.const 1)))
    (br $next)))
  (if (local.get $odd) (then
    ${emitProducts(constantOperand("$c"), pairOperand("$x"), true)}))
  ${emitAddendTimesR()}
  ${constantAddend.join("\n")}
  ${emitReduction()}
  ${emitStoreResult()})`;
}

/**
 * Statements setting the i32x4 locals `${name}0..8` to the limbs of c + x (c a single-format
 * constant, x a pair element) with carries normalised, so every limb is below 2^29 again.
 */
function emitSum(name: string, c: Operand, x: Operand): string[] {
  const out: string[] = [];
  for (let j = 0; j < LIMBS; j++) out.push(`(local.set ${name}${j} (i32x4.add ${c(j)} ${x(j)}))`);
  for (let j = 0; j < LIMBS - 1; j++) {
    out.push(`(local.set ${name}${j + 1} (i32x4.add ${get(`${name}${j + 1}`)} (i32x4.shr_u ${get(`${name}${j}`)} (i32.const 29))))`);
    out.push(`(local.set ${name}${j} (v128.and ${get(`${name}${j}`)} ${MASK32}))`);
  }
  return out;
}

const sumLocals = (name: string): string => Array.from({ length: LIMBS }, (_, j) => `(local ${name}${j} v128)`).join(" ");

/** x = x + c (c a single-format constant), limb-wise with carries normalised, not reduced. */
function emitAddConstant(): string {
  const stores = Array.from({ length: LIMBS }, (_, j) => `(v128.store64_lane offset=${j * 8} 0 (local.get $x) ${get(`$s${j}`)})`);
  return `(func $addConstant (param $x i32) (param $c i32) ${sumLocals("$s")}
  ${[...emitSum("$s", constantOperand("$c"), pairOperand("$x")), ...stores].join("\n")})`;
}

/**
 * out = 4p - x for x < 4p (pair elements): a representative of -x, limb-wise with signed borrows.
 */
function emitNegate(): string {
  const out: string[] = [];
  const fourP = (j: number): string => `(v128.load32_splat offset=${LAYOUT.fourModulus + 8 * j} (i32.const 0))`;
  for (let j = 0; j < LIMBS; j++) out.push(`(local.set $s${j} (i32x4.sub ${fourP(j)} ${pairOperand("$x")(j)}))`);
  for (let j = 0; j < LIMBS - 1; j++) {
    out.push(`(local.set $s${j + 1} (i32x4.add ${get(`$s${j + 1}`)} (i32x4.shr_s ${get(`$s${j}`)} (i32.const 29))))`);
    out.push(`(local.set $s${j} (v128.and ${get(`$s${j}`)} ${MASK32}))`);
  }
  for (let j = 0; j < LIMBS; j++) out.push(`(v128.store64_lane offset=${j * 8} 0 (local.get $out) ${get(`$s${j}`)})`);
  return `(func $negate (param $out i32) (param $x i32) ${sumLocals("$s")}
  ${out.join("\n")})`;
}

/** Reads 31 little-endian bytes at $in as a plain integer into lane `laneOffset` (0 or 4) of the pair element $out. */
function emitUnpackLane(laneOffset: number): string {
  const out: string[] = [];
  for (let j = 0; j < LIMBS; j++) {
    const bit = j * LIMB_BITS;
    // 248 bits: the top limb holds bits 232..247 only; wider loads read bytes past the 31 and are masked off.
    const mask = j === LIMBS - 1 ? (1n << 16n) - 1n : MASK;
    out.push(
      `(i32.store offset=${j * 8 + laneOffset} (local.get $out) (i32.wrap_i64 (i64.and (i64.shr_u (i64.load offset=${bit >> 3} (local.get $in)) (i64.const ${bit & 7})) ${`(i64.const ${mask})`})))`,
    );
  }
  return out.join("\n");
}

/**
 * Host interface (all on the pair state at LAYOUT.state):
 * - `loadInputs(a, b, t)`: state[0] = 0 and lanes A and B of state[1..t) from the t - 1
 *   consecutive single-format elements at a and at b;
 * - `loadChunks(a, b)`: state = [0, e_1..e_16] (Montgomery form) of the 496-byte chunks at a and b,
 *   e_i being the i-th 31 bytes read little-endian (reads up to 6 bytes past each chunk);
 * - `permute(t, partialRounds, c, s, mt, pt)`: the permutation of width t on both lanes;
 * - `storeOutputs(a, b)`: state[0] of lane A to a and of lane B to b, single format (< 1.3p).
 */
function emitHostInterface(): string {
  const copyLane = (laneOffset: number, from: string): string =>
    Array.from(
      { length: LIMBS },
      (_, j) => `(i32.store offset=${LAYOUT.state + j * 8 + laneOffset} (local.get $to) (i32.wrap_i64 (i64.load offset=${j * 8} (local.get ${from}))))`,
    ).join("\n");
  const storeLane = (laneOffset: number, to: string): string =>
    Array.from(
      { length: LIMBS },
      (_, j) => `(i64.store offset=${j * 8} (local.get ${to}) (i64.load32_u offset=${LAYOUT.state + j * 8 + laneOffset} (i32.const 0)))`,
    ).join("\n");
  const zeroStateHead = Array.from({ length: LIMBS }, (_, j) => `(i64.store offset=${LAYOUT.state + 8 * j} (i32.const 0) (i64.const 0))`).join("\n");
  return `(func (export "loadInputs") (param $a i32) (param $b i32) (param $t i32) (local $to i32) (local $end i32)
  ${zeroStateHead}
  (local.set $to (i32.const ${ELEMENT_BYTES}))
  (local.set $end (i32.mul (local.get $t) (i32.const ${ELEMENT_BYTES})))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $to) (local.get $end)))
    ${copyLane(0, "$a")}
    ${copyLane(4, "$b")}
    (local.set $a (i32.add (local.get $a) (i32.const ${ELEMENT_BYTES})))
    (local.set $b (i32.add (local.get $b) (i32.const ${ELEMENT_BYTES})))
    (local.set $to (i32.add (local.get $to) (i32.const ${ELEMENT_BYTES})))
    (br $next))))
(func (export "loadChunks") (param $a i32) (param $b i32) (local $i i32) (local $out i32) (local $in i32)
  ${zeroStateHead}
  (local.set $i (i32.const 1))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $i) (i32.const ${MAX_WIDTH})))
    (local.set $out (i32.add (i32.const ${LAYOUT.state}) (i32.mul (local.get $i) (i32.const ${ELEMENT_BYTES}))))
    (local.set $in (i32.add (local.get $a) (i32.mul (i32.sub (local.get $i) (i32.const 1)) (i32.const 31))))
    ${emitUnpackLane(0)}
    (local.set $in (i32.add (local.get $b) (i32.mul (i32.sub (local.get $i) (i32.const 1)) (i32.const 31))))
    ${emitUnpackLane(4)}
    ;; e·R²/R = e·R: into Montgomery form.
    (call $dot (local.get $out) (i32.const ${LAYOUT.montgomeryRSquared}) (i32.const 0) (local.get $out) (i32.const 0) (i32.const 1) (i32.const ${LAYOUT.zero}))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $next))))
(func (export "storeOutputs") (param $a i32) (param $b i32)
  ${storeLane(0, "$a")}
  ${storeLane(4, "$b")})`;
}

/**
 * The optimised Poseidon permutation (circomlib's poseidon.circom / circomlibjs poseidon_opt) on
 * the pair state, leaving state[0] of the output in place. Pointers: `c` round constants, `s`
 * the partial-round constants of {@link partialRoundConstants}, `mt` and `pt` the transposed MDS
 * and pre-sparse matrices (row i = column i of M and P), all single format.
 *
 * Partial round r of circomlib computes, with x_r = state[0]^5 + C and u = state[1..t), the new
 * state[0] = w_r0·x_r + Σ_k w_rk·u_k and u_k += x_r·v_rk (w_r and v_r from the sparse matrix S).
 * Within a block of B rounds starting at r0 the u_k are not updated: round r0 + i uses
 * u(r0 + i) = u(r0) + Σ_(j<i) x_j·v_j, so its new state[0] is
 * w·[x_i, u(r0)] + Σ_(j<i) x_j·a_ij with the constants a_ij = Σ_k w_(r0+i)k·v_(r0+j)k; at the
 * end of the block every u_k takes Σ_j x_j·v_jk in one reduction. That is 16 reductions per block
 * instead of 16 per round (t = 17), for ~1.5 extra products per round.
 */
function emitPermutation(): string {
  const state = LAYOUT.state;
  return `
(func $pow5 (param $x i32)
  (call $square (i32.const ${LAYOUT.scratch}) (local.get $x))
  (call $square (i32.const ${LAYOUT.scratch}) (i32.const ${LAYOUT.scratch}))
  (call $mulPair (local.get $x) (i32.const ${LAYOUT.scratch}) (local.get $x)))

(func $fullRoundHead (param $t i32) (param $c i32)
  (local $x i32) (local $end i32)
  (local.set $x (i32.const ${state}))
  (local.set $end (i32.add (i32.const ${state}) (i32.mul (local.get $t) (i32.const ${ELEMENT_BYTES}))))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
    (call $pow5 (local.get $x))
    (call $addConstant (local.get $x) (local.get $c))
    (local.set $x (i32.add (local.get $x) (i32.const ${ELEMENT_BYTES})))
    (local.set $c (i32.add (local.get $c) (i32.const ${ELEMENT_BYTES})))
    (br $next))))

(func $matrix (param $t i32) (param $mt i32) (param $corrections i32) (param $rows i32)
  (local $i i32) (local $row i32) (local $pairs i32) (local $odd i32)
  (local.set $row (i32.mul (local.get $t) (i32.const ${ELEMENT_BYTES})))
  (local.set $pairs (i32.shr_u (local.get $t) (i32.const 1)))
  (local.set $odd (i32.and (local.get $t) (i32.const 1)))
  ;; The vector's Winograd correction, once for all rows: -Σ x_2j·x_2j+1.
  (call $winogradRow (i32.const ${LAYOUT.scratch}) (i32.const ${LAYOUT.zero}) (i32.const ${state}) (local.get $pairs) (i32.const 0)
    (i32.const ${LAYOUT.zero}) (i32.const ${LAYOUT.zero}))
  (call $negate (i32.const ${LAYOUT.vectorCorrection}) (i32.const ${LAYOUT.scratch}))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $i) (local.get $rows)))
    (call $winogradRow (i32.add (i32.const ${LAYOUT.product}) (i32.mul (local.get $i) (i32.const ${ELEMENT_BYTES})))
      (i32.add (local.get $mt) (i32.mul (local.get $i) (local.get $row))) (i32.const ${state}) (local.get $pairs) (local.get $odd)
      (i32.const ${LAYOUT.vectorCorrection}) (i32.add (local.get $corrections) (i32.mul (local.get $i) (i32.const ${ELEMENT_BYTES}))))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $next)))
  (memory.copy (i32.const ${state}) (i32.const ${LAYOUT.product}) (i32.mul (local.get $rows) (i32.const ${ELEMENT_BYTES}))))

(func (export "permute") (param $t i32) (param $partialRounds i32) (param $c i32) (param $s i32) (param $mt i32) (param $pt i32)
  (param $mk i32) (param $pk i32)
  (local $r i32) (local $k i32) (local $row i32) (local $x i32) (local $history i32) (local $rounds i32)
  (local.set $row (i32.mul (local.get $t) (i32.const ${ELEMENT_BYTES})))
  (local.set $k (i32.const 0))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $k) (local.get $t)))
    (call $addConstant (i32.add (i32.const ${state}) (i32.mul (local.get $k) (i32.const ${ELEMENT_BYTES})))
      (i32.add (local.get $c) (i32.mul (local.get $k) (i32.const ${ELEMENT_BYTES}))))
    (local.set $k (i32.add (local.get $k) (i32.const 1)))
    (br $next)))
  (local.set $c (i32.add (local.get $c) (local.get $row)))
  (local.set $r (i32.const 0))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $r) (i32.const 3)))
    (call $fullRoundHead (local.get $t) (local.get $c))
    (call $matrix (local.get $t) (local.get $mt) (local.get $mk) (local.get $t))
    (local.set $c (i32.add (local.get $c) (local.get $row)))
    (local.set $r (i32.add (local.get $r) (i32.const 1)))
    (br $next)))
  (call $fullRoundHead (local.get $t) (local.get $c))
  (call $matrix (local.get $t) (local.get $pt) (local.get $pk) (local.get $t))
  (local.set $c (i32.add (local.get $c) (local.get $row)))
  ;; Partial rounds, in blocks of up to ${PARTIAL_BLOCK} (constants from partialRoundConstants, at $s).
  (local.set $history (i32.add (i32.const ${state}) (local.get $row)))
  (block $done (loop $nextBlock
    (br_if $done (i32.eqz (local.get $partialRounds)))
    (local.set $rounds (select (i32.const ${PARTIAL_BLOCK}) (local.get $partialRounds) (i32.gt_u (local.get $partialRounds) (i32.const ${PARTIAL_BLOCK}))))
    (local.set $r (i32.const 0))
    (block $roundsDone (loop $nextRound
      (br_if $roundsDone (i32.ge_u (local.get $r) (local.get $rounds)))
      (call $pow5 (i32.const ${state}))
      (call $addConstant (i32.const ${state}) (local.get $c))
      (local.set $c (i32.add (local.get $c) (i32.const ${ELEMENT_BYTES})))
      (memory.copy (i32.add (local.get $history) (i32.mul (local.get $r) (i32.const ${ELEMENT_BYTES}))) (i32.const ${state}) (i32.const ${ELEMENT_BYTES}))
      ;; x_r·w_0 + Σ_k u_k·w_k + Σ_(j<r) x_j·a_(r,j): state[0..t) and history[0..r) are contiguous.
      (local.set $k (i32.add (local.get $t) (local.get $r)))
      (call $dot (i32.const ${LAYOUT.partialSum}) (local.get $s) (i32.const ${ELEMENT_BYTES}) (i32.const ${state}) (i32.const ${ELEMENT_BYTES}) (local.get $k) (i32.const ${LAYOUT.zero}))
      (local.set $s (i32.add (local.get $s) (i32.mul (local.get $k) (i32.const ${ELEMENT_BYTES}))))
      (memory.copy (i32.const ${state}) (i32.const ${LAYOUT.partialSum}) (i32.const ${ELEMENT_BYTES}))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $nextRound)))
    ;; u_k += Σ_j x_j·v_(j,k) for k = 1..t-1, one reduction each.
    (local.set $x (i32.const ${state + ELEMENT_BYTES}))
    (block $updatesDone (loop $nextUpdate
      (br_if $updatesDone (i32.ge_u (local.get $x) (local.get $history)))
      (call $dot (local.get $x) (local.get $s) (i32.const ${ELEMENT_BYTES}) (local.get $history) (i32.const ${ELEMENT_BYTES}) (local.get $rounds) (local.get $x))
      (local.set $s (i32.add (local.get $s) (i32.mul (local.get $rounds) (i32.const ${ELEMENT_BYTES}))))
      (local.set $x (i32.add (local.get $x) (i32.const ${ELEMENT_BYTES})))
      (br $nextUpdate)))
    (local.set $partialRounds (i32.sub (local.get $partialRounds) (local.get $rounds)))
    (br $nextBlock)))
  (local.set $r (i32.const 0))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $r) (i32.const 3)))
    (call $fullRoundHead (local.get $t) (local.get $c))
    (call $matrix (local.get $t) (local.get $mt) (local.get $mk) (local.get $t))
    (local.set $c (i32.add (local.get $c) (local.get $row)))
    (local.set $r (i32.add (local.get $r) (i32.const 1)))
    (br $next)))
  (local.set $k (i32.const 0))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $k) (local.get $t)))
    (call $pow5 (i32.add (i32.const ${state}) (i32.mul (local.get $k) (i32.const ${ELEMENT_BYTES}))))
    (local.set $k (i32.add (local.get $k) (i32.const 1)))
    (br $next)))
  ;; Only state[0] is the hash output, so the last matrix product computes a single row.
  (call $matrix (local.get $t) (local.get $mt) (local.get $mk) (i32.const 1)))`;
}

/**
 * The partial-round constants in the order the permutation reads them: for each block of up to
 * B rounds starting at r0, for each round i of the block [w_(r0+i)0..w_(r0+i)(t-1),
 * a_i0..a_i(i-1)], then for k = 1..t-1 [v_(r0)k..v_(r0+B-1)k] (see emitPermutation).
 *
 * @example
 * partialRoundConstants(poseidonConstants(3)).length; // for t = 3
 */
export function partialRoundConstants({ t, partialRounds, s }: PoseidonConstants): bigint[] {
  const w = (round: number, j: number): bigint => s[(2 * t - 1) * round + j] ?? 0n;
  const v = (round: number, k: number): bigint => s[(2 * t - 1) * round + t + k - 1] ?? 0n;
  const out: bigint[] = [];
  for (let r0 = 0; r0 < partialRounds; r0 += PARTIAL_BLOCK) {
    const rounds = Math.min(PARTIAL_BLOCK, partialRounds - r0);
    for (let i = 0; i < rounds; i++) {
      for (let j = 0; j < t; j++) out.push(w(r0 + i, j));
      for (let j = 0; j < i; j++) {
        let a = 0n;
        for (let k = 1; k < t; k++) a += w(r0 + i, k) * v(r0 + j, k);
        out.push(a % FIELD_MODULUS);
      }
    }
    for (let k = 1; k < t; k++) for (let j = 0; j < rounds; j++) out.push(v(r0 + j, k));
  }
  return out;
}

/**
 * The Winograd corrections of a matrix given by its rows (see emitWinogradRow):
 * -Σ_j row[2j]·row[2j+1] mod p for each row.
 *
 * @example
 * const mk = matrixCorrections(transposedM);
 */
export function matrixCorrections(rows: bigint[][]): bigint[] {
  return rows.map((row) => {
    let sum = 0n;
    for (let j = 0; j + 1 < row.length; j += 2) sum += (row[j] ?? 0n) * (row[j + 1] ?? 0n);
    return (FIELD_MODULUS - (sum % FIELD_MODULUS)) % FIELD_MODULUS;
  });
}

/** WAT string literal of the single-format limbs of `value`. */
function dataOf(value: bigint): string {
  return limbsOf(value)
    .flatMap((limb) => Array.from({ length: 8 }, (_, byte) => Number((limb >> BigInt(8 * byte)) & 0xffn)))
    .map((byte) => `\\${byte.toString(16).padStart(2, "0")}`)
    .join("");
}

/** The complete WAT module: exported memory, `loadInputs`, `loadChunks`, `permute`, `storeOutputs`. */
export function poseidonWat(): string {
  return `(module
(memory (export "memory") 1)
(data (i32.const ${LAYOUT.montgomeryRSquared}) "${dataOf((R_MOD_P * R_MOD_P) % FIELD_MODULUS)}${dataOf(FIELD_MODULUS)}${dataOf(4n * FIELD_MODULUS)}")
${emitMultiplications()}
${emitDot()}
${emitAddConstant()}
${emitNegate()}
${emitWinogradRow()}
${emitHostInterface()}
${emitPermutation()}
)`;
}
