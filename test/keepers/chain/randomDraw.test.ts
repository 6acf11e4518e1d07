import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { randomDraw } from "../../../keepers/src/chain/randomDraw.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";

describe("randomDraw", () => {
  it("draws distinct indices, reproducibly (test vector)", () => {
    const picked = randomDraw({ seed: 42n, count: 14, size: 11 });
    // Same as RandomDraw.distinctIndices(42, 14, 11) on-chain (the committee draw; placements use placementDraw).
    assert.deepEqual(picked, [13, 1, 9, 0, 4, 3, 7, 12, 10, 5, 6]);
    assert.equal(new Set(picked).size, 11);
    assert.ok(picked.every((i) => i >= 0 && i < 14));
    assert.deepEqual(picked, randomDraw({ seed: 42n, count: 14, size: 11 }));
    assert.deepEqual(randomDraw({ seed: 42n, count: 14, size: 3 }), picked.slice(0, 3));
    assert.notDeepEqual(randomDraw({ seed: 43n, count: 14, size: 11 }), picked);
  });

  it("rejects a size larger than the list", () => {
    assert.throws(
      () => randomDraw({ seed: 1n, count: 3, size: 4 }),
      (error: unknown) => error instanceof VeritrainError && error.code === "RANDOM_DRAW_INVALID_SIZE",
    );
  });
});
