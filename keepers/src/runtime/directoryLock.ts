import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { VeritrainError } from "../errors.ts";
import { retry } from "./retry.ts";

/** Options of {@link withDirectoryLock}. */
export type DirectoryLockOptions = {
  /** How long to wait for another holder. @default 600,000 */
  timeoutMs?: number;
  /** Told once when the lock is held by another process. */
  onWait?: (holderPid: number) => void;
};

/**
 * Runs `fn` while holding an exclusive lock shared by every process on this machine: the directory
 * `path`, created atomically, with the holder's PID inside. A process that finds it waits (polling
 * with {@link retry}) until the holder removes it; a lock whose holder is no longer running is
 * taken over. Released when `fn` settles.
 *
 * @throws VeritrainError `LOCK_TIMEOUT` after `timeoutMs` of waiting.
 * @example
 * await withDirectoryLock("cache/devnet-build.lock", () => compileAndDeploy());
 */
export async function withDirectoryLock<T>(path: string, fn: () => Promise<T>, { timeoutMs = 600_000, onWait }: DirectoryLockOptions = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const held = new Error("lock held");
  let told = false;
  await retry(
    () => {
      try {
        mkdirSync(path, { recursive: false });
        writeFileSync(join(path, "pid"), String(process.pid));
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const holder = Number(readFileSafely(join(path, "pid")));
      if (holder > 0 && !isRunning(holder)) {
        rmSync(path, { recursive: true, force: true });
        throw held; // taken over on the next try
      }
      if (!told && holder > 0) onWait?.(holder);
      told ||= holder > 0;
      throw held;
    },
    { attempts: Infinity, delayMs: 250, backoff: 1, shouldRetry: (error) => error === held && Date.now() < deadline },
  ).catch((error) => {
    if (error !== held) throw error;
    throw new VeritrainError(`waited ${Math.round(timeoutMs / 1000)} s for the lock ${path}; remove it if no other process holds it`, { code: "LOCK_TIMEOUT", details: { path } });
  });
  try {
    return await fn();
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

function readFileSafely(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return ""; // the holder has created the directory but not written its PID yet
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
