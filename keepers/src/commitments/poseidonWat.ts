/**
 * Generator of the WebAssembly text (WAT) of the Poseidon permutation over the BN254 scalar field.
 *
 * Why generated: the field multiplication is fully unrolled (81 limb products plus 81 for the
 * Montgomery reduction), which is tedious and error-prone by hand but trivial to emit.
 *
 * Arithmetic: an element is 9 limbs of 29 bits (261 bits), each stored as an i64 (72 bytes).
 * Products of two limbs fit in 58 bits, so up to 64 of them can be summed in an i64 before a
 * carry is needed; this lets the multiply skip carry chains entirely (the 29-bit trick of
 * Mitscha-Baude's ZPrize 2022 WebAssembly MSM). Elements are in Montgomery form with
 * R = 2^261 and are kept "almost reduced" in [0, 2p): since 34p < R, the reduction of a sum of
 * up to 17 products of such values still lands in [0, 2p), so the MDS matrix-vector product
 * sums 17 wide products and reduces once per output (lazy reduction) instead of 17 times.
 *
 * @example
 * import wabt from "wabt";
 * const binary = (await wabt()).parseWat("poseidon.wat", poseidonWat()).toBinary({}).buffer;
 */

import { FIELD_MODULUS } from "./field.ts";

const LIMBS = 9;
const LIMB_BITS = 29;
const MASK = (1n << 29n) - 1n;


/** Bytes of one field element in wasm memory: 9 limbs of 8 bytes. */
export const ELEMENT_BYTES = LIMBS * 8;

/** Montgomery radix exponent: R = 2^261. */
export const MONTGOMERY_BITS = LIMBS * LIMB_BITS;

/**
 * Fixed memory layout shared with the JavaScript side: scratch elements and constants live
 * below {@link HEAP_START}; the host allocates everything else above it.
 */
export const LAYOUT = {
  scratchA: 0,
  scratchB: ELEMENT_BYTES,
  montgomeryRSquared: 2 * ELEMENT_BYTES,
  plainOne: 3 * ELEMENT_BYTES,
} as const;

/** First byte of wasm memory the host may allocate. */
export const HEAP_START = 1024;

function limbsOf(value: bigint): bigint[] {
  return Array.from({ length: LIMBS }, (_, i) => (value >> BigInt(LIMB_BITS * i)) & MASK);
}

const P = limbsOf(FIELD_MODULUS);
const TWO_P = limbsOf(2n * FIELD_MODULUS);
/** -p^-1 mod 2^29, the Montgomery constant for one 29-bit limb. */
const MU = (() => {
  const m = 1n << 29n;
  let inv = 1n;
  for (let i = 0; i < 29; i++) inv = (inv * (2n - FIELD_MODULUS * inv)) % m;
  return (m - ((inv % m) + m) % m) % m;
})();

const i64 = (v: bigint): string => `(i64.const ${v})`;
const load = (base: string, limb: number): string => `(i64.load offset=${limb * 8} (local.get ${base}))`;

/**
 * Montgomery reduction of the 18 column sums $t0..$t17 (carries not propagated; each at most
 * 18 limb products, so that adding the 9 products q_i * p_j keeps it below 2^64) into limbs $t9..$t17, column by column ("product scanning"): every column is
 * finished once, so only the 9 quotient digits and a carry stay live, which keeps register
 * pressure low; the reduction products q_i * p_j use p's limbs as immediates.
 */
function emitReduction(): string {
  const out: string[] = [`(local.set $c (i64.const 0))`];
  for (let k = 0; k < 2 * LIMBS; k++) {
    const terms: string[] = [];
    for (let i = Math.max(0, k - LIMBS + 1); i <= Math.min(k, LIMBS - 1); i++) {
      if (i < k || k >= LIMBS) terms.push(`(i64.mul (local.get $q${i}) ${i64(P[k - i]!)})`);
    }
    const sum = terms.reduce((acc, term) => `(i64.add ${acc} ${term})`, `(i64.add (local.get $t${k}) (local.get $c))`);
    out.push(`(local.set $t${k} ${sum})`);
    if (k < LIMBS) {
      out.push(`(local.set $q${k} (i64.and (i64.mul (i64.and (local.get $t${k}) ${i64(MASK)}) ${i64(MU)}) ${i64(MASK)}))`);
      out.push(`(local.set $c (i64.shr_u (i64.add (local.get $t${k}) (i64.mul (local.get $q${k}) ${i64(P[0]!)})) (i64.const 29)))`);
    } else if (k < 2 * LIMBS - 1) {
      out.push(`(local.set $c (i64.shr_u (local.get $t${k}) (i64.const 29)))`);
      out.push(`(local.set $t${k} (i64.and (local.get $t${k}) ${i64(MASK)}))`);
    }
  }
  return out.join("\n");
}

/** Propagates carries from accumulator `from` up to `to` (inclusive target of the last carry). */
function emitCarry(from: number, to: number): string {
  const out: string[] = [];
  for (let j = from; j < to; j++) {
    out.push(`(local.set $t${j + 1} (i64.add (local.get $t${j + 1}) (i64.shr_u (local.get $t${j}) (i64.const 29))))`);
    out.push(`(local.set $t${j} (i64.and (local.get $t${j}) ${i64(MASK)}))`);
  }
  return out.join("\n");
}

/** Adds the 81 limb products of $a and $b (element pointers) into $t0..$t16. */
function emitProductAccumulate(): string {
  const out: string[] = [];
  for (let i = 0; i < LIMBS; i++) out.push(`(local.set $a${i} ${load("$a", i)})`);
  for (let j = 0; j < LIMBS; j++) out.push(`(local.set $b${j} ${load("$b", j)})`);
  for (let k = 0; k < 2 * LIMBS - 1; k++) {
    const terms: string[] = [];
    for (let i = Math.max(0, k - LIMBS + 1); i <= Math.min(k, LIMBS - 1); i++) {
      terms.push(`(i64.mul (local.get $a${i}) (local.get $b${k - i}))`);
    }
    const sum = terms.reduce((acc, term) => `(i64.add ${acc} ${term})`, `(local.get $t${k})`);
    out.push(`(local.set $t${k} ${sum})`);
  }
  return out.join("\n");
}

function emitStoreResult(): string {
  return Array.from({ length: LIMBS }, (_, j) => `(i64.store offset=${j * 8} (local.get $out) (local.get $t${j + LIMBS}))`).join("\n");
}

const accumulatorLocals = Array.from({ length: 2 * LIMBS }, (_, k) => `(local $t${k} i64)`).join(" ");
const operandLocals = Array.from({ length: LIMBS }, (_, i) => `(local $a${i} i64) (local $b${i} i64) (local $q${i} i64)`).join(" ") + " (local $c i64)";

/** out = a * b / R mod p, in [0, 2p) for a, b in [0, 2p). out may alias a or b. */
function emitMul(): string {
  return `(func $mul (export "mul") (param $out i32) (param $a i32) (param $b i32)
  ${accumulatorLocals} ${operandLocals}
  ${emitProductAccumulate()}
  ${emitReduction()}
  ${emitStoreResult()})`;
}

/**
 * out = sum_k a[k] * b[k] / R mod p over `count` <= 17 pairs, with one reduction.
 * Carries are normalised every 3 products, so a column never holds more than 2 * 9 products
 * (plus a 29-bit limb) when the reduction starts.
 */
function emitDot(): string {
  return `(func $dot (export "dot") (param $out i32) (param $a i32) (param $aStride i32) (param $b i32) (param $bStride i32) (param $count i32)
  ${accumulatorLocals} ${operandLocals} (local $sinceCarry i32)
  (block $done (loop $next
    (br_if $done (i32.eqz (local.get $count)))
    ${emitProductAccumulate()}
    (local.set $sinceCarry (i32.add (local.get $sinceCarry) (i32.const 1)))
    (if (i32.eq (local.get $sinceCarry) (i32.const 3)) (then
      ${emitCarry(0, 2 * LIMBS - 1)}
      (local.set $sinceCarry (i32.const 0))))
    (local.set $a (i32.add (local.get $a) (local.get $aStride)))
    (local.set $b (i32.add (local.get $b) (local.get $bStride)))
    (local.set $count (i32.sub (local.get $count) (i32.const 1)))
    (br $next)))
  ${emitReduction()}
  ${emitStoreResult()})`;
}

/** out = a + b, brought back into [0, 2p) by one conditional subtraction of 2p. */
function emitAdd(): string {
  const out: string[] = [];
  for (let j = 0; j < LIMBS; j++) out.push(`(local.set $t${j} (i64.add ${load("$a", j)} ${load("$b", j)}))`);
  out.push(emitCarry(0, LIMBS - 1));
  for (let j = 0; j < LIMBS; j++) {
    const borrow = j === 0 ? "" : `(i64.shr_s (local.get $d${j - 1}) (i64.const 29))`;
    const diff = `(i64.sub (local.get $t${j}) ${i64(TWO_P[j]!)})`;
    out.push(`(local.set $d${j} ${j === 0 ? diff : `(i64.add ${diff} ${borrow})`})`);
  }
  // $d8 >= 0 means a + b >= 2p: keep the difference, whose lower limbs are masked back to 29 bits.
  out.push(`(local.set $keep (i64.ge_s (local.get $d${LIMBS - 1}) (i64.const 0)))`);
  for (let j = 0; j < LIMBS; j++) {
    const reduced = j === LIMBS - 1 ? `(local.get $d${j})` : `(i64.and (local.get $d${j}) ${i64(MASK)})`;
    out.push(`(i64.store offset=${j * 8} (local.get $out) (select ${reduced} (local.get $t${j}) (local.get $keep)))`);
  }
  const locals = Array.from({ length: LIMBS }, (_, j) => `(local $t${j} i64) (local $d${j} i64)`).join(" ");
  return `(func $add (export "add") (param $out i32) (param $a i32) (param $b i32) ${locals} (local $keep i32)
  ${out.join("\n")})`;
}

/** Reads 31 little-endian bytes at $in as a plain integer and stores it at $out in Montgomery form. */
function emitUnpack31(): string {
  const out: string[] = [];
  for (let j = 0; j < LIMBS; j++) {
    const bit = j * LIMB_BITS;
    // 248 bits: the top limb holds bits 232..247 only; wider loads read bytes past the 31 and are masked off.
    const mask = j === LIMBS - 1 ? (1n << 16n) - 1n : MASK;
    out.push(`(i64.store offset=${j * 8} (local.get $out) (i64.and (i64.shr_u (i64.load offset=${bit >> 3} (local.get $in)) (i64.const ${bit & 7})) ${i64(mask)}))`);
  }
  out.push(`(call $mul (local.get $out) (local.get $out) (i32.const ${LAYOUT.montgomeryRSquared}))`);
  return `(func $unpack31 (export "unpack31") (param $out i32) (param $in i32)
  ${out.join("\n")})`;
}

/**
 * The optimised Poseidon permutation (circomlib's poseidon.circom / circomlibjs poseidon_opt),
 * leaving state[0] of the output in place. Pointers: `c` round constants, `s` sparse matrices,
 * `mt` and `pt` the transposed MDS and pre-sparse matrices (row i = column i of M and P).
 */
function emitPermutation(): string {
  return `
(func $pow5 (param $x i32)
  (call $mul (i32.const ${LAYOUT.scratchA}) (local.get $x) (local.get $x))
  (call $mul (i32.const ${LAYOUT.scratchA}) (i32.const ${LAYOUT.scratchA}) (i32.const ${LAYOUT.scratchA}))
  (call $mul (local.get $x) (i32.const ${LAYOUT.scratchA}) (local.get $x)))

(func $fullRoundHead (param $st i32) (param $t i32) (param $c i32)
  (local $i i32)
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $i) (local.get $t)))
    (call $pow5 (local.get $st))
    (call $add (local.get $st) (local.get $st) (local.get $c))
    (local.set $st (i32.add (local.get $st) (i32.const ${ELEMENT_BYTES})))
    (local.set $c (i32.add (local.get $c) (i32.const ${ELEMENT_BYTES})))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $next))))

(func $matrix (param $st i32) (param $tmp i32) (param $t i32) (param $mt i32) (param $rows i32)
  (local $i i32) (local $row i32)
  (local.set $row (i32.mul (local.get $t) (i32.const ${ELEMENT_BYTES})))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $i) (local.get $rows)))
    (call $dot (i32.add (local.get $tmp) (i32.mul (local.get $i) (i32.const ${ELEMENT_BYTES})))
      (i32.add (local.get $mt) (i32.mul (local.get $i) (local.get $row))) (i32.const ${ELEMENT_BYTES})
      (local.get $st) (i32.const ${ELEMENT_BYTES}) (local.get $t))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $next)))
  (memory.copy (local.get $st) (local.get $tmp) (i32.mul (local.get $rows) (i32.const ${ELEMENT_BYTES}))))

(func $permute (export "permute") (param $st i32) (param $tmp i32) (param $t i32) (param $partialRounds i32)
  (param $c i32) (param $s i32) (param $mt i32) (param $pt i32)
  (local $r i32) (local $k i32) (local $row i32) (local $sRow i32)
  (local.set $row (i32.mul (local.get $t) (i32.const ${ELEMENT_BYTES})))
  (local.set $sRow (i32.sub (i32.add (local.get $row) (local.get $row)) (i32.const ${ELEMENT_BYTES})))
  (local.set $k (i32.const 0))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $k) (local.get $t)))
    (call $add (i32.add (local.get $st) (i32.mul (local.get $k) (i32.const ${ELEMENT_BYTES})))
      (i32.add (local.get $st) (i32.mul (local.get $k) (i32.const ${ELEMENT_BYTES})))
      (i32.add (local.get $c) (i32.mul (local.get $k) (i32.const ${ELEMENT_BYTES}))))
    (local.set $k (i32.add (local.get $k) (i32.const 1)))
    (br $next)))
  (local.set $c (i32.add (local.get $c) (local.get $row)))
  (local.set $r (i32.const 0))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $r) (i32.const 3)))
    (call $fullRoundHead (local.get $st) (local.get $t) (local.get $c))
    (call $matrix (local.get $st) (local.get $tmp) (local.get $t) (local.get $mt) (local.get $t))
    (local.set $c (i32.add (local.get $c) (local.get $row)))
    (local.set $r (i32.add (local.get $r) (i32.const 1)))
    (br $next)))
  (call $fullRoundHead (local.get $st) (local.get $t) (local.get $c))
  (call $matrix (local.get $st) (local.get $tmp) (local.get $t) (local.get $pt) (local.get $t))
  (local.set $c (i32.add (local.get $c) (local.get $row)))
  (local.set $r (i32.const 0))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $r) (local.get $partialRounds)))
    (call $pow5 (local.get $st))
    (call $add (local.get $st) (local.get $st) (local.get $c))
    (call $dot (i32.const ${LAYOUT.scratchB}) (local.get $s) (i32.const ${ELEMENT_BYTES}) (local.get $st) (i32.const ${ELEMENT_BYTES}) (local.get $t))
    (local.set $k (i32.const 1))
    (block $kDone (loop $kNext
      (br_if $kDone (i32.ge_u (local.get $k) (local.get $t)))
      (call $mul (i32.const ${LAYOUT.scratchA}) (local.get $st)
        (i32.add (local.get $s) (i32.mul (i32.add (local.get $t) (i32.sub (local.get $k) (i32.const 1))) (i32.const ${ELEMENT_BYTES}))))
      (call $add (i32.add (local.get $st) (i32.mul (local.get $k) (i32.const ${ELEMENT_BYTES})))
        (i32.add (local.get $st) (i32.mul (local.get $k) (i32.const ${ELEMENT_BYTES}))) (i32.const ${LAYOUT.scratchA}))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $kNext)))
    (memory.copy (local.get $st) (i32.const ${LAYOUT.scratchB}) (i32.const ${ELEMENT_BYTES}))
    (local.set $c (i32.add (local.get $c) (i32.const ${ELEMENT_BYTES})))
    (local.set $s (i32.add (local.get $s) (local.get $sRow)))
    (local.set $r (i32.add (local.get $r) (i32.const 1)))
    (br $next)))
  (local.set $r (i32.const 0))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $r) (i32.const 3)))
    (call $fullRoundHead (local.get $st) (local.get $t) (local.get $c))
    (call $matrix (local.get $st) (local.get $tmp) (local.get $t) (local.get $mt) (local.get $t))
    (local.set $c (i32.add (local.get $c) (local.get $row)))
    (local.set $r (i32.add (local.get $r) (i32.const 1)))
    (br $next)))
  (local.set $k (i32.const 0))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $k) (local.get $t)))
    (call $pow5 (i32.add (local.get $st) (i32.mul (local.get $k) (i32.const ${ELEMENT_BYTES}))))
    (local.set $k (i32.add (local.get $k) (i32.const 1)))
    (br $next)))
  ;; Only state[0] is the hash output, so the last matrix product computes a single row.
  (call $matrix (local.get $st) (local.get $tmp) (local.get $t) (local.get $mt) (i32.const 1)))`;
}

/** The complete WAT module: exported memory, `mul`, `add`, `dot`, `unpack31`, `permute`. */
export function poseidonWat(): string {
  return `(module
(memory (export "memory") 2)
${emitMul()}
${emitDot()}
${emitAdd()}
${emitUnpack31()}
${emitPermutation()}
)`;
}
