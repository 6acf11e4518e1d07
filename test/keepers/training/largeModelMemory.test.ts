import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { promisify } from "node:util";

/**
 * Issue 22's bound: a model of ~10M parameters trains in bounded memory. bench/memory.ts (its engine half) trains one
 * Adam step of a 9,523,722-parameter MLP, hashing and writing both checkpoints, in a process of its own, and
 * reports that process's peak resident set. The word tree the checkpoint hash was computed with before
 * (a node object per word) took the same run past 2.6 GiB.
 */
const PEAK_RSS_BOUND_MIB = 1400;

describe("a ~10M-parameter model", () => {
  it(`trains and checkpoints within ${PEAK_RSS_BOUND_MIB} MiB of peak resident memory`, { timeout: 300_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["bench/memory.ts", "--steps", "1", "--batch-size", "8", "--no-torch"], { encoding: "utf8" });
    const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as { params: number; checkpoint_bytes: number; engine_peak_rss_mb: number };
    assert.equal(result.params, 9_523_722);
    assert.equal(result.checkpoint_bytes, 36 + 4 * 3 * 9_523_722, "parameters and Adam's two state vectors");
    assert.ok(result.engine_peak_rss_mb < PEAK_RSS_BOUND_MIB, `peak RSS ${result.engine_peak_rss_mb} MiB, bound ${PEAK_RSS_BOUND_MIB} MiB`);
  });
});
