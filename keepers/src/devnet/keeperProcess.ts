import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Hex } from "viem";
import { VeritrainError } from "../errors.ts";
import { waitFor } from "./waitFor.ts";

const cli = new URL("../cli.ts", import.meta.url).pathname;
const root = new URL("../../../", import.meta.url).pathname;

/** Parameters of {@link startKeeperProcess}. */
export type KeeperProcessParameters = {
  /** Names the keeper's data directory (`<directory>/<name>`) and log (`<directory>/logs/<name>.log`). */
  name: string;
  /** The CLI command and its flags, e.g. `["storage", "--join", "--port", "4001"]`. */
  args: readonly string[];
  /** Passed as VERITRAIN_PRIVATE_KEY (never on the command line). */
  privateKey: Hex;
  /** The devnet's working directory (e.g. `.devnet`). */
  directory: string;
  rpcUrl: string;
  /** Ignition's deployed_addresses.json. */
  deploymentFile: string;
  /** Its `GET /healthz` URL, if it serves one (`--health-port`, or the relay's and the indexer's own port). */
  healthUrl?: string;
  /** The script the process runs with `args`. @default the `veritrain` CLI (keepers/src/cli.ts) */
  entry?: string;
};

/** A keeper running as its own `veritrain` process. */
export type KeeperProcess = {
  name: string;
  pid: number;
  dataDir: string;
  logFile: string;
  /** Resolves with the exit code (null when killed by a signal) once the process is gone. */
  exited: Promise<number | null>;
  running(): boolean;
  /** Whether its end was asked for ({@link KeeperProcess.stop} or {@link KeeperProcess.kill}): an exit without it is a crash. */
  stopRequested(): boolean;
  /** How it ended, e.g. `code 134` or `SIGKILL`; undefined while it runs. */
  exitReason(): string | undefined;
  /** Lines the command printed on stdout (its reports), in order. */
  stdout(): string[];
  /** Waits until its `/healthz` answers 200 (following the chain); fails if the process exits first, on timeout, or without a health URL. */
  waitUntilHealthy(options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<void>;
  /** Waits for a log line whose `msg` is `message` (and whose fields match `fields`); fails if the process exits first or on timeout. */
  waitForLog(message: string, options?: { fields?: Record<string, unknown>; timeoutMs?: number }): Promise<Record<string, unknown>>;
  /** SIGTERM (the keeper's designed shutdown), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once: a crash. */
  kill(): Promise<void>;
};

/**
 * Starts `node keepers/src/cli.ts <args>` as the keeper `name`: its key in VERITRAIN_PRIVATE_KEY,
 * `--rpc-url`, `--deployment` and `--data-dir <directory>/<name>`, stdout and stderr (pino JSON
 * lines) appended to `<directory>/logs/<name>.log`. A restarted keeper (same name) keeps its
 * data directory and so its cursors, blocks and peer identity.
 *
 * @example
 * const storage = startKeeperProcess({ name: "storage-0", args: ["storage", "--join", "--health-port", "9561"], privateKey, directory: ".devnet", rpcUrl, deploymentFile, healthUrl: "http://127.0.0.1:9561/healthz" });
 * await storage.waitUntilHealthy();
 * await storage.stop();
 */
export function startKeeperProcess({ name, args, privateKey, directory, rpcUrl, deploymentFile, healthUrl, entry = cli }: KeeperProcessParameters): KeeperProcess {
  const dataDir = join(directory, name);
  const logFile = join(directory, "logs", `${name}.log`);
  mkdirSync(join(directory, "logs"), { recursive: true });
  // A restarted keeper appends to its log: only what this process writes counts for waitForLog.
  const logStart = existsSync(logFile) ? statSync(logFile).size : 0;
  const logFd = openSync(logFile, "a");
  const child: ChildProcess = spawn(process.execPath, [entry, "--rpc-url", rpcUrl, "--deployment", deploymentFile, "--data-dir", dataDir, ...args], {
    cwd: root,
    // 26 keepers load the same modules at once: V8's compiled code, cached on disk across keepers
    // and runs (as scripts/test.sh does), saves most of each start's CPU.
    env: { NODE_COMPILE_CACHE: join(root, ".cache", "node-compile"), ...process.env, VERITRAIN_PRIVATE_KEY: privateKey },
    stdio: ["ignore", "pipe", logFd],
  });
  closeSync(logFd);
  if (child.pid === undefined) throw new VeritrainError(`keeper ${name} did not start`, { code: "DEVNET_KEEPER_FAILED", details: { name } });
  const printed: string[] = [];
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    const text = partial + chunk.toString("utf8");
    const lines = text.split("\n");
    partial = lines.pop()!;
    printed.push(...lines);
    const fd = openSync(logFile, "a");
    writeSync(fd, chunk);
    closeSync(fd);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  let stopRequested = false;
  const signal = async (name: NodeJS.Signals) => {
    stopRequested = true;
    if (running()) child.kill(name);
    await exited;
  };

  return {
    name,
    pid: child.pid,
    dataDir,
    logFile,
    exited,
    running,
    stopRequested: () => stopRequested,
    exitReason: () => (running() ? undefined : child.signalCode ?? `code ${child.exitCode}`),
    stdout: () => printed.slice(),
    async waitUntilHealthy({ timeoutMs = 120_000, signal } = {}) {
      if (healthUrl === undefined) throw new VeritrainError(`keeper ${name} serves no health endpoint`, { code: "DEVNET_KEEPER_FAILED", details: { name } });
      await waitFor(
        `keeper ${name}'s ${healthUrl}`,
        async () => {
          if (!running()) throw new VeritrainError(`keeper ${name} exited (${child.exitCode ?? child.signalCode}) before it was healthy (${lastWords(logFile)}); see ${logFile}`, { code: "DEVNET_KEEPER_FAILED", details: { name, logFile } });
          // Not listening yet, or answering 503 (starting): asked again. A keeper busy catching up
          // on a loaded machine may take seconds to answer: give each request time.
          const response = await fetch(healthUrl, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
          await response?.body?.cancel();
          return response?.ok;
        },
        { timeoutMs, pollMs: 250, signal },
      );
    },
    waitForLog: (message, { fields = {}, timeoutMs = 120_000 } = {}) =>
      waitFor(
        `keeper ${name} to log "${message}" (see ${logFile})`,
        () => {
          const found = readLogLines(logFile, logStart).find((line) => line.msg === message && Object.entries(fields).every(([key, value]) => line[key] === value));
          if (found === undefined && !running()) throw new VeritrainError(`keeper ${name} exited (${child.exitCode ?? child.signalCode}) before logging "${message}"; see ${logFile}`, { code: "DEVNET_KEEPER_FAILED", details: { name, logFile } });
          return found;
        },
        { timeoutMs, pollMs: 250 },
      ),
    async stop(graceMs = 20_000) {
      stopRequested = true;
      if (!running()) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => running() && child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
    kill: () => signal("SIGKILL"),
  };
}

/**
 * What a keeper that exited said last, for the error that reports it (a test's log directory is gone
 * by the time CI prints it): its last error-level log line's message and error, or else the file's last line.
 */
function lastWords(logFile: string): string {
  const failure = readLogLines(logFile).findLast((line) => Number(line.level) >= 50) as { msg?: string; err?: { message?: string } } | undefined;
  if (failure !== undefined) return `it logged "${failure.msg}${failure.err?.message === undefined ? "" : `: ${failure.err.message}`}"`;
  const last = readFileSync(logFile, "utf8").trimEnd().split("\n").at(-1) ?? "";
  return last === "" ? "its log is empty" : `its log ends "${last.slice(0, 300)}"`;
}

/** The JSON lines of a keeper's log from byte `from` on (other lines, e.g. progress bars, are skipped). */
export function readLogLines(logFile: string, from = 0): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of readFileSync(logFile).subarray(from).toString("utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      lines.push(JSON.parse(line));
    } catch {
      // A line cut by a crash mid-write.
    }
  }
  return lines;
}
