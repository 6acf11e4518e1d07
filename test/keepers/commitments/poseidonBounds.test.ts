import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FIELD_MODULUS } from "../../../keepers/src/commitments/field.ts";
import { MAX_WIDTH, MIN_WIDTH, poseidonConstants } from "../../../keepers/src/commitments/poseidonConstants.ts";
import { MONTGOMERY_BITS, PARTIAL_BLOCK } from "../../../keepers/src/commitments/poseidonWat.ts";

/**
 * Worst-case sizes, in units of p, of the values of the wasm permutation (poseidonWat.ts), which
 * never subtracts p conditionally: a reduction of a sum T (in units of p²) of products returns
 * less than T·p/R + 1. This follows the permutation step by step with every value at its bound.
 */
function worstCase(t: number, partialRounds: number, input: number): { output: number; largest: number; vectorTerm: number } {
  const ratio = Number(FIELD_MODULUS) / 2 ** MONTGOMERY_BITS;
  const reduce = (sum: number): number => sum * ratio + 1;
  const pow5 = (x: number): number => reduce(reduce(reduce(x * x) ** 2) * x);
  let largest = 0;
  let vectorTerm = 0;
  const seen = (value: number): number => {
    largest = Math.max(largest, value);
    return value;
  };
  const pairs = Math.floor(t / 2);
  // Winograd row: pairs of (constant + x)·(constant + x), the odd tail term, then the vector's
  // correction (4p - Σ x·x) and the row's constant (< p) as addends.
  const matrix = (x: number): number => {
    vectorTerm = Math.max(vectorTerm, reduce(pairs * x * x));
    return seen(reduce(pairs * (1 + x) ** 2 + (t % 2) * x) + 4 + 1);
  };
  const fullRound = (x: number): number => matrix(seen(pow5(x) + 1));
  let x = seen(input + 1);
  for (let round = 0; round < 4; round++) x = fullRound(x);
  let first = x;
  let rest = x;
  for (let left = partialRounds; left > 0; left -= PARTIAL_BLOCK) {
    let history = 0;
    for (let i = 0; i < Math.min(PARTIAL_BLOCK, left); i++) {
      history = Math.max(history, seen(pow5(first) + 1));
      first = seen(reduce(history + (t - 1) * rest + i * history));
    }
    rest = seen(reduce(Math.min(PARTIAL_BLOCK, left) * history) + rest);
  }
  x = Math.max(first, rest);
  for (let round = 0; round < 4; round++) x = fullRound(x);
  return { output: x, largest, vectorTerm };
}

describe("Poseidon wasm value bounds (lazy reduction, no conditional subtraction)", () => {
  it("keeps every value below 2^261 and the Winograd vector term below 4p, for every width", () => {
    const capacity = 2 ** MONTGOMERY_BITS / Number(FIELD_MODULUS);
    for (let t = MIN_WIDTH; t <= MAX_WIDTH; t++) {
      // Outputs are the next hashes' inputs (Merkle nodes): iterate to the fixed point.
      let input = 1;
      let bounds = worstCase(t, poseidonConstants(t).partialRounds, input);
      for (let level = 0; level < 8; level++) {
        input = Math.max(input, bounds.output);
        bounds = worstCase(t, poseidonConstants(t).partialRounds, input);
      }
      assert.ok(bounds.output <= input, `t = ${t}: outputs below ${input.toFixed(2)}p`);
      assert.ok(bounds.largest < capacity / 4, `t = ${t}: largest value ${bounds.largest.toFixed(1)}p, 9 limbs hold ${capacity.toFixed(0)}p`);
      assert.ok(bounds.vectorTerm < 4, `t = ${t}: vector term ${bounds.vectorTerm.toFixed(2)}p`);
    }
  });
});
