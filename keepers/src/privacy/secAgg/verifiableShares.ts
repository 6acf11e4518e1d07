import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToNumberLE, numberToBytesLE } from "@noble/curves/utils.js";
import type { ShareCommitments } from "./messages.ts";

const Point = ed25519.Point;
const { Fn } = Point;

/** A point of edwards25519 (`@noble/curves`). */
export type EdwardsPoint = typeof Point.BASE;

/** A share: f(x) mod L, 32 bytes little-endian; its x is the holder's id + 1, not sent. */
export const SHARE_BYTES = 32;
/** An encoded point: a commitment to one coefficient. */
export const COMMITMENT_BYTES = 32;

/** A scalar mod L as 32 bytes little-endian: a share, or a rebuilt secret. */
export const scalarBytes = (scalar: bigint): Uint8Array => numberToBytesLE(scalar, 32);

/** A scalar mod L drawn from 64 random bytes (its bias from uniform below 2^−250). */
export const randomScalar = (random: (bytes: number) => Uint8Array): bigint => Fn.create(bytesToNumberLE(random(64)));

/** A holder's x-coordinate: its id + 1 (0 is the secret's). */
const xOf = (holder: number): bigint => BigInt(holder) + 1n;

/**
 * Feldman's verifiable secret sharing over edwards25519 (docs/secure-aggregation.md §3, "Secret sharing"): `secret`
 * (mod L) split t-of-m for `holders` (ids) with f(x) = secret + c_1·x + … + c_{t−1}·x^{t−1} mod L, each c_j a
 * random scalar; holder h's share is f(h + 1), and the commitments C_j = c_j·B (C_0 = secret·B) are public. Any t
 * shares rebuild the secret ({@link combineShares}); t − 1 reveal nothing of it; and each share is checked against
 * the commitments alone ({@link shareMatches}), so a dealer cannot hand out shares of no one polynomial unseen.
 *
 * @example
 * const { commitments, shares } = dealShares(secret, [0, 2, 5, 7], 3, randomBytes); // 3 points, 4 shares of 32 bytes
 */
export function dealShares(secret: bigint, holders: readonly number[], threshold: number, random: (bytes: number) => Uint8Array): { commitments: EdwardsPoint[]; shares: Map<number, Uint8Array> } {
  const coefficients = [Fn.create(secret), ...Array.from({ length: threshold - 1 }, () => randomScalar(random))];
  const shares = new Map(holders.map((holder) => {
    const x = xOf(holder);
    const y = coefficients.reduceRight((sum, coefficient) => Fn.add(Fn.mul(sum, x), coefficient), 0n);
    return [holder, scalarBytes(y)] as const;
  }));
  return { commitments: coefficients.map((c) => (c === 0n ? Point.ZERO : Point.BASE.multiply(c))), shares };
}

/**
 * Whether `share` is holder `holder`'s share of the polynomial `commitments` commit to: 32 bytes, below L, and
 * share·B = Σ_j C_j·(holder + 1)^j (evaluated by Horner's rule on the points).
 *
 * @example
 * shareMatches(commitments, 5, shares.get(5)!); // true
 */
export function shareMatches(commitments: readonly EdwardsPoint[], holder: number, share: Uint8Array): boolean {
  if (share.length !== SHARE_BYTES) return false;
  const y = bytesToNumberLE(share);
  if (y >= Fn.ORDER) return false;
  const x = xOf(holder);
  const expected = commitments.reduceRight((sum, commitment) => sum.multiplyUnsafe(x).add(commitment), Point.ZERO);
  return (y === 0n ? Point.ZERO : Point.BASE.multiply(y)).equals(expected);
}

/**
 * The secret f(0) from shares of distinct holders (Lagrange interpolation at 0 over the scalars mod L). Given t
 * shares that {@link shareMatches} took, it is the dealt secret.
 *
 * @example
 * combineShares([{ holder: 0, share: a }, { holder: 2, share: b }, { holder: 5, share: c }]); // secret mod L
 */
export function combineShares(shares: readonly { holder: number; share: Uint8Array }[]): bigint {
  const xs = shares.map(({ holder }) => xOf(holder));
  return shares.reduce((secret, { share }, i) => {
    const weight = xs.reduce((w, xj, j) => (j === i ? w : Fn.mul(w, Fn.div(xj, Fn.sub(xj, xs[i]!)))), 1n);
    return Fn.add(secret, Fn.mul(bytesToNumberLE(share), weight));
  }, 0n);
}

/** A participant's two sharings' commitments as points, each polynomial's whole: sk^mask's C_0 is its key's possession point. */
export type SharingCommitments = { selfMask: EdwardsPoint[]; maskKey: EdwardsPoint[] };

/**
 * The points of a participant's {@link ShareCommitments} for threshold t, sk^mask's led by `maskPoint` (the A of its
 * key's possession proof), or undefined unless there are t of b's and t − 1 of sk^mask's, each the canonical encoding
 * of a point of the prime-order subgroup (the identity allowed: a zero coefficient).
 *
 * @example
 * const points = sharingCommitments(message.commitments, possessionPoint(entry.maskKeyProof), config.threshold);
 */
export function sharingCommitments({ selfMask, maskKey }: ShareCommitments, maskPoint: EdwardsPoint, threshold: number): SharingCommitments | undefined {
  if (selfMask.length !== threshold || maskKey.length !== threshold - 1) return undefined;
  try {
    const [b, sk] = [selfMask, maskKey].map((list) => list.map((bytes) => Point.fromBytes(bytes))) as [EdwardsPoint[], EdwardsPoint[]];
    return [...b, ...sk].every((point) => point.isTorsionFree()) ? { selfMask: b, maskKey: [maskPoint, ...sk] } : undefined;
  } catch {
    return undefined;
  }
}
