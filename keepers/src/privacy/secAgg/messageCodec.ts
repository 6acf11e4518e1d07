import { VeritrainError } from "../../errors.ts";
import { POSSESSION_PROOF_BYTES, SHARED_POINT_PROOF_BYTES } from "./keyPossession.ts";
import type { EncryptedSharesMessage, PointReveal, PublicKeyEntry, SecAggMessage, ShareCommitments } from "./messages.ts";
import { ENVELOPE_BYTES } from "./shareEnvelope.ts";
import { COMMITMENT_BYTES, SHARE_BYTES } from "./verifiableShares.ts";

/**
 * 2 since the public keys carry their possession proofs; 3 since the ledger, not an unmask request, fixes who survived;
 * 4 since the shares are Feldman's (32-byte shares, the commitments in encryptedShares and forwardedShares); 5 since
 * complaints are a message of their own, before masking.
 */
const VERSION = 5;
const KEY_BYTES = 32;
/** A participant's advertised keys: pk^mask, pk^enc, then their two possession proofs. */
const ADVERTISED_KEYS_BYTES = 2 * KEY_BYTES + 2 * POSSESSION_PROOF_BYTES;
/** version, kind, roundSeed, party. */
const HEADER_BYTES = 2 + 32 + 4;
const KIND_CODE = {
  publicKeys: 1,
  keyRoster: 2,
  encryptedShares: 3,
  forwardedShares: 4,
  maskedInput: 5,
  unmaskShares: 6,
  complaints: 7,
} as const satisfies Record<SecAggMessage["kind"], number>;
const KIND_OF_CODE = Object.fromEntries(Object.entries(KIND_CODE).map(([kind, code]) => [code, kind])) as Record<number, SecAggMessage["kind"]>;

function malformed(rule: string): VeritrainError {
  return new VeritrainError(`malformed secure-aggregation message: ${rule}; drop it and treat its sender as silent`, {
    code: "SECAGG_MESSAGE_INVALID",
    details: { rule },
  });
}

class Writer {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private offset = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(value: number): void {
    this.view.setUint8(this.offset, value);
    this.offset += 1;
  }
  u32(value: number): void {
    this.view.setUint32(this.offset, value, true);
    this.offset += 4;
  }
  raw(bytes: Uint8Array, length: number): void {
    if (bytes.length !== length) throw malformed(`a field must be ${length} bytes, got ${bytes.length}`);
    this.bytes.set(bytes, this.offset);
    this.offset += length;
  }
}

class Reader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private offset = 0;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(length: number): void {
    if (this.offset + length > this.bytes.length) throw malformed(`truncated at byte ${this.offset}: ${length} more bytes expected`);
  }
  u8(): number {
    this.need(1);
    return this.view.getUint8(this.offset++);
  }
  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }
  raw(length: number): Uint8Array {
    this.need(length);
    return this.bytes.slice(this.offset, (this.offset += length));
  }
  /** A count of entries of `entryBytes` each, refused before allocating if the rest cannot hold them. */
  count(entryBytes: number): number {
    const count = this.u32();
    if (count * entryBytes > this.bytes.length - this.offset) throw malformed(`count ${count} exceeds the ${this.bytes.length - this.offset} bytes left`);
    return count;
  }
  end(): void {
    if (this.offset !== this.bytes.length) throw malformed(`${this.bytes.length - this.offset} trailing bytes`);
  }
}

function writeAdvertisedKeys(out: Writer, keys: Omit<PublicKeyEntry, "id">): void {
  out.raw(keys.maskPublicKey, KEY_BYTES);
  out.raw(keys.encryptionPublicKey, KEY_BYTES);
  out.raw(keys.maskKeyProof, POSSESSION_PROOF_BYTES);
  out.raw(keys.encryptionKeyProof, POSSESSION_PROOF_BYTES);
}

function readAdvertisedKeys(input: Reader): Omit<PublicKeyEntry, "id"> {
  return { maskPublicKey: input.raw(KEY_BYTES), encryptionPublicKey: input.raw(KEY_BYTES), maskKeyProof: input.raw(POSSESSION_PROOF_BYTES), encryptionKeyProof: input.raw(POSSESSION_PROOF_BYTES) };
}

/** An encryptedShares body: the commitments (b's, then a's: count, then points), then count, then (to, envelope). */
function writeShares(out: Writer, { commitments, envelopes }: Pick<EncryptedSharesMessage, "commitments" | "envelopes">): void {
  for (const list of [commitments.selfMask, commitments.maskKey]) {
    out.u32(list.length);
    for (const point of list) out.raw(point, COMMITMENT_BYTES);
  }
  out.u32(envelopes.length);
  for (const { to, envelope } of envelopes) {
    out.u32(to);
    out.raw(envelope, ENVELOPE_BYTES);
  }
}

function readShares(input: Reader): Pick<EncryptedSharesMessage, "commitments" | "envelopes"> {
  const points = () => Array.from({ length: input.count(COMMITMENT_BYTES) }, () => input.raw(COMMITMENT_BYTES));
  const selfMask = points();
  const commitments: ShareCommitments = { selfMask, maskKey: points() };
  return { commitments, envelopes: Array.from({ length: input.count(4 + ENVELOPE_BYTES) }, () => ({ to: input.u32(), envelope: input.raw(ENVELOPE_BYTES) })) };
}

/** of, the agreed point, its proof. */
const POINT_REVEAL_BYTES = 4 + 32 + SHARED_POINT_PROOF_BYTES;

function writePointReveals(out: Writer, reveals: readonly PointReveal[]): void {
  out.u32(reveals.length);
  for (const { of, point, proof } of reveals) {
    out.u32(of);
    out.raw(point, 32);
    out.raw(proof, SHARED_POINT_PROOF_BYTES);
  }
}

const readPointReveals = (input: Reader): PointReveal[] =>
  Array.from({ length: input.count(POINT_REVEAL_BYTES) }, () => ({ of: input.u32(), point: input.raw(32), proof: input.raw(SHARED_POINT_PROOF_BYTES) }));

const sharesBytes = ({ commitments, envelopes }: Pick<EncryptedSharesMessage, "commitments" | "envelopes">) =>
  8 + (commitments.selfMask.length + commitments.maskKey.length) * COMMITMENT_BYTES + 4 + envelopes.length * (4 + ENVELOPE_BYTES);

function bodyBytes(message: SecAggMessage): number {
  switch (message.kind) {
    case "publicKeys":
      return ADVERTISED_KEYS_BYTES;
    case "keyRoster":
      return 4 + message.keys.length * (4 + ADVERTISED_KEYS_BYTES);
    case "encryptedShares":
      return sharesBytes(message);
    case "forwardedShares":
      return 4 + message.shares.reduce((bytes, shares) => bytes + 4 + sharesBytes(shares), 0);
    case "maskedInput":
      return 4 + 4 * message.words.length;
    case "complaints":
      return 4 + message.complaints.length * POINT_REVEAL_BYTES;
    case "unmaskShares":
      return 8 + (message.selfMaskShares.length + message.maskKeyShares.length) * (4 + SHARE_BYTES);
  }
}

/**
 * The bytes of a message (docs/secure-aggregation.md, "Encoding"): uint8 version 5, uint8 kind,
 * the 32-byte round seed, uint32 party (`from` or `to`), then the kind's fields; every integer is
 * little-endian, every list a uint32 count and its entries.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` when a key, commitment, envelope or share has the wrong length.
 * @example
 * encodeSecAggMessage({ kind: "maskedInput", roundSeed, from: 3, words }).length; // 38 + 4 + 4 · L
 */
export function encodeSecAggMessage(message: SecAggMessage): Uint8Array {
  const out = new Writer(HEADER_BYTES + bodyBytes(message));
  out.u8(VERSION);
  out.u8(KIND_CODE[message.kind]);
  out.raw(message.roundSeed, 32);
  out.u32("from" in message ? message.from : message.to);
  switch (message.kind) {
    case "publicKeys":
      writeAdvertisedKeys(out, message);
      break;
    case "keyRoster":
      out.u32(message.keys.length);
      for (const key of message.keys) {
        out.u32(key.id);
        writeAdvertisedKeys(out, key);
      }
      break;
    case "encryptedShares":
      writeShares(out, message);
      break;
    case "forwardedShares":
      out.u32(message.shares.length);
      for (const shares of message.shares) {
        out.u32(shares.from);
        writeShares(out, shares);
      }
      break;
    case "maskedInput":
      out.u32(message.words.length);
      for (const word of message.words) out.u32(word);
      break;
    case "unmaskShares":
      for (const list of [message.selfMaskShares, message.maskKeyShares]) {
        out.u32(list.length);
        for (const { of, share } of list) {
          out.u32(of);
          out.raw(share, SHARE_BYTES);
        }
      }
      break;
    case "complaints":
      writePointReveals(out, message.complaints);
      break;
  }
  return out.bytes;
}

/**
 * Parses bytes written by {@link encodeSecAggMessage}, refusing anything else: another version, an
 * unknown kind, a truncated field, a count larger than the bytes left, trailing bytes. It checks
 * form only; each stage checks what a message means.
 *
 * @throws VeritrainError `SECAGG_MESSAGE_INVALID` with `details.rule`.
 * @example
 * decodeSecAggMessage(encodeSecAggMessage(message)); // deep-equals message
 */
export function decodeSecAggMessage(bytes: Uint8Array): SecAggMessage {
  const input = new Reader(bytes);
  const version = input.u8();
  if (version !== VERSION) throw malformed(`version ${version} is not ${VERSION}`);
  const code = input.u8();
  const kind = KIND_OF_CODE[code];
  if (kind === undefined) throw malformed(`unknown kind ${code}`);
  const roundSeed = input.raw(32);
  const party = input.u32();
  let message: SecAggMessage;
  switch (kind) {
    case "publicKeys":
      message = { kind, roundSeed, from: party, ...readAdvertisedKeys(input) };
      break;
    case "keyRoster":
      message = { kind, roundSeed, to: party, keys: Array.from({ length: input.count(4 + ADVERTISED_KEYS_BYTES) }, () => ({ id: input.u32(), ...readAdvertisedKeys(input) })) };
      break;
    case "encryptedShares":
      message = { kind, roundSeed, from: party, ...readShares(input) };
      break;
    case "forwardedShares":
      // Each forwarded message is its sender's encryptedShares of this round, so it hashes as the sender posted it.
      message = { kind, roundSeed, to: party, shares: Array.from({ length: input.count(4 + 12) }, () => ({ kind: "encryptedShares" as const, roundSeed, from: input.u32(), ...readShares(input) })) };
      break;
    case "maskedInput": {
      const words = new Uint32Array(input.count(4));
      for (let i = 0; i < words.length; i++) words[i] = input.u32();
      message = { kind, roundSeed, from: party, words };
      break;
    }
    case "unmaskShares": {
      const shares = () => Array.from({ length: input.count(4 + SHARE_BYTES) }, () => ({ of: input.u32(), share: input.raw(SHARE_BYTES) }));
      const selfMaskShares = shares();
      message = { kind, roundSeed, from: party, selfMaskShares, maskKeyShares: shares() };
      break;
    }
    case "complaints":
      message = { kind, roundSeed, from: party, complaints: readPointReveals(input) };
      break;
  }
  input.end();
  return message;
}
