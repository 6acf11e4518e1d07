import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { summarizeKeeperLogs, summarizeLogLines } from "../../../keepers/src/devnet/keeperLogSummary.ts";

const line = (level: number, msg: string, code?: string) => ({ level, msg, ...(code === undefined ? {} : { err: { code } }) });

describe("summarizeLogLines", () => {
  it("counts warnings and errors and ranks their messages (with the error code), info lines ignored", () => {
    const summary = summarizeLogLines([
      line(30, "block followed"),
      line(40, "peer unreachable, skipped"),
      line(50, "event handler failed; retrying", "CHAIN_UNREACHABLE"),
      line(40, "peer unreachable, skipped"),
      line(60, "fatal"),
      line(50, "event handler failed; retrying", "CHAIN_UNREACHABLE"),
      line(40, "peer unreachable, skipped"),
    ], 2);
    assert.deepEqual(summary, {
      warnings: 3,
      errors: 3,
      top: [
        { message: "peer unreachable, skipped", count: 3 },
        { message: "event handler failed; retrying [CHAIN_UNREACHABLE]", count: 2 },
      ],
    });
  });
});

describe("summarizeKeeperLogs", () => {
  it("summarises each keeper's log with its dead letters, leaving out keepers with nothing to report", () => {
    const directory = mkdtempSync(join(tmpdir(), "veritrain-logs-"));
    try {
      mkdirSync(join(directory, "logs"));
      mkdirSync(join(directory, "compute"));
      const jsonl = (lines: object[]) => lines.map((l) => JSON.stringify(l)).join("\n") + "\n";
      writeFileSync(join(directory, "logs", "compute.log"), `progress bar text\n${jsonl([line(30, "bid placed"), line(40, "chain unreachable; retrying")])}`);
      writeFileSync(join(directory, "logs", "relay.log"), jsonl([line(30, "serving")]));
      writeFileSync(join(directory, "compute", "compute.dead-letters.jsonl"), jsonl([{ work: { task: "job-1" } }, { work: { task: "job-2" } }]));
      assert.deepEqual(summarizeKeeperLogs({ directory }), [
        { keeper: "compute", warnings: 1, errors: 0, top: [{ message: "chain unreachable; retrying", count: 1 }], deadLetters: 2 },
      ]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
