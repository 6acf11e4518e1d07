import { pino, type Logger } from "pino";

/**
 * A logger that keeps its JSON lines, so a test can read, count or wait for what a keeper role said.
 *
 * @example
 * const { log, lines } = recordingLogger();
 * await runRole({ log });
 * assert.ok(lines.some((line) => line.msg === "result submitted"));
 */
export function recordingLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { log: pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) }), lines };
}
