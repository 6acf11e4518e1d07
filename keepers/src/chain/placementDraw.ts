import { encodeAbiParameters, hexToBigInt, keccak256, zeroAddress, type Address } from "viem";

/** Tries of one column's draw: `PlacementDraw.MAX_TRIES` (DatasetRegistry.MAX_DRAW_TRIES). */
export const PLACEMENT_DRAW_TRIES = 32;

/** One entry of `DatasetRegistry.providerList()`: an emptied one has the zero account. */
export type ProviderEntry = { account: Address; joinedAt: number | bigint };

/** Parameters of {@link placementDraw}. */
export type PlacementDrawParameters = {
  /** The VRF word: `PlacementSeeded.seed` for the whole placement, the redraw's word (`ColumnPlaced.seed`). */
  seed: bigint;
  /** The column drawn. */
  column: number;
  /** `DatasetRegistry.providerList()` at the block of the draw, emptied entries included. */
  entries: readonly ProviderEntry[];
  /** The list's length when the word was requested (`PlacementRequested.range`; `placementOf(id).range`, `redrawOf(id).range`). */
  range: number | bigint;
  /** When the word was requested (`placementOf(id).requestedAt`; a redraw's `redrawOf(id).requestedAt`, its `PlacementRequested` block time). */
  requestedAt: number | bigint;
  /** Whether a provider already holds a column of the dataset at that point (earlier columns, the holder being replaced). */
  taken: (provider: Address) => boolean;
};

/** The provider drawn (its list index and the try that found it), or undefined when no try found one that counts. */
export type PlacementDrawReturnType = { holder: Address; index: number; attempt: number } | undefined;

/**
 * The holder of one column, as the Solidity `PlacementDraw.draw` that places and redraws columns
 * draws it (docs/architecture.md, "Placement"): try t = 0, 1, …, 31 picks index
 * `uint256(keccak256(abi.encode(uint256 seed, uint256 column, uint256 t))) % range`, and the first entry
 * there whose account is non-zero, joined before `requestedAt` (strictly) and holds no column of the dataset is
 * the holder. So anyone can recompute a placement from the seed in its event, the request's range and time,
 * and the provider list at that block.
 *
 * @example
 * const taken = new Set<Address>();
 * const holders = columns.map((column) => {
 *   const drawn = placementDraw({ seed, column, entries, range, requestedAt, taken: (p) => taken.has(p) });
 *   if (drawn) taken.add(drawn.holder);
 *   return drawn?.holder ?? zeroAddress;
 * });
 */
export function placementDraw({ seed, column, entries, range, requestedAt, taken }: PlacementDrawParameters): PlacementDrawReturnType {
  const size = BigInt(range);
  if (size === 0n) return undefined;
  for (let attempt = 0; attempt < PLACEMENT_DRAW_TRIES; attempt++) {
    const key = keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }], [seed, BigInt(column), BigInt(attempt)]));
    const index = Number(hexToBigInt(key) % size);
    const { account, joinedAt } = entries[index]!;
    if (account !== zeroAddress && BigInt(joinedAt) < BigInt(requestedAt) && !taken(account)) return { holder: account, index, attempt };
  }
  return undefined;
}
