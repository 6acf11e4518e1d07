import { ed25519 } from "@noble/curves/ed25519.js";
import { equalBytes } from "@noble/curves/utils.js";
import { bytesToNumberLE, numberToBytesLE } from "@noble/curves/utils.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { VeritrainError } from "../../errors.ts";
import { uint32le } from "./bytes.ts";
import { KDF_LABEL } from "./keyAgreement.ts";
import type { PublicKeyEntry } from "./messages.ts";
import type { SecAggConfig } from "./secAggConfig.ts";
import type { EdwardsPoint } from "./verifiableShares.ts";

const Point = ed25519.Point;
const { Fn } = Point;

const CHALLENGE_LABEL = utf8ToBytes("veritrain/secagg/v1/key-possession");
const NONCE_LABEL = utf8ToBytes("veritrain/secagg/v1/key-possession-nonce");
const SHARED_POINT_LABEL = utf8ToBytes("veritrain/secagg/v1/shared-point");
const SHARED_POINT_NONCE_LABEL = utf8ToBytes("veritrain/secagg/v1/shared-point-nonce");

/** A proof's bytes: the Edwards point A (32), the commitment R (32), the response z (32, little-endian, < L). */
export const POSSESSION_PROOF_BYTES = 96;

/** What a key-possession proof is bound to: the round, the participant that advertises the key, and the key's use. */
export type PossessionContext = { config: SecAggConfig; id: number; purpose: keyof typeof KDF_LABEL };

/** RFC 7748's decodeScalar25519: the X25519 scalar of a 32-byte secret key (bits 0–2 and 255 cleared, bit 254 set). */
export function x25519Scalar(secretKey: Uint8Array): bigint {
  const clamped = Uint8Array.from(secretKey);
  clamped[0]! &= 248;
  clamped[31]! &= 127;
  clamped[31]! |= 64;
  return bytesToNumberLE(clamped);
}

/** SHA-512 of the parts, read little-endian mod L (as Ed25519 reduces its hashes). */
function hashToScalar(...parts: Uint8Array[]): bigint {
  return Fn.create(bytesToNumberLE(sha512(concatBytes(...parts))));
}

/** The bytes every challenge of this context starts with: label ‖ roundSeed ‖ uint32le(id) ‖ the key's KDF label ‖ pk. */
function statement({ config, id, purpose }: PossessionContext, publicKey: Uint8Array): Uint8Array {
  return concatBytes(CHALLENGE_LABEL, config.roundSeed, uint32le(id), utf8ToBytes(KDF_LABEL[purpose]), publicKey);
}

/**
 * A Schnorr proof of knowledge of the X25519 secret key behind `publicKey` (docs/secure-aggregation.md, "Keys"), made
 * non-interactive by Fiat–Shamir and bound to the round, the participant and the key's use, so that it cannot be
 * replayed for another participant, round or key. With a = the clamped scalar of the secret key:
 * A = a·B on edwards25519 (its Montgomery u is the X25519 public key), r = SHA-512(nonce label ‖ secret key ‖
 * statement) mod L, R = r·B, c = SHA-512(statement ‖ A ‖ R) mod L, z = r + c·a mod L.
 *
 * @example
 * const proof = proveKeyPossession({ config, id: 3, purpose: "pairwiseMask" }, maskSecretKey, maskPublicKey); // 96 bytes
 */
export function proveKeyPossession(context: PossessionContext, secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  const a = Fn.create(x25519Scalar(secretKey));
  const A = Point.BASE.multiply(a).toBytes();
  const prefix = statement(context, publicKey);
  const r = hashToScalar(NONCE_LABEL, secretKey, prefix);
  const R = Point.BASE.multiply(r).toBytes();
  const c = hashToScalar(prefix, A, R);
  return concatBytes(A, R, numberToBytesLE(Fn.add(r, Fn.mul(c, a)), 32));
}

/**
 * Checks a {@link proveKeyPossession} proof: A and R decode as points of edwards25519 (canonical encodings), A is of
 * prime order and its Montgomery u is `publicKey`, z < L, and z·B = R + c·A.
 *
 * @throws VeritrainError `SECAGG_KEY_INVALID` naming the participant and the key, when the proof does not hold.
 * @example
 * verifyKeyPossession({ config, id: 3, purpose: "pairwiseMask" }, maskPublicKey, proof);
 */
export function verifyKeyPossession(context: PossessionContext, publicKey: Uint8Array, proof: Uint8Array): void {
  const refuse = (why: string) =>
    new VeritrainError(`participant ${context.id}'s ${context.purpose} public key comes with no valid proof that it holds the secret key (${why}): exclude it from the round`, {
      code: "SECAGG_KEY_INVALID",
      details: { id: context.id, purpose: context.purpose, why },
    });
  if (proof.length !== POSSESSION_PROOF_BYTES) throw refuse(`the proof has ${proof.length} bytes, not ${POSSESSION_PROOF_BYTES}`);
  const [aBytes, rBytes, zBytes] = [proof.subarray(0, 32), proof.subarray(32, 64), proof.subarray(64, 96)];
  let A, R;
  try {
    A = Point.fromBytes(aBytes);
    R = Point.fromBytes(rBytes);
  } catch {
    throw refuse("a point does not decode");
  }
  if (A.isSmallOrder() || !A.isTorsionFree()) throw refuse("A is not a point of prime order");
  const montgomery = ed25519.utils.toMontgomery(aBytes);
  if (!equalBytes(montgomery, publicKey)) throw refuse("A is not the public key's point");
  const z = bytesToNumberLE(zBytes);
  if (z >= Fn.ORDER) throw refuse("z is not below the group order");
  const c = hashToScalar(statement(context, publicKey), aBytes, rBytes);
  if (!Point.BASE.multiplyUnsafe(z).equals(R.add(A.multiplyUnsafe(c)))) throw refuse("z·B ≠ R + c·A");
}

/**
 * Checks both possession proofs of a participant's advertised keys (pk^mask and pk^enc): what the server checks of each
 * `publicKeys` message and every participant of each entry of its roster.
 *
 * @throws VeritrainError `SECAGG_KEY_INVALID` naming the participant and the key.
 */
export function verifyAdvertisedKeys(config: SecAggConfig, entry: PublicKeyEntry): void {
  verifyKeyPossession({ config, id: entry.id, purpose: "pairwiseMask" }, entry.maskPublicKey, entry.maskKeyProof);
  verifyKeyPossession({ config, id: entry.id, purpose: "shareEncryption" }, entry.encryptionPublicKey, entry.encryptionKeyProof);
}

/**
 * The edwards25519 point A of a possession proof that {@link verifyKeyPossession} took: the advertised X25519 key as a
 * point of prime order (its secret key's scalar mod L times B), the commitment to the constant term of the key's
 * shares (docs/secure-aggregation.md §3).
 *
 * @example
 * const maskPoint = possessionPoint(entry.maskKeyProof);
 */
export const possessionPoint = (proof: Uint8Array): EdwardsPoint => Point.fromBytes(proof.subarray(0, 32));

/** A shared-point proof's bytes: the commitments R_1 = r·B and R_2 = r·P (32 each), the response z (32, little-endian, < L). */
export const SHARED_POINT_PROOF_BYTES = 96;

/** What a shared-point proof is bound to: the round, the prover and the other side, and the keys' use. */
export type SharedPointContext = { config: SecAggConfig; prover: number; other: number; purpose: keyof typeof KDF_LABEL };

/** The agreed point of two participants' keys (32 bytes), revealed by one of them with the proof that it is the agreed one (96 bytes). */
export type SharedPointReveal = { point: Uint8Array; proof: Uint8Array };

/** label ‖ roundSeed ‖ uint32le(prover) ‖ uint32le(other) ‖ the keys' KDF label ‖ A (the prover's point) ‖ P (the other's). */
function sharedPointStatement({ config, prover, other, purpose }: SharedPointContext, own: EdwardsPoint, theirs: EdwardsPoint): Uint8Array {
  return concatBytes(SHARED_POINT_LABEL, config.roundSeed, uint32le(prover), uint32le(other), utf8ToBytes(KDF_LABEL[purpose]), own.toBytes(), theirs.toBytes());
}

/**
 * Reveals the point the prover's key agrees on with the other side's, S = a·P (a = the clamped scalar of the prover's
 * secret key mod L, P = the other's key as its possession point), whose Montgomery u is their X25519 shared secret, with
 * a Chaum–Pedersen proof that log_B(A) = log_P(S) for the prover's possession point A (docs/secure-aggregation.md §3,
 * "Shared points"): r = SHA-512(nonce label ‖ sk ‖ statement) mod L, R_1 = r·B, R_2 = r·P,
 * c = SHA-512(statement ‖ S ‖ R_1 ‖ R_2) mod L, z = r + c·a mod L. How a recipient proves what key an envelope was
 * sealed under (a complaint).
 *
 * @example
 * const { point, proof } = proveSharedPoint({ config, prover: 2, other: 5, purpose: "shareEncryption" }, encryptionSecretKey, encryptionPointOf5);
 */
export function proveSharedPoint(context: SharedPointContext, secretKey: Uint8Array, theirs: EdwardsPoint): SharedPointReveal {
  const a = Fn.create(x25519Scalar(secretKey));
  const statement = sharedPointStatement(context, Point.BASE.multiply(a), theirs);
  const S = theirs.multiply(a).toBytes();
  const r = hashToScalar(SHARED_POINT_NONCE_LABEL, secretKey, statement);
  const [R1, R2] = [Point.BASE.multiply(r).toBytes(), theirs.multiply(r).toBytes()];
  const c = hashToScalar(statement, S, R1, R2);
  return { point: S, proof: concatBytes(R1, R2, numberToBytesLE(Fn.add(r, Fn.mul(c, a)), 32)) };
}

/**
 * Checks a {@link proveSharedPoint} reveal against the two possession points (`own` the prover's A, `theirs` the other's
 * P, both of prime order): S, R_1 and R_2 canonical encodings, S of prime order and not the identity, z < L,
 * z·B = R_1 + c·A and z·P = R_2 + c·S.
 *
 * @returns S, the agreed point.
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` naming the prover and the other side, when the proof does not hold.
 * @example
 * const shared = verifySharedPoint(context, encryptionPointOf2, encryptionPointOf5, reveal);
 */
export function verifySharedPoint(context: SharedPointContext, own: EdwardsPoint, theirs: EdwardsPoint, { point, proof }: SharedPointReveal): EdwardsPoint {
  const refuse = (why: string) =>
    new VeritrainError(`participant ${context.prover}'s ${context.purpose} point shared with ${context.other} comes with no valid proof (${why}): strike the message`, {
      code: "SECAGG_MESSAGE_INVALID",
      details: { prover: context.prover, other: context.other, purpose: context.purpose, why },
    });
  if (point.length !== 32 || proof.length !== SHARED_POINT_PROOF_BYTES) throw refuse("the point or the proof has the wrong length");
  let S, R1, R2;
  try {
    [S, R1, R2] = [point, proof.subarray(0, 32), proof.subarray(32, 64)].map((bytes) => Point.fromBytes(bytes)) as [EdwardsPoint, EdwardsPoint, EdwardsPoint];
  } catch {
    throw refuse("a point does not decode");
  }
  if (S.is0() || !S.isTorsionFree()) throw refuse("S is not a point of prime order");
  const z = bytesToNumberLE(proof.subarray(64, 96));
  if (z >= Fn.ORDER) throw refuse("z is not below the group order");
  const c = hashToScalar(sharedPointStatement(context, own, theirs), point, proof.subarray(0, 32), proof.subarray(32, 64));
  if (!Point.BASE.multiplyUnsafe(z).equals(R1.add(own.multiplyUnsafe(c)))) throw refuse("z·B ≠ R_1 + c·A");
  if (!theirs.multiplyUnsafe(z).equals(R2.add(S.multiplyUnsafe(c)))) throw refuse("z·P ≠ R_2 + c·S");
  return S;
}
