import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { numberToHex, zeroAddress, type Address } from "viem";
import { PLACEMENT_DRAW_TRIES, placementDraw, type ProviderEntry } from "../../../keepers/src/chain/placementDraw.ts";

/** Request time of the draws below. */
const REQUESTED_AT = 100;
/** `count` providers 0x…1000 onwards, all joined the second before the request. */
const listOf = (count: number): ProviderEntry[] =>
  Array.from({ length: count }, (_, i) => ({ account: numberToHex(0x1000 + i, { size: 20 }) as Address, joinedAt: REQUESTED_AT - 1 }));

/** Indices and tries of an 11-column whole placement from seed 42. */
function placeEleven(entries: readonly ProviderEntry[], range: number) {
  const taken = new Set<Address>();
  return Array.from({ length: 11 }, (_, column) => {
    const result = placementDraw({ seed: 42n, column, entries, range, requestedAt: REQUESTED_AT, taken: (p) => taken.has(p) });
    taken.add(result!.holder);
    return [result!.index, result!.attempt];
  });
}

describe("placementDraw", () => {
  it("places an 11-column dataset on distinct providers from seed 42 (test vector)", () => {
    // Same indices as PlacementDraw.candidateIndex in test/contracts/PlacementDraw.t.sol; DatasetRegistry.test.ts
    // checks live placements against this function.
    assert.deepEqual(placeEleven(listOf(14), 14), [[9, 0], [11, 0], [8, 0], [2, 0], [0, 0], [10, 1], [6, 1], [13, 0], [5, 1], [1, 6], [7, 10]]);
  });

  it("skips emptied entries, entries joined in the request's second and entries beyond its range (test vector)", () => {
    const entries = listOf(16);
    entries[9] = { account: zeroAddress, joinedAt: 0 };
    entries[11] = { ...entries[11]!, joinedAt: REQUESTED_AT };
    // The first vector's picks 9 and 11 move on to later tries; 14 and 15 (appended after the request) are never
    // reached. Same indices in PlacementDraw.t.sol's second vector.
    const drawn = placeEleven(entries, 14);
    assert.deepEqual(drawn, [[8, 1], [0, 1], [6, 1], [2, 0], [1, 1], [10, 1], [3, 3], [13, 0], [5, 1], [7, 8], [12, 11]]);
    assert.ok(drawn.every(([index]) => index !== 9 && index !== 11 && index! < 14));
  });

  it("gives up after 32 tries that find nothing that counts, and on an empty range", () => {
    assert.equal(PLACEMENT_DRAW_TRIES, 32);
    let tries = 0;
    const entries = listOf(14);
    assert.equal(placementDraw({ seed: 42n, column: 0, entries, range: 14, requestedAt: REQUESTED_AT, taken: () => (++tries, true) }), undefined);
    assert.equal(tries, PLACEMENT_DRAW_TRIES);
    assert.equal(placementDraw({ seed: 42n, column: 0, entries, range: 14, requestedAt: REQUESTED_AT - 1, taken: () => false }), undefined);
    assert.equal(placementDraw({ seed: 42n, column: 0, entries: [], range: 0, requestedAt: REQUESTED_AT, taken: () => false }), undefined);
  });
});
