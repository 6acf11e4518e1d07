import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { pino, type Logger } from "pino";

/**
 * A structured logger (pino JSON lines) appending to `file`, for a process whose console is for
 * people (the devnet's). Each line is appended synchronously and the file's directory is created
 * if missing, so the log survives the devnet wiping its working directory at start (the lines
 * before the wipe are lost; the devnet logs none).
 *
 * @example
 * const log = createFileLogger("devnet", ".devnet/logs/devnet.log");
 * log.info({ rpcUrl }, "chain node ready");
 */
export function createFileLogger(name: string, file: string): Logger {
  return pino(
    { name, level: process.env.LOG_LEVEL ?? "info" },
    {
      write(line: string) {
        mkdirSync(dirname(file), { recursive: true });
        appendFileSync(file, line);
      },
    },
  );
}
