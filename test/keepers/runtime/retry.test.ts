import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { retry } from "../../../keepers/src/runtime/retry.ts";

describe("retry", () => {
  it("retries a failing call with a growing, capped delay and returns its first success", async () => {
    const calls: number[] = [];
    const delays: number[] = [];
    const value = await retry(
      (attempt) => {
        calls.push(performance.now());
        if (attempt < 4) throw new Error(`failure ${attempt}`);
        return "done";
      },
      { attempts: 5, delayMs: 20, backoff: 2, maxDelayMs: 50, onRetry: (_, __, delayMs) => delays.push(delayMs) },
    );
    assert.equal(value, "done");
    assert.deepEqual(delays, [20, 40, 50]);
    for (const [i, delay] of delays.entries()) assert.ok(calls[i + 1]! - calls[i]! >= delay - 2, `waited ${delay} ms before call ${i + 2}`);
  });

  describe("when the call keeps failing", () => {
    it("throws the last error after `attempts` calls", async () => {
      let calls = 0;
      await assert.rejects(retry(() => Promise.reject(new Error(`failure ${++calls}`)), { attempts: 3, delayMs: 1 }), { message: "failure 3" });
      assert.equal(calls, 3);
    });

    it("stops at once when shouldRetry refuses the error", async () => {
      let calls = 0;
      await assert.rejects(retry(() => Promise.reject(Object.assign(new Error("reverted"), { code: "TRANSACTION_REVERTED" })), { attempts: Infinity, delayMs: 1, shouldRetry: (e) => (++calls, (e as { code: string }).code !== "TRANSACTION_REVERTED") }), { message: "reverted" });
      assert.equal(calls, 1);
    });
  });

  describe("when the signal aborts", () => {
    it("ends a long wait between two calls at once with ABORTED", async () => {
      const controller = new AbortController();
      const started = performance.now();
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(retry(() => Promise.reject(new Error("down")), { attempts: Infinity, delayMs: 60_000, signal: controller.signal }), { code: "ABORTED" });
      assert.ok(performance.now() - started < 1_000);
    });
  });
});
