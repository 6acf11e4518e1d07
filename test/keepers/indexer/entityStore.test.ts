/**
 * The versioned entity store: field indexes kept current through updates, batches and reverts
 * (answers at every block equal a full scan's), batched block writes (later blocks see earlier
 * ones, a failing block keeps the ones before it), and the same version ranges after a reopen
 * from PGlite.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openEntityStore, type EntityStore } from "../../../keepers/src/indexer/entityStore.ts";
import type { EntityData } from "../../../keepers/src/indexer/mappingHost.ts";
import { openPgliteBackend } from "../../../keepers/src/indexer/sqlBackend.ts";
import { ALICE, assertSameAfterReopen, BOB, block, pointer, schema } from "./storeFixture.ts";

const ids = (entities: EntityData[]) => entities.map((e) => e.id).sort();
/** What an index must answer: a full scan at block `at`. */
const scan = (store: EntityStore, entity: string, field: string, value: string, at: number) => ids(store.all(entity, at).filter((e) => e[field] === value));

/** Checks `find` against a full scan for every value and block of interest. */
function assertIndexMatchesScan(store: EntityStore, entity: string, field: string, values: string[], blocks: number[]) {
  for (const at of blocks) {
    for (const value of values) assert.deepEqual(ids(store.find(entity, field, value, at)), scan(store, entity, field, value, at), `${entity}.${field} = ${value} at ${at}`);
  }
}

describe("entity store", () => {
  describe("when an indexed entity changes its reference", () => {
    it("finds it under each value only at the blocks where it had it", async () => {
      const store = await openEntityStore({ schema });
      await store.writeBlocks([block(1, ["Dataset", { id: "1", owner: ALICE }], ["Job", { id: "1", dataset: "1", status: "Bidding" }])]);
      assert.deepEqual(ids(store.find("Job", "status", "Bidding")), ["1"], "the index is built from what is stored");
      await store.writeBlocks([block(2, ["Job", { id: "1", dataset: "1", status: "Assigned", provider: ALICE }])]);
      await store.writeBlocks([block(3, ["Job", { id: "1", dataset: "1", status: "Assigned", provider: BOB }], ["Job", { id: "2", dataset: "1", status: "Bidding" }])]);
      assert.deepEqual(ids(store.find("Job", "status", "Bidding")), ["2"]);
      assert.deepEqual(ids(store.find("Job", "status", "Bidding", 2)), []);
      assert.deepEqual(ids(store.find("Job", "status", "Bidding", 1)), ["1"]);
      assert.deepEqual(ids(store.find("Job", "provider", ALICE)), [], "an index built after the update answers the head with the current value");
      assert.deepEqual(ids(store.find("Job", "provider", ALICE, 2)), ["1"]);
      assertIndexMatchesScan(store, "Job", "provider", [ALICE, BOB], [0, 1, 2, 3]);
      assertIndexMatchesScan(store, "Job", "status", ["Bidding", "Assigned", "Finalized"], [0, 1, 2, 3]);
      assertIndexMatchesScan(store, "Job", "dataset", ["1", "2"], [0, 1, 2, 3]);
    });

    it("refuses an index on a field without string values", async () => {
      const store = await openEntityStore({ schema });
      assert.throws(() => store.find("Job", "bids", "1"), { code: "INDEXER_FIELD_NOT_INDEXABLE" });
      assert.throws(() => store.find("Job", "nope", "1"), { code: "INDEXER_FIELD_NOT_INDEXABLE" });
      assert.throws(() => store.find("Nope", "id", "1"), { code: "MAPPING_FAILED" });
    });
  });

  describe("when blocks are reverted", () => {
    it("drops the reverted versions from the indexes and finds the reopened ones again", async () => {
      const store = await openEntityStore({ schema });
      await store.writeBlocks([block(1, ["Dataset", { id: "1", owner: ALICE }], ["Job", { id: "1", dataset: "1", status: "Assigned", provider: ALICE }])]);
      for (const field of ["provider", "status", "dataset"]) store.find("Job", field, "");
      store.find("Bid", "provider", "");
      await store.writeBlocks([
        block(2, ["Job", { id: "1", dataset: "1", status: "Assigned", provider: BOB }], ["Bid", { id: "b1", job: "1", provider: BOB, price: "5" }]),
        block(3, ["Job", { id: "2", dataset: "1", status: "Bidding" }], ["Job", { id: "1", dataset: "1", status: "Finalized", provider: BOB }]),
      ]);
      assert.deepEqual(ids(store.find("Job", "provider", BOB)), ["1"]);
      await store.revertTo(1);
      assert.equal(store.head()!.number, 1);
      assert.deepEqual(ids(store.find("Job", "provider", BOB)), []);
      assert.deepEqual(ids(store.find("Job", "provider", ALICE)), ["1"], "the version the reverted blocks closed is open again");
      assert.deepEqual(ids(store.find("Bid", "provider", BOB)), []);
      assert.deepEqual(ids(store.find("Job", "status", "Bidding")), []);
      assertIndexMatchesScan(store, "Job", "provider", [ALICE, BOB], [1, 2, 3]);
      // The new fork reuses the numbers with other content.
      await store.writeBlocks([block(2, ["Job", { id: "3", dataset: "1", status: "Bidding", provider: BOB }])]);
      assert.deepEqual(ids(store.find("Job", "provider", BOB)), ["3"]);
      assert.deepEqual(ids(store.find("Job", "status", "Finalized")), []);
      assertIndexMatchesScan(store, "Job", "provider", [ALICE, BOB], [1, 2, 3]);
      assertIndexMatchesScan(store, "Job", "status", ["Bidding", "Assigned", "Finalized"], [1, 2]);
    });
  });

  describe("when several blocks are written in one batch", () => {
    it("lets each block read the earlier ones' writes and keeps one version per block", async () => {
      const store = await openEntityStore({ schema });
      const seen: (EntityData | null)[] = [];
      await store.writeBlocks([
        block(5, ["Dataset", { id: "1", owner: ALICE }], ["Job", { id: "1", dataset: "1", status: "Bidding" }]),
        { block: pointer(6), write: (view) => void seen.push(view.get("Job", "1")) },
        block(7, ["Job", { id: "1", dataset: "1", status: "Assigned", provider: ALICE }]),
        block(9, ["Job", { id: "1", dataset: "1", status: "Finalized", provider: ALICE }]),
      ]);
      assert.deepEqual(seen, [{ id: "1", dataset: "1", status: "Bidding" }]);
      assert.deepEqual(store.recentBlocks().map((b) => b.number), [9, 7, 6, 5]);
      assert.deepEqual([4, 5, 6, 7, 8, 9].map((at) => store.get("Job", "1", at)?.status ?? null), [null, "Bidding", "Bidding", "Assigned", "Assigned", "Finalized"]);
    });

    it("commits the blocks before a failing one and nothing of it or after it", async () => {
      const store = await openEntityStore({ schema });
      await assert.rejects(
        store.writeBlocks([
          block(1, ["Dataset", { id: "1", owner: ALICE }], ["Job", { id: "1", dataset: "1", status: "Bidding" }], ["Bid", { id: "b1", job: "1", provider: ALICE, price: "9" }]),
          block(2, ["Job", { id: "1", dataset: "1", status: "Assigned", provider: ALICE }]),
          block(3, ["Job", { id: "2", dataset: "1", status: "Bidding" }], ["Bid", { id: "b1", job: "1", provider: BOB, price: "8" }]),
          block(4, ["Job", { id: "3", dataset: "1", status: "Bidding" }]),
        ]),
        (error: Error & { code?: string }) => error.code === "MAPPING_FAILED" && /immutable/.test(error.message),
      );
      assert.equal(store.head()!.number, 2);
      assert.deepEqual(ids(store.all("Job")), ["1"]);
      assert.equal(store.get("Job", "1")!.status, "Assigned");
      assert.deepEqual(ids(store.find("Bid", "provider", ALICE)), ["b1"]);
    });

    it("refuses blocks out of order before running any handler", async () => {
      const store = await openEntityStore({ schema });
      await store.writeBlocks([block(3)]);
      let ran = false;
      const mark = { block: pointer(5), write: () => void (ran = true) };
      await assert.rejects(store.writeBlocks([mark, block(5)]), { code: "INDEXER_BLOCK_ORDER" });
      await assert.rejects(store.writeBlocks([{ ...mark, block: pointer(3) }]), { code: "INDEXER_BLOCK_ORDER" });
      assert.equal(ran, false);
      assert.equal(store.head()!.number, 3);
    });
  });

  describe("when the store is reopened from PGlite", { timeout: 120_000 }, () => {
    it("has the same versions, indexes and blocks as before", async () => {
      const directory = await mkdtemp(join(tmpdir(), "veritrain-entity-store-"));
      try {
        await assertSameAfterReopen(() => openPgliteBackend(directory));
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    });
  });
});
