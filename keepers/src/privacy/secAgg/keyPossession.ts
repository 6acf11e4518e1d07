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

const Point = ed25519.Point;
const { Fn } = Point;

const CHALLENGE_LABEL = utf8ToBytes("veritrain/secagg/v1/key-possession");
const NONCE_LABEL = utf8ToBytes("veritrain/secagg/v1/key-possession-nonce");

/** A proof's bytes: the Edwards point A (32), the commitment R (32), the response z (32, little-endian, < L). */
export const POSSESSION_PROOF_BYTES = 96;

/** What a key-possession proof is bound to: the round, the participant that advertises the key, and the key's use. */
export type PossessionContext = { config: SecAggConfig; id: number; purpose: keyof typeof KDF_LABEL };

/** RFC 7748's decodeScalar25519: the X25519 scalar of a 32-byte secret key (bits 0–2 and 255 cleared, bit 254 set). */
function x25519Scalar(secretKey: Uint8Array): bigint {
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
