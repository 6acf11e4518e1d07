/**
 * The entity store on a real PostgreSQL server (started here from the machine's PostgreSQL
 * binaries, see postgresServer.ts): the same writes, reads at a block, reorg revert and reopen
 * as on PGlite; a transaction that fails leaves nothing; another deployment's database is
 * refused; an unreachable server gives a clear error.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { openEntityStore } from "../../../keepers/src/indexer/entityStore.ts";
import { openPostgresBackend } from "../../../keepers/src/indexer/sqlBackend.ts";
import { startPostgresServer, type PostgresServer } from "./postgresServer.ts";
import { ALICE, assertSameAfterReopen, block, schema } from "./storeFixture.ts";

describe("entity store on PostgreSQL", { timeout: 180_000 }, () => {
  let server: PostgresServer;
  before(async () => {
    server = await startPostgresServer();
  });
  after(async () => {
    await server?.stop();
  });

  it("has the same versions, indexes and blocks after a reorg and a reopen", async () => {
    const url = await server.createDatabase("reopen");
    await assertSameAfterReopen(() => openPostgresBackend(url));
  });

  it("keeps nothing of a transaction whose work throws and can use the connection again", async () => {
    const backend = await openPostgresBackend(await server.createDatabase("rollback"));
    try {
      await backend.query("CREATE TABLE t (n bigint PRIMARY KEY)");
      await assert.rejects(
        backend.transaction(async (query) => {
          await query("INSERT INTO t (n) VALUES ($1)", [1]);
          await query("INSERT INTO t (n) VALUES ($1)", [1]);
        }),
        { code: "23505" }, // unique_violation
      );
      // Every pooled connection (max 4) is used: none may be left inside the failed transaction.
      await Promise.all([2, 3, 4, 5].map((n) => backend.transaction((query) => query("INSERT INTO t (n) VALUES ($1)", [n]))));
      assert.deepEqual((await backend.query<{ n: string }>("SELECT n FROM t ORDER BY n")).map((row) => row.n), ["2", "3", "4", "5"]);
    } finally {
      await backend.close();
    }
  });

  it("replaces connections the server drops, idle or inside a transaction, and reports the transaction's own error", async () => {
    const backend = await openPostgresBackend(await server.createDatabase("dropped"));
    try {
      await backend.query("CREATE TABLE t (n bigint PRIMARY KEY)");
      await Promise.all([1, 2, 3, 4].map(() => backend.query("SELECT pg_sleep(0.05)"))); // four idle pooled connections
      const admin = await openPostgresBackend(server.url());
      const [terminated] = await admin.query<{ count: string }>("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'dropped'");
      assert.equal(Number(terminated!.count), 4);
      // Bounded wait until the server has closed them (and so the pool has heard of it).
      for (let i = 0; (await admin.query("SELECT 1 FROM pg_stat_activity WHERE datname = 'dropped'")).length > 0; i++) {
        assert.ok(i < 50, "the terminated connections are still open after 5 s");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await admin.close();
      await assert.rejects(
        backend.transaction(async (query) => {
          await query("INSERT INTO t (n) VALUES ($1)", [1]);
          await query("SELECT pg_terminate_backend(pg_backend_pid())");
        }),
        { code: "57P01" }, // admin_shutdown: the work's own error, not the failed ROLLBACK's
      );
      await Promise.all([2, 3, 4, 5].map((n) => backend.transaction((query) => query("INSERT INTO t (n) VALUES ($1)", [n]))));
      assert.deepEqual((await backend.query<{ n: string }>("SELECT n FROM t ORDER BY n")).map((row) => row.n), ["2", "3", "4", "5"]);
    } finally {
      await backend.close();
    }
  });

  it("refuses a database holding another deployment's entities and leaves it as it was", async () => {
    const url = await server.createDatabase("deployment");
    const first = await openEntityStore({ schema, backend: await openPostgresBackend(url), deployment: "one" });
    await first.writeBlocks([block(1, ["Dataset", { id: "1", owner: ALICE }])]);
    await first.close();
    const other = await openPostgresBackend(url);
    await assert.rejects(openEntityStore({ schema, backend: other, deployment: "two" }), { code: "INDEXER_STORE_MISMATCH" });
    await other.close();
    const again = await openEntityStore({ schema, backend: await openPostgresBackend(url), deployment: "one" });
    try {
      assert.deepEqual(again.get("Dataset", "1"), { id: "1", owner: ALICE });
      assert.equal(again.head()!.number, 1);
    } finally {
      await again.close();
    }
  });

  it("says when the server cannot be reached, without the password", async () => {
    const url = new URL(server.url());
    url.password = "secret";
    url.port = "1"; // nothing listens on 127.0.0.1:1
    await assert.rejects(openPostgresBackend(url.href), (error: Error & { code?: string }) => {
      assert.equal(error.code, "INDEXER_DATABASE_UNREACHABLE");
      assert.doesNotMatch(error.message, /secret/);
      return true;
    });
  });
});
