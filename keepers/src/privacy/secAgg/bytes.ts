/**
 * The 4 little-endian bytes of an unsigned 32-bit integer, the encoding of every id and count in
 * this protocol.
 *
 * @example
 * uint32le(258); // Uint8Array [2, 1, 0, 0]
 */
export function uint32le(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}
