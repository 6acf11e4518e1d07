import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

// One devnet-class test file at a time. A file that runs a chain node with dozens of keepers and checkers takes
// this machine class's two cores; two of them side by side missed their bounded waits in CI (session 20: keeper
// start-up past 180 s, bids and challenges past 120 s). `npm test` (scripts/runTests.ts) runs two files at a
// time; each devnet-class file takes the slot at its top, so the other core runs light files meanwhile.

const SLOT = join(tmpdir(), "veritrain-devnet-slot");
const OWNER = join(SLOT, "pid");

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Waits until no other devnet-class test file runs, then holds the slot until this process exits. A holder that
 * died without releasing it (SIGKILL) is detected by its PID and replaced.
 *
 * @example
 * await holdDevnetSlot(); // at the top of a devnet-class test file
 */
export async function holdDevnetSlot({ timeoutMs = 3_600_000, pollMs = 1_000 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(SLOT);
      writeFileSync(OWNER, String(process.pid));
      process.once("exit", () => rmSync(SLOT, { recursive: true, force: true }));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number.parseInt((() => {
      try {
        return readFileSync(OWNER, "utf8");
      } catch {
        return ""; // its holder is between mkdir and writing its PID
      }
    })(), 10);
    if (Number.isInteger(holder) && !alive(holder)) {
      rmSync(SLOT, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for the devnet slot held by process ${holder} (${SLOT})`);
    await sleep(pollMs);
  }
}
