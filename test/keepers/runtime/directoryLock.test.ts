import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, describe, it } from "node:test";
import { withDirectoryLock } from "../../../keepers/src/runtime/directoryLock.ts";

describe("withDirectoryLock", () => {
  const work = mkdtempSync(join(tmpdir(), "veritrain-lock-"));
  after(() => rmSync(work, { recursive: true, force: true }));

  it("runs one holder at a time, the second after the first released, and removes the lock", async () => {
    const lock = join(work, "serial.lock");
    const order: string[] = [];
    const waitedFor: number[] = [];
    const holder = (name: string, ms: number) =>
      withDirectoryLock(lock, async () => {
        order.push(`${name} in`);
        await sleep(ms);
        order.push(`${name} out`);
      }, { onWait: (pid) => waitedFor.push(pid) });
    await Promise.all([holder("first", 300), sleep(20).then(() => holder("second", 10))]);
    assert.deepEqual(order, ["first in", "first out", "second in", "second out"]);
    assert.deepEqual(waitedFor, [process.pid], "the second was told who held it");
    assert.equal(existsSync(lock), false);
  });

  it("releases the lock when the step throws", async () => {
    const lock = join(work, "throws.lock");
    await assert.rejects(withDirectoryLock(lock, () => Promise.reject(new Error("step failed"))), { message: "step failed" });
    assert.equal(existsSync(lock), false);
  });

  it("takes over a lock whose holder is no longer running", async () => {
    const lock = join(work, "stale.lock");
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    mkdirSync(lock);
    writeFileSync(join(lock, "pid"), dead.stdout);
    assert.equal(await withDirectoryLock(lock, async () => "ran", { timeoutMs: 5_000 }), "ran");
  });

  it("gives up after the timeout while a live process holds it, saying which lock", async () => {
    const lock = join(work, "held.lock");
    mkdirSync(lock);
    writeFileSync(join(lock, "pid"), String(process.pid));
    let ran = false;
    await assert.rejects(withDirectoryLock(lock, async () => void (ran = true), { timeoutMs: 600 }), (error: Error & { code?: string }) => {
      assert.equal(error.code, "LOCK_TIMEOUT");
      assert.match(error.message, /waited 1 s for the lock .*held\.lock; remove it if no other process holds it/);
      return true;
    });
    assert.equal(ran, false);
    assert.equal(existsSync(lock), true, "another's lock is left alone");
  });
});
