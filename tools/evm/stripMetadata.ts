/** "solc" as a CBOR text string: every metadata section solc appends names its version under this key. */
const SOLC_KEY = Uint8Array.of(0x64, 0x73, 0x6f, 0x6c, 0x63);

/**
 * Removes the CBOR metadata solc appends to contract code: a CBOR map (holding at least the `solc`
 * key) followed by its length as two big-endian bytes. Code without such a tail is returned as is.
 * Creation code ends with its runtime code's metadata, so the same call strips both.
 *
 * @example
 * stripMetadata(artifactCode) // the code without `a2 64 69 70 66 73 … 64 73 6f 6c 63 43 00 08 25 00 33`
 */
export function stripMetadata(code: Uint8Array): Uint8Array {
  if (code.length < 2) return code;
  const length = (code[code.length - 2]! << 8) | code[code.length - 1]!;
  const start = code.length - 2 - length;
  if (length === 0 || start < 0) return code;
  const metadata = code.subarray(start, code.length - 2);
  const isMap = metadata[0]! >= 0xa1 && metadata[0]! <= 0xb7;
  return isMap && containsBytes(metadata, SOLC_KEY) ? code.subarray(0, start) : code;
}

function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
