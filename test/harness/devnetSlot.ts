import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

// The devnet slot: two units, one per core of this machine class. A devnet-class file whose keepers run as
// processes (the README devnet, devnetFaults: dozens of them) takes both, so it never runs beside another
// devnet-class file: two of those side by side missed their bounded waits in CI (session 20: keeper start-up past
// 180 s, bids and challenges past 120 s). A file whose chain node and keepers live in its own process
// (jobLifecycle, datasetLifecycle) takes one, so the two of them can share the cores. `npm test`
// (scripts/runTests.ts) runs two files at a time; a file waiting for the slot leaves the other core to light files.

const SLOT = join(tmpdir(), "veritrain-devnet-slot");

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Takes unit `unit` for this process until it exits, if the unit is free or its holder died; true if taken. */
function take(unit: number): boolean {
  const held = join(SLOT, `unit-${unit}`);
  mkdirSync(SLOT, { recursive: true });
  try {
    mkdirSync(held);
    writeFileSync(join(held, "pid"), String(process.pid));
    process.once("exit", () => rmSync(held, { recursive: true, force: true }));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const holder = Number.parseInt((() => {
    try {
      return readFileSync(join(held, "pid"), "utf8");
    } catch {
      return ""; // its holder is between mkdir and writing its PID
    }
  })(), 10);
  if (!Number.isInteger(holder) || alive(holder)) return false;
  // A holder that died without releasing it (SIGKILL).
  rmSync(held, { recursive: true, force: true });
  return take(unit);
}

/**
 * Waits until `units` units of the devnet slot are free, then holds them until this process exits. Both units are
 * taken in order (unit 0, then unit 1), so two files that need both never hold one each and wait for ever.
 *
 * @example
 * await holdDevnetSlot(); // at the top of a devnet-class test file whose keepers are processes
 * await holdDevnetSlot({ units: 1 }); // at the top of one whose chain and keepers run in its own process
 */
export async function holdDevnetSlot({ units = 2, timeoutMs = 3_600_000, pollMs = 1_000 }: { units?: 1 | 2; timeoutMs?: number; pollMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let first = false;
  for (;;) {
    if (units === 1 ? take(0) || take(1) : (first ||= take(0)) && take(1)) return;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${units} unit(s) of the devnet slot (${SLOT}: each unit-<n>/pid names its holder)`);
    await sleep(pollMs);
  }
}
