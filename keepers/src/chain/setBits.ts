/**
 * The indices set in an on-chain bitmap (bit i = index i), ascending: an audit round's columns
 * (`audited`, `proved`), a training round's slots (`includedSlots`, `earnedSlots`). Null or
 * undefined (a round not yet opened, closed or aggregated) is none.
 *
 * @example
 * setBits("11"); // [0, 1, 3]
 */
export function setBits(bitmap: bigint | number | string | null | undefined): number[] {
  if (bitmap === null || bitmap === undefined) return [];
  const indices: number[] = [];
  for (let rest = BigInt(bitmap), i = 0; rest > 0n; rest >>= 1n, i++) if (rest & 1n) indices.push(i);
  return indices;
}
