import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { readLogLines } from "./keeperProcess.ts";

/** What a keeper logged going wrong and recovered from, in numbers. */
export type LogLinesSummary = {
  /** pino level 40 lines. */
  warnings: number;
  /** pino level 50 and above. */
  errors: number;
  /** The most frequent warning and error messages, most frequent first (ties: first seen first). */
  top: { message: string; count: number }[];
};

/** {@link LogLinesSummary} of one keeper, with its dead letters (work it gave up on after its retries). */
export type KeeperLogSummary = LogLinesSummary & { keeper: string; deadLetters: number };

const WARN = 40;
const ERROR = 50;

/**
 * Counts the warnings and errors among a keeper's pino JSON lines and names its `top` most
 * frequent warning or error messages (the `msg`, with the error's `code` if it has one).
 *
 * @example
 * summarizeLogLines(readLogLines(".devnet/logs/storage-0.log")); // { warnings: 3, errors: 0, top: [{ message: "peer unreachable, skipped …", count: 3 }] }
 */
export function summarizeLogLines(lines: readonly Record<string, unknown>[], top = 3): LogLinesSummary {
  let warnings = 0;
  let errors = 0;
  const counts = new Map<string, number>();
  for (const line of lines) {
    const level = typeof line.level === "number" ? line.level : 0;
    if (level < WARN) continue;
    if (level >= ERROR) errors++;
    else warnings++;
    const code = (line.err as { code?: unknown } | undefined)?.code;
    const message = `${String(line.msg ?? "(no message)")}${typeof code === "string" ? ` [${code}]` : ""}`;
    counts.set(message, (counts.get(message) ?? 0) + 1);
  }
  const ranked = [...counts].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count);
  return { warnings, errors, top: ranked.slice(0, top) };
}

/**
 * {@link summarizeLogLines} for every keeper log of a devnet (`<directory>/logs/<keeper>.log`),
 * with the entries of its dead-letter files (`<directory>/<keeper>/*.dead-letters.jsonl`); keepers
 * with nothing to report are left out.
 *
 * @example
 * for (const s of summarizeKeeperLogs({ directory: ".devnet" })) console.log(s.keeper, s.warnings, s.errors);
 */
export function summarizeKeeperLogs({ directory, top = 3 }: { directory: string; top?: number }): KeeperLogSummary[] {
  const logs = join(directory, "logs");
  if (!existsSync(logs)) return [];
  return readdirSync(logs)
    .filter((file) => file.endsWith(".log"))
    .sort()
    .map((file) => {
      const keeper = basename(file, ".log");
      return { keeper, ...summarizeLogLines(readLogLines(join(logs, file)), top), deadLetters: deadLetterCount(join(directory, keeper)) };
    })
    .filter((summary) => summary.warnings + summary.errors + summary.deadLetters > 0);
}

function deadLetterCount(dataDir: string): number {
  if (!existsSync(dataDir)) return 0;
  return readdirSync(dataDir)
    .filter((file) => file.endsWith(".dead-letters.jsonl"))
    .reduce((sum, file) => sum + readFileSync(join(dataDir, file), "utf8").split("\n").filter((line) => line.trim() !== "").length, 0);
}
