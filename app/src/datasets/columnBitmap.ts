/**
 * The column indices set in an audit round's bitmap (`audited`, `proved`: bit i = column i),
 * ascending. Null or undefined (a round not yet opened or closed) is no column.
 *
 * @example
 * columnsOf("11"); // [0, 1, 3]
 */
export function columnsOf(bitmap: bigint | string | null | undefined): number[] {
  if (bitmap === null || bitmap === undefined) return [];
  const columns: number[] = [];
  for (let rest = BigInt(bitmap), i = 0; rest > 0n; rest >>= 1n, i++) if (rest & 1n) columns.push(i);
  return columns;
}
