import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

/** One piece of work a keeper gave up on: what it was, how often it was tried, and the last error. */
export type DeadLetter = {
  /** The event (name, block, log index, transaction, arguments) or the task (its id). */
  work: Record<string, unknown>;
  attempts: number;
  error: { code: string; message: string };
};

/** A keeper's dead letters on disk. */
export type DeadLetterFile = {
  file: string;
  /** Appends one entry (with its time) as a JSON line, synchronously, before the keeper moves on. */
  add(letter: DeadLetter): void;
  /** Entries in the file, those of earlier runs included. */
  count(): number;
};

/**
 * The dead-letter file of a keeper role: JSON lines, appended and never rewritten, so an operator
 * (or a replay tool) finds every event and task the role could not handle after its retries —
 * across restarts. BigInts are written as decimal strings.
 *
 * @example
 * const deadLetters = openDeadLetterFile(join(dataDir, "compute.dead-letters.jsonl"));
 * deadLetters.add({ work: { task: "job-3" }, attempts: 5, error: { code: "JOB_SPEC_NOT_FOUND", message } });
 */
export function openDeadLetterFile(file: string): DeadLetterFile {
  mkdirSync(dirname(file), { recursive: true });
  let count = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((line) => line.trim() !== "").length : 0;
  return {
    file,
    add(letter) {
      const line = JSON.stringify({ at: new Date().toISOString(), ...letter }, (_, value) => (typeof value === "bigint" ? value.toString() : value));
      appendFileSync(file, `${line}\n`);
      count++;
    },
    count: () => count,
  };
}
