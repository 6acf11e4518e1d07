import { pino, type Logger } from "pino";

/**
 * The structured logger of a keeper role or command: JSON lines on stderr (stdout stays free
 * for reports), a constant message plus a context object.
 *
 * @example
 * const log = createLogger("devnet");
 * log.info({ url }, "chain node ready");
 */
export function createLogger(name: string): Logger {
  return pino({ name, level: process.env.LOG_LEVEL ?? "info" }, pino.destination(2));
}
