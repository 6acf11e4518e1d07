import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { numberToHex, type Address } from "viem";
import { PLACEMENT_DRAW_TRIES, placementDraw } from "../../../keepers/src/chain/placementDraw.ts";

/** Fourteen providers 0x…1000 to 0x…100d. */
const PROVIDERS = Array.from({ length: 14 }, (_, i) => numberToHex(0x1000 + i, { size: 20 }) as Address);

describe("placementDraw", () => {
  it("places an 11-column dataset on distinct providers from seed 42 (test vector)", () => {
    const taken = new Set<Address>();
    const drawn = Array.from({ length: 11 }, (_, column) => {
      const result = placementDraw({ seed: 42n, column, providers: PROVIDERS, taken: (p) => taken.has(p) });
      taken.add(result!.holder);
      return [result!.index, result!.attempt];
    });
    // Same indices as PlacementDraw.candidateIndex in test/contracts/PlacementDraw.t.sol; DatasetRegistry.test.ts
    // checks live placements against this function.
    assert.deepEqual(drawn, [[9, 0], [11, 0], [8, 0], [2, 0], [0, 0], [10, 1], [6, 1], [13, 0], [5, 1], [1, 6], [7, 10]]);
    assert.equal(taken.size, 11);
  });

  it("gives up after 32 tries that all hit taken providers, and on an empty list", () => {
    assert.equal(PLACEMENT_DRAW_TRIES, 32);
    let tries = 0;
    assert.equal(placementDraw({ seed: 42n, column: 0, providers: PROVIDERS, taken: () => (++tries, true) }), undefined);
    assert.equal(tries, PLACEMENT_DRAW_TRIES);
    assert.equal(placementDraw({ seed: 42n, column: 0, providers: [], taken: () => false }), undefined);
  });
});
