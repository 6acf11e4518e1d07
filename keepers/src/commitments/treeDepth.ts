import { VeritrainError } from "../errors.ts";

/** Default column tree depth: 2^25 leaves × 496 B = 16.6 GB, so an 8 GiB column (17.3M leaves) fits. */
export const DEFAULT_COLUMN_DEPTH = 25;
/** Largest supported depth (2^32 leaves, about 2.1 TB per column); the circuit's depth is fixed per deployment. */
export const MAX_DEPTH = 32;

/**
 * Throws unless `depth` is an integer in [1, 32].
 *
 * @example
 * assertDepth(25);
 */
export function assertDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH) {
    throw new VeritrainError(`depth must be an integer in [1, ${MAX_DEPTH}], got ${depth}`, {
      code: "TREE_DEPTH_INVALID",
      details: { field: "depth", value: depth },
    });
  }
}

/** Throws unless a column of `leafCount` leaves fits a tree of `depth` (leafCount <= 2^depth). */
export function assertFits(leafCount: number, depth: number): void {
  if (leafCount > 2 ** depth) {
    throw new VeritrainError(`column must have at most 2^${depth} leaves for depth ${depth}, got ${leafCount}`, {
      code: "COLUMN_TOO_LARGE",
      details: { field: "column", depth, leafCount, limit: 2 ** depth },
    });
  }
}
