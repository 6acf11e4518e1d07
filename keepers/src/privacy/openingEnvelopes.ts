import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, randomBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { bytesToHex, encodeAbiParameters, getAddress, hexToBytes, isAddressEqual, type Address, type Hex } from "viem";
import { VeritrainError } from "../errors.ts";

// A data owner's noise-seed opening to a committee (docs/distributed-training.md, "Noise-seed openings"): the seed,
// its salt and the key of its grid sums, sealed to each member's X25519 opening key; the grid sums encrypted once
// under that key, kept in the content store.

const VERSION = 1;
const KEY_LABEL = utf8ToBytes("veritrain/dp/v1/noise-opening/key");
const ENTRY_LABEL = utf8ToBytes("veritrain/dp/v1/noise-opening/entry");
const SUMS_LABEL = utf8ToBytes("veritrain/dp/v1/noise-opening/sums");
const NONCE = new Uint8Array(12);
/** What ChaCha20-Poly1305 adds to what it seals: the tag. */
export const SEAL_TAG_BYTES = 16;
const SECRET_BYTES = 8 + 32 + 32;
const ENTRY_BYTES = 20 + SECRET_BYTES + SEAL_TAG_BYTES;
const HEADER_BYTES = 1 + 32 + 32 + 1;

/** Whose opening it is: the owner's slot of a round, on a ledger of a chain. Bound into every key and tag. */
export type OpeningContext = { chainId: bigint; ledger: Address; jobId: bigint; round: number; slot: number };

/** What a member learns: the round's noise seed and salt (they open the on-chain commitment) and the grid sums' key. */
export type OpeningSecret = { seed: bigint; salt: Uint8Array; sumsKey: Uint8Array };

/** A member the opening is sealed to: its account and its registered X25519 opening key. */
export type OpeningRecipient = { account: Address; key: Uint8Array };

function contextBytes({ chainId, ledger, jobId, round, slot }: OpeningContext): Uint8Array {
  return hexToBytes(encodeAbiParameters(
    [{ type: "uint256" }, { type: "address" }, { type: "uint256" }, { type: "uint16" }, { type: "uint8" }],
    [chainId, ledger, jobId, round, slot],
  ));
}

function entryKey(context: OpeningContext, shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array, address: Uint8Array): Uint8Array {
  return hkdf(sha256, shared, undefined, concatBytes(KEY_LABEL, contextBytes(context), ephemeral, recipient, address), 32);
}

/**
 * Whether `key` can receive an opening: an X25519 public key whose agreement with a scalar is not the all-zero secret
 * (a low-order point, which any account may register, gives it for every scalar; sealing to it would fail the opening).
 *
 * @example
 * const recipients = members.filter(({ key }) => usableOpeningKey(key));
 */
export function usableOpeningKey(key: Uint8Array): boolean {
  try {
    x25519.getSharedSecret(x25519.utils.randomSecretKey(), key);
    return true;
  } catch {
    return false;
  }
}

function invalid(reason: string): VeritrainError {
  return new VeritrainError(`noise-seed opening is invalid: ${reason}`, { code: "NOISE_OPENING_INVALID" });
}

/**
 * Seals `secret` to each recipient: version 1 ‖ ephemeral X25519 public key E ‖ sumsDigest ‖ count ‖ per recipient
 * (address ‖ ChaCha20-Poly1305(k, nonce 0, uint64be seed ‖ salt ‖ sumsKey, AD "…/entry" ‖ context ‖ address ‖
 * sumsDigest)), where k = HKDF-SHA256(X25519(e, K), info "…/key" ‖ context ‖ E ‖ K ‖ address) for the recipient's key
 * K. E is fresh per opening and the address is in k, so each k seals one message (two members registering one key
 * included) and the zero nonce is never reused.
 *
 * @param sumsDigest the content-store digest of the encrypted grid sums ({@link sealGridSums}), or zero when there are none.
 * @throws VeritrainError `NOISE_OPENING_INVALID` with no recipient or more than 255.
 * @example
 * const envelopes = sealOpening({ context, secret, sumsDigest, recipients });
 */
export function sealOpening({ context, secret, sumsDigest, recipients, random = randomBytes }: { context: OpeningContext; secret: OpeningSecret; sumsDigest: Hex; recipients: readonly OpeningRecipient[]; random?: (bytes: number) => Uint8Array }): Uint8Array {
  if (recipients.length === 0 || recipients.length > 255) throw invalid(`it needs 1 to 255 recipients, got ${recipients.length}`);
  const ephemeralSecret = random(32);
  const ephemeral = x25519.getPublicKey(ephemeralSecret);
  const plain = new Uint8Array(SECRET_BYTES);
  new DataView(plain.buffer).setBigUint64(0, secret.seed, false);
  plain.set(secret.salt, 8);
  plain.set(secret.sumsKey, 40);
  const digest = hexToBytes(sumsDigest);
  const entries = recipients.map(({ account, key }) => {
    const address = hexToBytes(getAddress(account));
    const k = entryKey(context, x25519.getSharedSecret(ephemeralSecret, key), ephemeral, key, address);
    return concatBytes(address, chacha20poly1305(k, NONCE, concatBytes(ENTRY_LABEL, contextBytes(context), address, digest)).encrypt(plain));
  });
  return concatBytes(Uint8Array.of(VERSION), ephemeral, digest, Uint8Array.of(recipients.length), ...entries);
}

/**
 * Opens the entry sealed to `account` in an opening: its secret and the grid sums' digest, or undefined if the opening
 * holds no entry for `account`.
 *
 * @throws VeritrainError `NOISE_OPENING_INVALID` if the opening is malformed or its entry for `account` does not
 * authenticate under `secretKey` (sealed to another key, for another slot or round, or altered).
 * @example
 * const opened = openOpening({ context, envelopes, account, secretKey });
 */
export function openOpening({ context, envelopes, account, secretKey }: { context: OpeningContext; envelopes: Uint8Array; account: Address; secretKey: Uint8Array }): { secret: OpeningSecret; sumsDigest: Hex } | undefined {
  if (envelopes.length < HEADER_BYTES || envelopes[0] !== VERSION) throw invalid(`not a version-${VERSION} opening`);
  const count = envelopes[HEADER_BYTES - 1]!;
  if (envelopes.length !== HEADER_BYTES + count * ENTRY_BYTES) throw invalid(`${envelopes.length} bytes for ${count} entries`);
  const ephemeral = envelopes.subarray(1, 33);
  const digest = envelopes.subarray(33, 65);
  for (let i = 0; i < count; i++) {
    const entry = envelopes.subarray(HEADER_BYTES + i * ENTRY_BYTES, HEADER_BYTES + (i + 1) * ENTRY_BYTES);
    const address = entry.subarray(0, 20);
    if (!isAddressEqual(bytesToHex(address), account)) continue;
    let plain: Uint8Array;
    try {
      const key = x25519.getPublicKey(secretKey);
      const k = entryKey(context, x25519.getSharedSecret(secretKey, ephemeral), ephemeral, key, address);
      plain = chacha20poly1305(k, NONCE, concatBytes(ENTRY_LABEL, contextBytes(context), address, digest)).decrypt(entry.subarray(20));
    } catch {
      throw invalid(`its entry for ${account} does not open under this member's opening key`);
    }
    const seed = new DataView(plain.buffer, plain.byteOffset).getBigUint64(0, false);
    return { secret: { seed, salt: plain.slice(8, 40), sumsKey: plain.slice(40) }, sumsDigest: bytesToHex(digest) };
  }
  return undefined;
}

/**
 * Encrypts encoded grid sums under the opening's sums key: ChaCha20-Poly1305, nonce 0 (the key is fresh per
 * opening), AD "…/sums" ‖ context.
 *
 * @example
 * const sealed = sealGridSums(context, sumsKey, encodeGridSums(sums));
 */
export function sealGridSums(context: OpeningContext, sumsKey: Uint8Array, bytes: Uint8Array): Uint8Array {
  return chacha20poly1305(sumsKey, NONCE, concatBytes(SUMS_LABEL, contextBytes(context))).encrypt(bytes);
}

/**
 * Decrypts {@link sealGridSums}'s output.
 *
 * @throws VeritrainError `NOISE_OPENING_INVALID` if it does not authenticate (another key or context, or altered).
 * @example
 * const bytes = openGridSums(context, secret.sumsKey, sealed);
 */
export function openGridSums(context: OpeningContext, sumsKey: Uint8Array, sealed: Uint8Array): Uint8Array {
  try {
    return chacha20poly1305(sumsKey, NONCE, concatBytes(SUMS_LABEL, contextBytes(context))).decrypt(sealed);
  } catch {
    throw invalid("its grid sums do not decrypt under the key it opened");
  }
}
