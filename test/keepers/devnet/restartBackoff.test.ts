import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRestartBackoff } from "../../../keepers/src/devnet/restartBackoff.ts";

describe("createRestartBackoff", () => {
  it("doubles the delay for each crash in the window, up to the bound, and gives up past maxRestarts", () => {
    const backoff = createRestartBackoff({ maxRestarts: 4, windowMs: 60_000, baseDelayMs: 1_000, maxDelayMs: 5_000 });
    assert.deepEqual([0, 1, 2, 3, 4].map((t) => backoff.next(t * 1_000)), [1_000, 2_000, 4_000, 5_000, undefined]);
    assert.equal(backoff.crashes(), 5);
  });

  describe("when earlier crashes fall out of the window", () => {
    it("forgets them: the delay starts over", () => {
      const backoff = createRestartBackoff({ maxRestarts: 2, windowMs: 10_000, baseDelayMs: 100 });
      assert.equal(backoff.next(0), 100);
      assert.equal(backoff.next(1_000), 200);
      assert.equal(backoff.next(20_000), 100);
      assert.equal(backoff.crashes(), 1);
    });
  });
});
