import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { VeritrainError } from "../../errors.ts";
import { uint32le } from "./bytes.ts";
import type { SecAggConfig } from "./secAggConfig.ts";
import type { EdwardsPoint } from "./verifiableShares.ts";

/** HKDF-SHA256 `info` prefixes, one per use of an X25519 agreement (docs/secure-aggregation.md, "Keys"). */
export const KDF_LABEL = {
  /** s_uv, the ChaCha20 key of the pairwise mask between u and v. */
  pairwiseMask: "veritrain/secagg/v1/pairwise-mask",
  /** The XChaCha20-Poly1305 key of the share envelopes between u and v. */
  shareEncryption: "veritrain/secagg/v1/share-encryption",
} as const;

/** Parameters of {@link agreedKey}. */
export type AgreedKeyParameters = {
  config: SecAggConfig;
  purpose: keyof typeof KDF_LABEL;
  /** This side's 32-byte X25519 secret key. */
  secretKey: Uint8Array;
  /** The other side's 32-byte X25519 public key. */
  publicKey: Uint8Array;
  /** The two participant ids, in either order: the key is the same for (u, v) and (v, u). */
  between: readonly [number, number];
};

/**
 * The 32-byte key u and v agree on for one purpose:
 * HKDF-SHA256(ikm = X25519(sk_u, pk_v), salt = roundSeed, info = label ‖ uint32le(min(u,v)) ‖ uint32le(max(u,v))).
 *
 * @throws VeritrainError `SECAGG_KEY_INVALID` when X25519 refuses the public key (a low-order point gives an all-zero secret).
 * @example
 * agreedKey({ config, purpose: "pairwiseMask", secretKey: skU, publicKey: pkV, between: [u, v] });
 */
export function agreedKey({ config, purpose, secretKey, publicKey, between: [u, v] }: AgreedKeyParameters): Uint8Array {
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(secretKey, publicKey);
  } catch (cause) {
    throw new VeritrainError(`X25519 refused the public key agreed between ${u} and ${v}: it must be a valid point of prime order`, {
      code: "SECAGG_KEY_INVALID",
      details: { between: [u, v], purpose },
      cause,
    });
  }
  return derivedKey(config, purpose, shared, [u, v]);
}

/** HKDF-SHA256 of an X25519 shared secret: salt = roundSeed, info = label ‖ uint32le(min(u,v)) ‖ uint32le(max(u,v)). */
function derivedKey(config: SecAggConfig, purpose: keyof typeof KDF_LABEL, shared: Uint8Array, [u, v]: readonly [number, number]): Uint8Array {
  const info = concatBytes(utf8ToBytes(KDF_LABEL[purpose]), uint32le(Math.min(u, v)), uint32le(Math.max(u, v)));
  return hkdf(sha256, shared, config.roundSeed, info, 32);
}

/** Parameters of {@link agreedKeyOfScalar}. */
export type ScalarAgreementParameters = Omit<AgreedKeyParameters, "secretKey" | "publicKey"> & {
  /** This side's secret as a scalar mod L (a rebuilt sk^mask: its X25519 scalar mod L), not 0. */
  scalar: bigint;
  /** The other side's public key as its edwards25519 point of prime order (the A of its possession proof). */
  point: EdwardsPoint;
};

/**
 * The key {@link agreedKey} gives, from this side's secret as a scalar mod L and the other's key as its edwards25519
 * point: the X25519 shared secret is the Montgomery u of scalar·point (the point is of prime order L, so the clamped
 * scalar and its residue mod L give the same point). How anyone removes the masks of a participant whose sk^mask was
 * rebuilt from shares (docs/secure-aggregation.md §7).
 *
 * @example
 * agreedKeyOfScalar({ config, purpose: "pairwiseMask", scalar: a, point: maskPointOfV, between: [u, v] });
 */
export function agreedKeyOfScalar({ config, purpose, scalar, point, between }: ScalarAgreementParameters): Uint8Array {
  return agreedKeyOfPoint(config, purpose, point.multiply(scalar), between);
}

/**
 * The key {@link agreedKey} gives, from the agreed point itself (sk_u's scalar times v's point, as a shared-point
 * reveal proves it, `verifySharedPoint`): HKDF over its Montgomery u.
 *
 * @example
 * agreedKeyOfPoint(config, "shareEncryption", verifySharedPoint(context, own, theirs, reveal), [2, 5]);
 */
export function agreedKeyOfPoint(config: SecAggConfig, purpose: keyof typeof KDF_LABEL, shared: EdwardsPoint, between: readonly [number, number]): Uint8Array {
  return derivedKey(config, purpose, ed25519.utils.toMontgomery(shared.toBytes()), between);
}
