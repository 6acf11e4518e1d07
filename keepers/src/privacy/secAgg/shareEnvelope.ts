import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { concatBytes, randomBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { VeritrainError } from "../../errors.ts";
import { uint32le } from "./bytes.ts";
import type { SecAggConfig } from "./secAggConfig.ts";
import { SHARE_BYTES } from "./verifiableShares.ts";

const AAD_LABEL = utf8ToBytes("veritrain/secagg/v1/share-envelope");
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
/** nonce ‖ XChaCha20-Poly1305(b-share ‖ sk-share) ‖ tag. */
export const ENVELOPE_BYTES = NONCE_BYTES + 2 * SHARE_BYTES + TAG_BYTES;

/** What u sends v inside one envelope: v's share of u's self-mask seed and of u's mask secret key. */
export type SharePair = { selfMaskShare: Uint8Array; maskKeyShare: Uint8Array };

/** Parameters of {@link sealShares} and {@link openShares}. */
export type EnvelopeParameters = {
  config: SecAggConfig;
  /** The share-encryption key u and v agreed on (`agreedKey`, purpose `shareEncryption`). */
  key: Uint8Array;
  from: number;
  to: number;
};

function additionalData({ config, from, to }: EnvelopeParameters): Uint8Array {
  return concatBytes(AAD_LABEL, config.roundSeed, uint32le(from), uint32le(to));
}

/**
 * Encrypts a share pair from `from` to `to`: a fresh random 24-byte nonce, XChaCha20-Poly1305
 * under the agreed key, with associated data label ‖ roundSeed ‖ uint32le(from) ‖ uint32le(to), so
 * an envelope opens only for the pair and direction it was sealed for, in this round.
 *
 * @example
 * const envelope = sealShares({ config, key, from: 2, to: 5 }, { selfMaskShare, maskKeyShare }); // 104 bytes
 */
export function sealShares(parameters: EnvelopeParameters, { selfMaskShare, maskKeyShare }: SharePair, random: (bytes: number) => Uint8Array = randomBytes): Uint8Array {
  const nonce = random(NONCE_BYTES);
  const sealed = xchacha20poly1305(parameters.key, nonce, additionalData(parameters)).encrypt(concatBytes(selfMaskShare, maskKeyShare));
  return concatBytes(nonce, sealed);
}

/**
 * Opens an envelope sealed by {@link sealShares}.
 *
 * @throws VeritrainError `SECAGG_SHARE_REJECTED` when authentication fails: the envelope was
 * altered, sealed under another key (for another participant), or for another sender, recipient or round.
 * @example
 * const { selfMaskShare, maskKeyShare } = openShares({ config, key, from: 2, to: 5 }, envelope);
 */
export function openShares(parameters: EnvelopeParameters, envelope: Uint8Array): SharePair {
  let plain: Uint8Array;
  try {
    if (envelope.length !== ENVELOPE_BYTES) throw new RangeError(`envelope must be ${ENVELOPE_BYTES} bytes, got ${envelope.length}`);
    plain = xchacha20poly1305(parameters.key, envelope.subarray(0, NONCE_BYTES), additionalData(parameters)).decrypt(envelope.subarray(NONCE_BYTES));
  } catch (cause) {
    throw new VeritrainError(
      `share envelope from ${parameters.from} to ${parameters.to} failed authentication: it was altered or sealed for someone else: the recipient holds no share of ${parameters.from}'s secrets`,
      { code: "SECAGG_SHARE_REJECTED", details: { from: parameters.from, to: parameters.to }, cause },
    );
  }
  return { selfMaskShare: plain.slice(0, SHARE_BYTES), maskKeyShare: plain.slice(SHARE_BYTES) };
}
