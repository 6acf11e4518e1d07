/** Gas of one operation: its calls and the gas they used in all (a decimal string, as in the JSON report). */
export type GasRow = { count: number; gas: string };

/**
 * The gas table of the devnet's report: every operation, one row each, with its calls, gas per
 * call (rounded to the nearest unit) and total, heaviest first as given, and a closing `total`
 * row. Columns are as wide as their widest value.
 *
 * @example
 * formatGasTable({ "StorageProofs.submitProof": { count: 11, gas: "2493970" } }, "2493970");
 * // operation                   count  per call      total
 * // StorageProofs.submitProof      11   226,725  2,493,970
 * // total                          11            2,493,970
 */
export function formatGasTable(gas: Readonly<Record<string, GasRow>>, total: string): string[] {
  const rows = Object.entries(gas).map(([operation, { count, gas }]) => {
    const used = BigInt(gas);
    return [operation, grouped(BigInt(count)), grouped((used + BigInt(count) / 2n) / BigInt(count)), grouped(used)];
  });
  const calls = Object.values(gas).reduce((sum, row) => sum + row.count, 0);
  const table = [["operation", "count", "per call", "total"], ...rows, ["total", grouped(BigInt(calls)), "", grouped(BigInt(total))]];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
  return table.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  "));
}

/** 2493970n → "2,493,970". */
function grouped(value: bigint): string {
  return value.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
