/**
 * Re-cuts a column given as one buffer or as a stream of arbitrary pieces into consecutive
 * blocks of exactly `blockBytes` (the last one shorter), so leaves never straddle two pieces.
 * Blocks of an in-memory column are views; blocks assembled from a stream are fresh copies.
 *
 * @example
 * for await (const block of columnBlocks(fileStream, 2048 * 496)) hashBlock(block);
 */
export async function* columnBlocks(
  column: Uint8Array | AsyncIterable<Uint8Array>,
  blockBytes: number,
): AsyncGenerator<Uint8Array> {
  if (column instanceof Uint8Array) {
    for (let start = 0; start < column.length; start += blockBytes) yield column.subarray(start, start + blockBytes);
    return;
  }
  let block = new Uint8Array(blockBytes);
  let filled = 0;
  for await (const piece of column) {
    let offset = 0;
    while (offset < piece.length) {
      const take = Math.min(blockBytes - filled, piece.length - offset);
      block.set(piece.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === blockBytes) {
        yield block;
        block = new Uint8Array(blockBytes);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield block.subarray(0, filled);
}
