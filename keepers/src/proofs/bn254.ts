import mcl from "mcl-wasm";
import type { G1 as MclG1, G2 as MclG2 } from "mcl-wasm";
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
    return mcl;
  });
  return loading;
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
 * The mcl point of a G2 point, after checking its coordinates are in [0, p), it is on the twist
 * and in the order-r subgroup (the twist has other points; pairings with them are unsound).
 */
export function toMclG2(bn254: Bn254, point: G2Affine, source: PointSource): MclG2 {
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
  if (!result.isValidOrder()) {
    throw pointError(source, "is on the twist but not in the order-r subgroup G2", `((${x.c0}, ${x.c1}), (${y.c0}, ${y.c1}))`);
  }
  return result;
}
