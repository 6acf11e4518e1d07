import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { VeritrainError } from "../../errors.ts";
import { uint32le } from "./bytes.ts";
import type { SecAggConfig } from "./secAggConfig.ts";

/** HKDF-SHA256 `info` prefixes, one per use of an X25519 agreement (docs/secure-aggregation.md, "Keys"). */
export const KDF_LABEL = {
  /** s_uv, the ChaCha20 key of the pairwise mask between u and v. */
  pairwiseMask: "veritrain/secagg/v1/pairwise-mask",
  /** The XChaCha20-Poly1305 key of the share envelopes between u and v. */
  shareEncryption: "veritrain/secagg/v1/share-encryption",
} as const;

const COMMITMENT_LABEL = utf8ToBytes("veritrain/secagg/v1/self-mask-commitment");

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
  const info = concatBytes(utf8ToBytes(KDF_LABEL[purpose]), uint32le(Math.min(u, v)), uint32le(Math.max(u, v)));
  return hkdf(sha256, shared, config.roundSeed, info, 32);
}

/**
 * The public commitment to participant u's self-mask seed b_u:
 * SHA-256("veritrain/secagg/v1/self-mask-commitment" ‖ roundSeed ‖ uint32le(u) ‖ b_u). The server
 * checks a reconstructed b_u against it, so a wrong share cannot silently change the sum.
 *
 * @example
 * selfMaskCommitment(config, 3, seed); // 32 bytes
 */
export function selfMaskCommitment(config: SecAggConfig, id: number, seed: Uint8Array): Uint8Array {
  return sha256(concatBytes(COMMITMENT_LABEL, config.roundSeed, uint32le(id), seed));
}
