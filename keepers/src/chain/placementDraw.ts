import { encodeAbiParameters, hexToBigInt, keccak256, type Address } from "viem";

/** Tries of one column's draw: `PlacementDraw.MAX_TRIES` (DatasetRegistry.MAX_DRAW_TRIES). */
export const PLACEMENT_DRAW_TRIES = 32;

/** Parameters of {@link placementDraw}. */
export type PlacementDrawParameters = {
  /** The VRF word: `PlacementSeeded.seed` for the whole placement, the redraw's word (`ColumnPlaced.seed`). */
  seed: bigint;
  /** The column drawn. */
  column: number;
  /** `DatasetRegistry.providers()` at the block of the draw, in its order. */
  providers: readonly Address[];
  /** Whether a provider already holds a column of the dataset at that point (earlier columns, the holder being replaced). */
  taken: (provider: Address) => boolean;
};

/** The provider drawn (its index in `providers` and the try that found it), or undefined when every try hit a taken one. */
export type PlacementDrawReturnType = { holder: Address; index: number; attempt: number } | undefined;

/**
 * The holder of one column, as the Solidity `PlacementDraw.draw` that places and redraws columns
 * draws it (docs/architecture.md, "Placement"): try t = 0, 1, …, 31 picks index
 * `uint256(keccak256(abi.encode(uint256 seed, uint256 column, uint256 t))) % providers.length`, and the
 * first provider there that holds no column of the dataset is the holder. So anyone can recompute a
 * placement from the seed in its event and the provider list at that block.
 *
 * @example
 * const taken = new Set<Address>();
 * const holders = columns.map((column) => {
 *   const drawn = placementDraw({ seed, column, providers, taken: (p) => taken.has(p) });
 *   if (drawn) taken.add(drawn.holder);
 *   return drawn?.holder ?? zeroAddress;
 * });
 */
export function placementDraw({ seed, column, providers, taken }: PlacementDrawParameters): PlacementDrawReturnType {
  const count = BigInt(providers.length);
  if (count === 0n) return undefined;
  for (let attempt = 0; attempt < PLACEMENT_DRAW_TRIES; attempt++) {
    const key = keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }, { type: "uint256" }], [seed, BigInt(column), BigInt(attempt)]));
    const index = Number(hexToBigInt(key) % count);
    const holder = providers[index]!;
    if (!taken(holder)) return { holder, index, attempt };
  }
  return undefined;
}
