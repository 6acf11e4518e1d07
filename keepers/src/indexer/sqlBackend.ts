import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { pino, type Logger } from "pino";
import { VeritrainError } from "../errors.ts";

/** Runs one SQL statement with positional parameters and returns its rows. */
export type SqlQuery = <Row = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<Row[]>;

/** The SQL database behind the entity store: embedded PGlite or a PostgreSQL server. */
export type SqlBackend = {
  query: SqlQuery;
  /** Runs `work` in one transaction: all of it or none. */
  transaction<T>(work: (query: SqlQuery) => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

/**
 * An embedded PostgreSQL (PGlite, WebAssembly) kept in `directory`.
 *
 * @example
 * const backend = await openPgliteBackend(".veritrain/indexer/pglite");
 */
export async function openPgliteBackend(directory: string): Promise<SqlBackend> {
  mkdirSync(directory, { recursive: true });
  const db = await PGlite.create(directory);
  const bind = (run: { query: PGlite["query"] }): SqlQuery => async (sql, params) => (await run.query(sql, params)).rows as never;
  return {
    query: bind(db),
    transaction: (work) => db.transaction((tx) => work(bind(tx))),
    close: () => db.close(),
  };
}

/**
 * A PostgreSQL server at `url` (`postgres://user:pass@host:port/db`). A pooled connection the
 * server drops while idle (a restart, an administrator) is logged on `log` and replaced on the
 * next query, instead of crashing the process.
 *
 * @example
 * const backend = await openPostgresBackend(process.env.DATABASE_URL!, log);
 */
export async function openPostgresBackend(url: string, log: Logger = pino({ level: "silent" })): Promise<SqlBackend> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on("error", (error) => log.warn({ err: error }, "idle PostgreSQL connection lost"));
  try {
    await pool.query("SELECT 1");
  } catch (cause) {
    await pool.end();
    throw new VeritrainError(`cannot reach PostgreSQL at ${url.replace(/\/\/[^@/]*@/, "//***@")}`, { code: "INDEXER_DATABASE_UNREACHABLE", cause });
  }
  const bind = (client: pg.Pool | pg.PoolClient): SqlQuery => async (sql, params) => (await client.query(sql, params)).rows;
  return {
    query: bind(pool),
    async transaction(work) {
      const client = await pool.connect();
      // A connection lost mid-transaction fails the pending query; its error event must not crash the process.
      const lost = (error: Error) => log.warn({ err: error }, "PostgreSQL connection lost in a transaction");
      client.on("error", lost);
      try {
        await client.query("BEGIN");
        const result = await work(bind(client));
        await client.query("COMMIT");
        client.release();
        return result;
      } catch (error) {
        // A connection that cannot roll back is broken: the pool drops it instead of reusing it.
        client.release(await client.query("ROLLBACK").then(() => undefined, (rollback: Error) => rollback));
        throw error;
      } finally {
        client.off("error", lost);
      }
    },
    close: () => pool.end(),
  };
}
