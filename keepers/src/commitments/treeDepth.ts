import { VeritrainError } from "../errors.ts";

/** Children per node of a column tree. */
export const ARITY = 4;
/** Default column tree depth: 4^13 = 2^26 leaves × 496 B = 33.3 GB, so an 8 GiB column (17.3M leaves) fits. */
export const DEFAULT_COLUMN_DEPTH = 13;
/** Largest supported depth (4^16 = 2^32 leaves, about 2.1 TB per column); the circuit's depth is fixed per deployment. */
export const MAX_DEPTH = 16;

/** Leaves of a full tree of `depth` levels: 4^depth. */
export function leavesAtDepth(depth: number): number {
  return ARITY ** depth;
}

/**
 * Throws unless `depth` is an integer in [1, 16].
 *
 * @example
 * assertDepth(13);
 */
export function assertDepth(depth: number): void {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_DEPTH) {
    throw new VeritrainError(`depth must be an integer in [1, ${MAX_DEPTH}], got ${depth}`, {
      code: "TREE_DEPTH_INVALID",
      details: { field: "depth", value: depth },
    });
  }
}

/** Throws unless a column of `leafCount` leaves fits a tree of `depth` (leafCount <= 4^depth). */
export function assertFits(leafCount: number, depth: number): void {
  if (leafCount > leavesAtDepth(depth)) {
    throw new VeritrainError(`column must have at most 4^${depth} leaves for depth ${depth}, got ${leafCount}`, {
      code: "COLUMN_TOO_LARGE",
      details: { field: "column", depth, leafCount, limit: leavesAtDepth(depth) },
    });
  }
}
