import mcl from "mcl-wasm";
import type { Fp2 as MclFp2, G1 as MclG1, G2 as MclG2, GT as MclGT } from "mcl-wasm";
import { FIELD_MODULUS } from "../commitments/field.ts";
import { VeritrainError } from "../errors.ts";

/**
 * BN254 (alt_bn128) as Ethereum's precompiles, circom and snarkjs use it: y² = x³ + 3 over Fp
 * (G1, prime order r, cofactor 1) and y² = x³ + 3/(9 + u) over Fp2 = Fp[u]/(u² + 1) (G2, the
 * order-r subgroup of the twist). Points are affine bigint coordinates; the point at infinity is
 * (0, 0), which is on neither curve, as in Ethereum's encoding. Group arithmetic runs in mcl-wasm
 * (curve BN_SNARK1), initialised once per process by {@link loadBn254}.
 */

/** The base field modulus p (coordinates). */
export const BASE_FIELD_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** The scalar field modulus r (group order, public inputs): circom's field. */
export const SCALAR_FIELD_MODULUS = FIELD_MODULUS;

/** An element c0 + c1·u of Fp2. */
export type Fp2 = { c0: bigint; c1: bigint };
/** A G1 point in affine coordinates; (0, 0) is the point at infinity. */
export type G1Affine = { x: bigint; y: bigint };
/** A G2 point in affine coordinates over Fp2; all-zero coordinates are the point at infinity. */
export type G2Affine = { x: Fp2; y: Fp2 };

/** Where a bad value came from, for the error thrown about it. */
export type PointSource = {
  /** Error code: `PROOF_MALFORMED` for proof points, `VERIFYING_KEY_INVALID` for key points. */
  code: string;
  /** The value's name, e.g. `pi_b` or `IC[2]`. */
  field: string;
};

/** The mcl-wasm module, initialised for BN_SNARK1 with the subgroup checks left to {@link toMclG2}. */
export type Bn254 = typeof mcl;

/**
 * The functions of mcl's C API (compiled into mcl-wasm's WebAssembly module, `mcl.mod`) used
 * where mcl-wasm's classes have no equivalent or cost more: a multi-pairing Miller loop, the
 * Miller loop over two precomputed G2 points, and the raw G2 and Fp2 arithmetic of the subgroup
 * check. Arguments are byte offsets into the module's heap.
 */
export type MclCApi = {
  HEAP32: Int32Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  _mclBn_millerLoopVec(out: number, g1s: number, g2s: number, count: number): void;
  _mclBn_getUint64NumToPrecompute(): number;
  _mclBn_precomputeG2(lines: number, point: number): void;
  _mclBn_precomputedMillerLoop2(out: number, left: number, leftLines: number, right: number, rightLines: number): void;
  _mclBnG2_dbl(out: number, point: number): void;
  _mclBnG2_add(out: number, left: number, right: number): void;
  _mclBnG2_isEqual(left: number, right: number): number;
  _mclBnFp_neg(out: number, value: number): void;
  _mclBnFp2_mul(out: number, left: number, right: number): void;
};

/** Byte sizes of mcl's values for BN_SNARK1 (6 × 64-bit limbs per Fp); points are Jacobian (X, Y, Z). */
const FP_BYTES = 48;
const FP2_BYTES = 2 * FP_BYTES;
/** Bytes of an mcl G1 point in memory (`copyToMem`). */
export const G1_BYTES = 3 * FP_BYTES;
/** Bytes of an mcl G2 point in memory. */
export const G2_BYTES = 3 * FP2_BYTES;
/** Bytes of an mcl GT (Fp12) value in memory. */
export const GT_BYTES = 12 * FP_BYTES;

/** The binary digits of the BN254 seed x = 4965661367192848881 (p and r are polynomials in x), most significant first. */
const SEED_BITS = 4965661367192848881n.toString(2);

/** The heap scratch of {@link isInG2}: ψ's two constants, then five G2 points. */
let psiScratch: number | undefined;

/**
 * The heap scratch of {@link precomputedMillerLoop2}: two G2 points' lines, two G1 points and the
 * result, with the line arrays last copied in (compared by identity).
 */
let linesScratch: { pointer: number; left?: Int32Array; right?: Int32Array } | undefined;

let loading: Promise<Bn254> | undefined;

/**
 * Initialises mcl-wasm for BN254 once per process (about 30 ms) and returns it. mcl keeps one
 * global curve: nothing else in the process may initialise it for another curve.
 *
 * @example
 * const bn254 = await loadBn254();
 */
export function loadBn254(): Promise<Bn254> {
  loading ??= mcl.init(mcl.BN_SNARK1).then(() => {
    // Order checks run explicitly (toMclG2) so a rejection can say which rule failed.
    mcl.verifyOrderG1(false);
    mcl.verifyOrderG2(false);
    psiScratch = allocatePsiScratch(mcl);
    return mcl;
  });
  return loading;
}

/** The C API of the module behind `bn254` (its heap and the functions in {@link MclCApi}). */
export function mclCApi(bn254: Bn254): MclCApi {
  return (bn254 as unknown as { mod: MclCApi }).mod;
}

/**
 * Allocates, once per process, the scratch of {@link isInG2}: the constants of the endomorphism
 * ψ(x, y) = (x̄·ξ^((p−1)/3), ȳ·ξ^((p−1)/2)) with ξ = 9 + u (untwist, Frobenius, twist; x̄ is the
 * conjugate), followed by room for five G2 points.
 */
function allocatePsiScratch(bn254: Bn254): number {
  const xi = new bn254.Fp2();
  xi.setInt(9, 1);
  const power = (exponent: bigint): MclFp2 => {
    let result = new bn254.Fp2();
    result.setInt(1, 0);
    for (let bit = exponent.toString(2).length - 1; bit >= 0; bit--) {
      result = bn254.sqr(result);
      if ((exponent >> BigInt(bit)) & 1n) result = bn254.mul(result, xi);
    }
    return result;
  };
  const scratch = mclCApi(bn254)._malloc(2 * FP2_BYTES + 5 * G2_BYTES);
  power((BASE_FIELD_MODULUS - 1n) / 3n).copyToMem(scratch);
  power((BASE_FIELD_MODULUS - 1n) / 2n).copyToMem(scratch + FP2_BYTES);
  return scratch;
}

/** Applies ψ in place to the Jacobian G2 point at `point`: conjugate X, Y and Z, scale X and Y. */
function psiInPlace(api: MclCApi, point: number, constants: number): void {
  for (let coordinate = 0; coordinate < 3; coordinate++) {
    const imaginary = point + coordinate * FP2_BYTES + FP_BYTES;
    api._mclBnFp_neg(imaginary, imaginary);
  }
  api._mclBnFp2_mul(point, point, constants);
  api._mclBnFp2_mul(point + FP2_BYTES, point + FP2_BYTES, constants + FP2_BYTES);
}

/**
 * True when a point of the BN254 twist lies in the order-r subgroup G2, by the test of Dai, Lin,
 * Zhao and Zhou (ePrint 2022/348, valid for BN254 since x ≢ 4 mod 13 and x ≢ 92 mod 97):
 * [x+1]Q + ψ([x]Q) + ψ²([x]Q) = ψ³([2x]Q). One 63-bit multiplication by the seed instead of
 * mcl's `isValidOrder` (a multiplication by the 254-bit r), computed by plain double-and-add on
 * mcl's raw point arithmetic: a GLV multiplication would itself assume ψ acts on Q as on G2.
 */
export function isInG2(bn254: Bn254, point: MclG2): boolean {
  const api = mclCApi(bn254);
  const constants = psiScratch!;
  const [q, times, sum, image, doubled] = Array.from({ length: 5 }, (_, i) => constants + 2 * FP2_BYTES + i * G2_BYTES) as [number, number, number, number, number];
  point.copyToMem(q);
  point.copyToMem(times);
  for (const bit of SEED_BITS.slice(1)) {
    api._mclBnG2_dbl(times, times);
    if (bit === "1") api._mclBnG2_add(times, times, q);
  }
  api._mclBnG2_add(sum, times, q);
  api.HEAP32.copyWithin(image / 4, times / 4, (times + G2_BYTES) / 4);
  psiInPlace(api, image, constants);
  api._mclBnG2_add(sum, sum, image);
  psiInPlace(api, image, constants);
  api._mclBnG2_add(sum, sum, image);
  api._mclBnG2_dbl(doubled, times);
  for (let i = 0; i < 3; i++) psiInPlace(api, doubled, constants);
  return api._mclBnG2_isEqual(sum, doubled) === 1;
}

/**
 * Π e'(g1s[i], g2s[i]) before the final exponentiation: one Miller loop over all the pairs, the
 * squarings shared (mcl's `millerLoopVec`, which mcl-wasm does not wrap).
 */
export function multiMillerLoop(bn254: Bn254, g1s: readonly MclG1[], g2s: readonly MclG2[]): MclGT {
  const api = mclCApi(bn254);
  const count = g1s.length;
  const result = new bn254.GT();
  const heap = api._malloc(count * (G1_BYTES + G2_BYTES) + GT_BYTES);
  try {
    g1s.forEach((point, i) => point.copyToMem(heap + i * G1_BYTES));
    g2s.forEach((point, i) => point.copyToMem(heap + count * G1_BYTES + i * G2_BYTES));
    const out = heap + count * (G1_BYTES + G2_BYTES);
    api._mclBn_millerLoopVec(out, heap, heap + count * G1_BYTES, count);
    result.copyFromMem(out);
  } finally {
    api._free(heap);
  }
  return result;
}

/**
 * e'(P, Q) before the final exponentiation, or undefined when Q is outside G2 (checked first, by
 * {@link isInG2}). The part of a Groth16 verification that depends on the proof's B alone.
 *
 * @example
 * const miller = millerLoopInG2(bn254, bn254.neg(a), b); // undefined: b is not in G2
 */
export function millerLoopInG2(bn254: Bn254, p: MclG1, q: MclG2): MclGT | undefined {
  return isInG2(bn254, q) ? bn254.millerLoop(p, q) : undefined;
}

/**
 * mcl's line coefficients of a fixed G2 point (the doubling and addition steps of its Miller
 * loop, about 25 KB), for {@link precomputedMillerLoop2}. The point must be in G2.
 *
 * @example
 * const gammaLines = precomputeLines(bn254, gamma);
 */
export function precomputeLines(bn254: Bn254, point: MclG2): Int32Array {
  const api = mclCApi(bn254);
  const bytes = 8 * api._mclBn_getUint64NumToPrecompute();
  const heap = api._malloc(bytes + G2_BYTES);
  try {
    point.copyToMem(heap + bytes);
    api._mclBn_precomputeG2(heap, heap + bytes);
    return api.HEAP32.slice(heap / 4, (heap + bytes) / 4);
  } finally {
    api._free(heap);
  }
}

/**
 * e'(left, Q₁)·e'(right, Q₂) before the final exponentiation, the G2 points given by their
 * {@link precomputeLines}: one loop whose line coefficients are only evaluated at the G1 points,
 * about 20 % less work than the plain loop over the two pairs. Neither G1 point may be the point
 * at infinity: mcl's loop over precomputed lines does not check for it and would read its
 * coordinates as a point's.
 *
 * @example
 * const keyPairs = precomputedMillerLoop2(bn254, vkX, gammaLines, c, deltaLines);
 */
export function precomputedMillerLoop2(bn254: Bn254, left: MclG1, leftLines: Int32Array, right: MclG1, rightLines: Int32Array): MclGT {
  const api = mclCApi(bn254);
  const linesBytes = leftLines.byteLength;
  linesScratch ??= { pointer: api._malloc(2 * linesBytes + 2 * G1_BYTES + GT_BYTES) };
  const { pointer } = linesScratch;
  const points = pointer + 2 * linesBytes;
  const out = points + 2 * G1_BYTES;
  // The 50 KB of lines are copied only when they change: a process mostly verifies against one key.
  if (linesScratch.left !== leftLines) {
    api.HEAP32.set(leftLines, pointer / 4);
    linesScratch.left = leftLines;
  }
  if (linesScratch.right !== rightLines) {
    api.HEAP32.set(rightLines, (pointer + linesBytes) / 4);
    linesScratch.right = rightLines;
  }
  left.copyToMem(points);
  right.copyToMem(points + G1_BYTES);
  api._mclBn_precomputedMillerLoop2(out, points, pointer, points + G1_BYTES, pointer + linesBytes);
  const result = new bn254.GT();
  result.copyFromMem(out);
  return result;
}

/** The error for a point or coordinate that breaks a rule. */
export function pointError({ code, field }: PointSource, reason: string, value?: unknown): VeritrainError {
  return new VeritrainError(`${field} ${reason}`, {
    code,
    details: { field, reason, ...(value === undefined ? {} : { value: String(value) }) },
  });
}

/** Throws unless `value` is a bigint in [0, p). */
export function assertCoordinate(value: unknown, source: PointSource): asserts value is bigint {
  if (typeof value !== "bigint" || value < 0n || value >= BASE_FIELD_MODULUS) {
    throw pointError(source, "must have coordinates in [0, p)", value);
  }
}

/** True when `value` > (p − 1) / 2: the larger of {value, −value} (gnark-crypto's order on Fp). */
export function fpIsLexicographicallyLargest(value: bigint): boolean {
  return value > (BASE_FIELD_MODULUS - 1n) / 2n;
}

/** gnark-crypto's order on Fp2: decided by c1, or by c0 when c1 = 0. */
export function fp2IsLexicographicallyLargest({ c0, c1 }: Fp2): boolean {
  return fpIsLexicographicallyLargest(c1 === 0n ? c0 : c1);
}

/** −value mod p for value in [0, p). */
export function fpNegate(value: bigint): bigint {
  return value === 0n ? 0n : BASE_FIELD_MODULUS - value;
}

/**
 * The mcl point of a G1 point, after checking its coordinates are in [0, p) and it is on the
 * curve (G1 has cofactor 1: on the curve means in the group).
 */
export function toMclG1(bn254: Bn254, point: G1Affine, source: PointSource): MclG1 {
  if (typeof point !== "object" || point === null) throw pointError(source, "must be a point { x, y }", point);
  assertCoordinate(point.x, source);
  assertCoordinate(point.y, source);
  const result = new bn254.G1();
  if (point.x === 0n && point.y === 0n) return result;
  try {
    result.setStr(`1 ${point.x} ${point.y}`, 10);
  } catch {
    throw pointError(source, "is not on the BN254 curve y² = x³ + 3", `(${point.x}, ${point.y})`);
  }
  return result;
}

/**
 * The mcl point of a point of the twist, after checking its coordinates are in [0, p) and it is
 * on the twist, but not that it is in G2: {@link toMclG2} adds that check, and a caller that
 * runs it elsewhere (another thread) throws {@link outsideG2Error} when it fails.
 */
export function toMclTwistPoint(bn254: Bn254, point: G2Affine, source: PointSource): MclG2 {
  if (typeof point?.x !== "object" || typeof point.y !== "object" || point.x === null || point.y === null) {
    throw pointError(source, "must be a point { x: { c0, c1 }, y: { c0, c1 } }", JSON.stringify(point, (_, v) => (typeof v === "bigint" ? `${v}` : v)));
  }
  const { x, y } = point;
  for (const value of [x.c0, x.c1, y.c0, y.c1]) assertCoordinate(value, source);
  const result = new bn254.G2();
  if (x.c0 === 0n && x.c1 === 0n && y.c0 === 0n && y.c1 === 0n) return result;
  try {
    result.setStr(`1 ${x.c0} ${x.c1} ${y.c0} ${y.c1}`, 10);
  } catch {
    throw pointError(source, "is not on the BN254 twist y² = x³ + 3/(9 + u)", `((${x.c0}, ${x.c1}), (${y.c0}, ${y.c1}))`);
  }
  return result;
}

/** The error for a point of the twist outside the order-r subgroup G2. */
export function outsideG2Error(source: PointSource, { x, y }: G2Affine): VeritrainError {
  return pointError(source, "is on the twist but not in the order-r subgroup G2", `((${x.c0}, ${x.c1}), (${y.c0}, ${y.c1}))`);
}

/**
 * The mcl point of a G2 point, after checking its coordinates are in [0, p), it is on the twist
 * and in the order-r subgroup (the twist has other points; pairings with them are unsound).
 */
export function toMclG2(bn254: Bn254, point: G2Affine, source: PointSource): MclG2 {
  const result = toMclTwistPoint(bn254, point, source);
  if (!isInG2(bn254, result)) throw outsideG2Error(source, point);
  return result;
}
