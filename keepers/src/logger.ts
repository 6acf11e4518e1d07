import { pino, type DestinationStream, type Logger } from "pino";

/** Parameters of {@link createLogger}. */
export type CreateLoggerOptions = {
  /**
   * A client command's logger: only warnings and errors, each as one readable line on stderr
   * (`warn: holder unreachable; retrying`), instead of the keepers' JSON lines.
   */
  brief?: boolean;
};

/** pino's level numbers, named. */
const LEVEL_NAMES: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };

/** One readable line per log record: `warn: message: cause`. */
const briefLines: DestinationStream = {
  write(line: string) {
    const record = JSON.parse(line) as { level: number; msg: string; err?: { message?: string } };
    const cause = record.err?.message?.split("\n")[0];
    process.stderr.write(`${LEVEL_NAMES[record.level] ?? record.level}: ${record.msg}${cause ? `: ${cause}` : ""}\n`);
  },
};

/**
 * The structured logger of a keeper role or command: JSON lines on stderr (stdout stays free
 * for reports), a constant message plus a context object; `LOG_LEVEL` overrides the level.
 * With `brief` (client commands without `--verbose`), warnings and errors only, one readable
 * line each.
 *
 * @example
 * const log = createLogger("devnet");
 * log.info({ url }, "chain node ready");
 */
export function createLogger(name: string, { brief = false }: CreateLoggerOptions = {}): Logger {
  if (brief) return pino({ name, level: process.env.LOG_LEVEL ?? "warn" }, briefLines);
  return pino({ name, level: process.env.LOG_LEVEL ?? "info" }, pino.destination(2));
}
