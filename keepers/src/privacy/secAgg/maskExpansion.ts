import { chacha20 } from "@noble/ciphers/chacha.js";

const ZERO_NONCE = new Uint8Array(12);

/**
 * Adds sign · PRG(seed) to `target` word by word, mod 2^32, where PRG(seed) is the ChaCha20
 * keystream (RFC 8439: 32-byte key = seed, 12-byte nonce of zeros, block counter from 0) read as
 * little-endian uint32 words: word i is bytes 4i … 4i + 3. Each seed keys one round only, so the
 * fixed nonce never repeats under a key.
 *
 * @param sign +1 to add the mask, −1 to subtract it.
 * @example
 * const words = new Uint32Array(4);
 * addMask(words, new Uint8Array(32), 1); // [0xade0b876, 0x903df1a0, 0xe56a5d40, 0x28bd8653] (RFC 8439 A.1 #1)
 */
export function addMask(target: Uint32Array, seed: Uint8Array, sign: 1 | -1): void {
  const stream = chacha20(seed, ZERO_NONCE, new Uint8Array(target.length * 4));
  for (let i = 0, j = 0; i < target.length; i++, j += 4) {
    const word = (stream[j]! | (stream[j + 1]! << 8) | (stream[j + 2]! << 16) | (stream[j + 3]! << 24)) >>> 0;
    target[i] = sign === 1 ? target[i]! + word : target[i]! - word;
  }
}
