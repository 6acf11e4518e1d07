import type { PrivateKey, PublicKey } from "paillier-bigint";
import { VeritrainError } from "../../errors.ts";
import type { Quantisation } from "./quantisation.ts";

const TWO_POW_31 = 2_147_483_648;
const TWO_POW_32 = 4_294_967_296;

/**
 * How quantised coordinates are packed into Paillier plaintexts (docs/secure-aggregation.md,
 * "Paillier"): coordinate j of an update goes to plaintext ⌊j/s⌋, slot j mod s, as q_j + R in bits
 * [w · slot, w · slot + w); w is the bit length of 2 · n · R, so a slot holds the sum of up to n
 * participants' values (each in [0, 2R]) without carrying into the next.
 */
export type PaillierLayout = Readonly<{
  /** w, bits per slot. */
  slotBits: number;
  /** s = ⌊(bits of N − 1) / w⌋ slots per plaintext, so every packed plaintext is < 2^(bits of N − 1) ≤ N. */
  slots: number;
  /** R, added to each q so a slot is never negative. */
  offset: number;
  /** n, the most updates a sum may hold. */
  participants: number;
}>;

function invalid(message: string, details: Record<string, unknown>): VeritrainError {
  return new VeritrainError(message, { code: "PAILLIER_LAYOUT_INVALID", details });
}

/**
 * The packing layout for a public key of `modulusBits` bits and a quantisation.
 *
 * @throws VeritrainError `PAILLIER_LAYOUT_INVALID` when the modulus cannot hold one slot.
 * @example
 * paillierLayout(2048, quantisation({ clip: 1, fractionBits: 26, participants: 16 }));
 * // → { slotBits: 32, slots: 63, offset: 67108864, participants: 16 }
 */
export function paillierLayout(modulusBits: number, { bound, participants }: Quantisation): PaillierLayout {
  const slotBits = (2 * participants * bound).toString(2).length;
  const slots = Math.floor((modulusBits - 1) / slotBits);
  if (!Number.isSafeInteger(modulusBits) || slots < 1) throw invalid(`a ${modulusBits}-bit Paillier modulus cannot hold one ${slotBits}-bit slot`, { modulusBits, slotBits });
  return Object.freeze({ slotBits, slots, offset: bound, participants });
}

/**
 * Packs a quantised update (words mod 2^32 read as signed int32) into ⌈L/s⌉ plaintexts and encrypts
 * each with the public key (fresh randomness per ciphertext, by paillier-bigint).
 *
 * @throws VeritrainError `PAILLIER_LAYOUT_INVALID` for a word outside [−R, R].
 * @example
 * const ciphertexts = paillierEncryptUpdate(publicKey, layout, quantise(update, q));
 */
export function paillierEncryptUpdate(publicKey: PublicKey, layout: PaillierLayout, words: Uint32Array): bigint[] {
  const { slots, slotBits, offset } = layout;
  const width = BigInt(slotBits);
  const ciphertexts: bigint[] = [];
  for (let start = 0; start < words.length; start += slots) {
    let plaintext = 0n;
    for (let j = Math.min(start + slots, words.length) - 1; j >= start; j--) {
      const word = words[j]!;
      const q = word >= TWO_POW_31 ? word - TWO_POW_32 : word;
      if (q < -offset || q > offset) throw invalid(`coordinate ${j} is ${q}, outside the quantisation's [−${offset}, ${offset}]`, { index: j, value: q });
      plaintext = (plaintext << width) | BigInt(q + offset);
    }
    ciphertexts.push(publicKey.encrypt(plaintext));
  }
  return ciphertexts;
}

/**
 * The aggregator's work: the ciphertext-wise homomorphic sum (product mod N²) of several updates.
 *
 * @example
 * const encryptedSum = paillierAddUpdates(publicKey, [c0, c1, c2, c3]);
 */
export function paillierAddUpdates(publicKey: PublicKey, updates: readonly (readonly bigint[])[]): bigint[] {
  return updates[0]!.map((_, i) => publicKey.addition(...updates.map((update) => update[i]!)));
}

/**
 * Decrypts a homomorphic sum of `contributions` updates and unpacks it into words mod 2^32 of
 * Σ q, the same words SecAgg's unmasked sum gives: slot value minus contributions · R, mod 2^32.
 *
 * @throws VeritrainError `PAILLIER_LAYOUT_INVALID` if `contributions` exceeds the layout's participants.
 * @example
 * const sum = paillierDecryptSum(privateKey, layout, encryptedSum, 4, 61_706);
 */
export function paillierDecryptSum(privateKey: PrivateKey, layout: PaillierLayout, ciphertexts: readonly bigint[], contributions: number, length: number): Uint32Array {
  const { slots, slotBits, offset, participants } = layout;
  if (!Number.isSafeInteger(contributions) || contributions < 1 || contributions > participants) {
    throw invalid(`a sum of ${contributions} updates is outside this layout's 1 … ${participants}`, { contributions, participants });
  }
  const width = BigInt(slotBits);
  const mask = (1n << width) - 1n;
  const sum = new Uint32Array(length);
  ciphertexts.forEach((ciphertext, c) => {
    let plaintext = privateKey.decrypt(ciphertext);
    for (let j = c * slots; j < Math.min((c + 1) * slots, length); j++) {
      sum[j] = Number(plaintext & mask) - contributions * offset;
      plaintext >>= width;
    }
  });
  return sum;
}
