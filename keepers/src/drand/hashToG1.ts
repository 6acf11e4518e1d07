import { concat, keccak256, numberToHex, size, slice, stringToHex, type Hex } from "viem";
import { BASE_FIELD_MODULUS as P, type G1Affine } from "../proofs/bn254.ts";

/** SVDW constants for y² = x³ + 3, Z = 1 (RFC 9380 §6.6.1), as contracts/libraries/BlsBn254.sol has them. */
const C1 = 4n;
const C2 = 0x183227397098d014dc2822db40c0ac2ecbc0b548b438e5469e10460b6c3e7ea3n;
const C3 = 0x16789af3a83522eb353c98fc6b36d713d5d8d1cc5dffffffan;
const C4 = 0x10216f7ba065e00de81ac1e7808072c9dd2b2385cd7b438469602eb24829a9bdn;

const mod = (a: bigint) => ((a % P) + P) % P;

function pow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

/** A square root of `a` (p ≡ 3 mod 4), or undefined when `a` is not a square. */
function sqrt(a: bigint): bigint | undefined {
  const root = pow(a, (P + 1n) / 4n);
  return (root * root) % P === mod(a) ? root : undefined;
}

const g = (x: bigint) => mod(x * x * x + 3n);

/** RFC 9380 `expand_message_xmd` with keccak256 (b_in_bytes 32, s_in_bytes 136). */
function expandMessageXmd(message: Hex, dst: Hex, length: number): Hex {
  const dstPrime = concat([dst, numberToHex(size(dst), { size: 1 })]);
  const b0 = keccak256(concat([numberToHex(0, { size: 136 }), message, numberToHex(length, { size: 2 }), "0x00", dstPrime]));
  const blocks: Hex[] = [keccak256(concat([b0, "0x01", dstPrime]))];
  for (let i = 2; i <= Math.ceil(length / 32); i++) {
    const previous = blocks[blocks.length - 1]!;
    blocks.push(keccak256(concat([numberToHex(BigInt(b0) ^ BigInt(previous), { size: 32 }), numberToHex(i, { size: 1 }), dstPrime])));
  }
  return slice(concat(blocks), 0, length);
}

/** RFC 9380 `map_to_curve_svdw` for BN254 G1. */
function mapToG1(u: bigint): G1Affine {
  let tv1 = mod(u * u * C1);
  const tv2 = mod(1n + tv1);
  tv1 = mod(1n - tv1);
  const tv3 = pow(mod(tv1 * tv2), P - 2n);
  const tv4 = mod(u * tv1 * tv3 * C3);
  let x = mod(C2 - tv4);
  let y = sqrt(g(x));
  if (y === undefined) {
    x = mod(C2 + tv4);
    y = sqrt(g(x));
  }
  if (y === undefined) {
    const t = mod(tv2 * tv2 * tv3);
    x = mod(t * t * C4 + 1n);
    y = sqrt(g(x))!;
  }
  if ((u & 1n) !== (y & 1n)) y = mod(-y);
  return { x, y };
}

/** The sum of two affine G1 points ((0, 0) is infinity). */
function add(a: G1Affine, b: G1Affine): G1Affine {
  if (a.x === 0n && a.y === 0n) return b;
  if (b.x === 0n && b.y === 0n) return a;
  let lambda: bigint;
  if (a.x === b.x) {
    if (mod(a.y + b.y) === 0n) return { x: 0n, y: 0n };
    lambda = mod(3n * a.x * a.x * pow(2n * a.y, P - 2n));
  } else {
    lambda = mod((b.y - a.y) * pow(b.x - a.x, P - 2n));
  }
  const x = mod(lambda * lambda - a.x - b.x);
  return { x, y: mod(lambda * (a.x - x) - a.y) };
}

/**
 * RFC 9380 `hash_to_curve` onto BN254 G1 as drand's `bls-bn254-unchained-on-g1` scheme uses it:
 * `expand_message_xmd` with keccak256, two 48-byte field elements, the SVDW map (Z = 1), then their sum.
 * The same function as `BlsBn254.hashToPoint` on chain (plain bigint arithmetic; a few ms).
 *
 * @example
 * const h = hashToG1(keccak256(numberToHex(round, { size: 8 })), "BLS_SIG_BN254G1_XMD:KECCAK-256_SVDW_RO_NUL_");
 */
export function hashToG1(message: Hex, dst: string): G1Affine {
  const uniform = expandMessageXmd(message, stringToHex(dst), 96);
  const u0 = mod(BigInt(slice(uniform, 0, 48)));
  const u1 = mod(BigInt(slice(uniform, 48, 96)));
  return add(mapToG1(u0), mapToG1(u1));
}
