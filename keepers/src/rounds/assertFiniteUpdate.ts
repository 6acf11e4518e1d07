import { VeritrainError } from "../errors.ts";

/**
 * Refuses a vector holding NaN or ±∞ at its first such index: a non-finite update is invalid
 * whatever the rule, because one such value would poison every coordinate it is summed into.
 *
 * @param slot the slot the vector belongs to, or "server" for FLTrust's root-set update.
 * @throws VeritrainError `UPDATE_NOT_FINITE` with `details.slot` and `details.index`.
 * @example
 * assertFiniteUpdate(Float32Array.from([0.5, NaN]), 3); // throws: slot 3, index 1
 */
export function assertFiniteUpdate(values: Float32Array, slot: number | "server"): void {
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (!Number.isFinite(value)) {
      throw new VeritrainError(
        `update of slot ${slot} holds ${value} at index ${index}: updates must be finite; the slot's contribution is invalid and must be excluded`,
        { code: "UPDATE_NOT_FINITE", details: { slot, index, value } },
      );
    }
  }
}
