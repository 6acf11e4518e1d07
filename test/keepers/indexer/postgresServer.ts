/**
 * A throwaway PostgreSQL server for tests: `initdb` into a temporary directory, `postgres`
 * listening on 127.0.0.1 (its unix socket in that directory too), stopped by its PID and removed.
 * The server binaries come from PATH or Debian's /usr/lib/postgresql/<version>/bin
 * (`bash scripts/setup-postgres.sh` installs them). PostgreSQL refuses to run as root, so under
 * root both run as the `postgres` system user the Debian package creates.
 */
import { execFile, spawn } from "node:child_process";
import { chownSync, existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

/** A running server: `url(database)` addresses one of its databases; `stop()` ends it and removes its files. */
export type PostgresServer = { url(database?: string): string; createDatabase(name: string): Promise<string>; stop(): Promise<void> };

/** The directory holding `initdb` and `postgres`, or an error saying how to install them. */
function serverBinaries(): string {
  for (const directory of (process.env.PATH ?? "").split(":")) {
    if (directory && existsSync(join(directory, "initdb")) && existsSync(join(directory, "postgres"))) return directory;
  }
  const debian = "/usr/lib/postgresql";
  const versions = existsSync(debian) ? readdirSync(debian).filter((v) => existsSync(join(debian, v, "bin", "initdb"))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest) return join(debian, newest, "bin");
  throw new Error("PostgreSQL server binaries (initdb, postgres) not found on PATH or in /usr/lib/postgresql/*/bin: run `bash scripts/setup-postgres.sh` (npm test's pretest does)");
}

/** Under root, the uid and gid of the `postgres` user; otherwise the current user runs the server. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
    return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
  } catch (cause) {
    throw new Error("PostgreSQL cannot run as root and there is no `postgres` user: run `bash scripts/setup-postgres.sh`", { cause });
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts a server in a new temporary directory and waits (at most `timeoutMs`) until it accepts
 * connections.
 */
export async function startPostgresServer(timeoutMs = 60_000): Promise<PostgresServer> {
  const bin = serverBinaries();
  const user = await serverUser();
  const directory = await mkdtemp(join(tmpdir(), "veritrain-postgres-"));
  const data = join(directory, "data");
  if (user) chownSync(directory, user.uid, user.gid);
  const as = { ...user, timeout: timeoutMs };
  const port = await freePort();
  const url = (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let server: ReturnType<typeof spawn> | undefined;
  let log = "";
  const stop = async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server!.once("exit", resolve));
      server.kill("SIGINT"); // fast shutdown: disconnects clients, stops cleanly
      const killer = setTimeout(() => server!.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(directory, { recursive: true, force: true });
  };
  try {
    await run(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], as);
    server = spawn(join(bin, "postgres"), ["-D", data, "-h", "127.0.0.1", "-p", String(port), "-k", directory, "-c", "fsync=off"], { ...user, stdio: ["ignore", "pipe", "pipe"] });
    server.stdout!.on("data", (chunk) => (log += chunk));
    server.stderr!.on("data", (chunk) => (log += chunk));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`postgres exited with ${server.exitCode}:\n${log}`);
      const client = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 1_000 });
      try {
        await client.connect();
        await client.end();
        break;
      } catch (error) {
        await client.end().catch(() => {});
        if (Date.now() > deadline) throw new Error(`postgres did not accept connections within ${timeoutMs} ms:\n${log}`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 5_000 });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop,
  };
}
