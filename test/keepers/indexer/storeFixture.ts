import assert from "node:assert/strict";
import type { Hex } from "viem";
import { openEntityStore, type BlockPointer, type EntityStore } from "../../../keepers/src/indexer/entityStore.ts";
import type { EntityData, MappingStore } from "../../../keepers/src/indexer/mappingHost.ts";
import type { SqlBackend } from "../../../keepers/src/indexer/sqlBackend.ts";
import { parseSubgraphSchema } from "../../../keepers/src/indexer/subgraphSchema.ts";

/** A small subgraph schema: mutable entities with references and a derived list, an immutable one. */
export const schema = parseSubgraphSchema(`
  enum JobStatus { Bidding Assigned Finalized }
  type Dataset @entity { id: ID! owner: Bytes! jobs: [Job!]! @derivedFrom(field: "dataset") }
  type Job @entity { id: ID! dataset: Dataset! provider: Bytes status: JobStatus! price: BigInt bids: [Bid!]! @derivedFrom(field: "job") }
  type Bid @entity(immutable: true) { id: ID! job: Job! provider: Bytes! price: BigInt! }
`);

/** Two provider addresses. */
export const ALICE = "0x00000000000000000000000000000000000000a1";
export const BOB = "0x00000000000000000000000000000000000000b0";

/** Block `number` with made-up hashes. */
export const pointer = (number: number): BlockPointer => ({
  number,
  hash: `0x${number.toString(16).padStart(64, "0")}` as Hex,
  parentHash: `0x${(number - 1).toString(16).padStart(64, "0")}` as Hex,
  timestamp: 1_000 + number,
});

/** One block's writes: [entity, data] pairs set in order. */
export const block = (number: number, ...sets: [string, EntityData][]) => ({
  block: pointer(number),
  write: (view: MappingStore) => {
    for (const [entity, data] of sets) view.set(entity, data.id as string, data);
  },
});

const ids = (entities: EntityData[]) => entities.map((e) => e.id).sort();

/**
 * Writes blocks in two batches through a store persisted by `open()`, reverts one (a reorg),
 * writes a block of the new fork, closes the store, reopens it on a new `open()` and checks
 * that it has the same versions, indexes, blocks of last change and blocks at every block.
 */
export async function assertSameAfterReopen(open: () => Promise<SqlBackend>): Promise<void> {
  const writes = [
    block(1, ["Dataset", { id: "1", owner: ALICE }], ["Job", { id: "1", dataset: "1", status: "Bidding" }]),
    block(2, ["Job", { id: "1", dataset: "1", status: "Assigned", provider: ALICE }], ["Bid", { id: "b1", job: "1", provider: ALICE, price: "9" }]),
    block(3, ["Job", { id: "1", dataset: "1", status: "Assigned", provider: BOB }]),
    block(4, ["Job", { id: "2", dataset: "1", status: "Bidding" }]),
  ];
  const before = await openEntityStore({ schema, backend: await open(), deployment: "test" });
  await before.writeBlocks(writes.slice(0, 2));
  await before.writeBlocks(writes.slice(2));
  await before.revertTo(3);
  await before.writeBlocks([block(5, ["Job", { id: "1", dataset: "1", status: "Finalized", provider: BOB }])]);
  const snapshot = (store: EntityStore) =>
    [0, 1, 2, 3, 4, 5].map((at) => ({
      jobs: store.all("Job", at),
      bids: store.all("Bid", at),
      byProvider: [ALICE, BOB].map((provider) => ids(store.find("Job", "provider", provider, at))),
      changedAt: ["1", "2"].map((id) => store.changedAt("Job", id, at)),
    }));
  const expected = snapshot(before);
  const blocks = before.recentBlocks();
  await before.close();
  const after = await openEntityStore({ schema, backend: await open(), deployment: "test" });
  try {
    assert.deepEqual(snapshot(after), expected);
    assert.deepEqual(after.recentBlocks(), blocks);
    assert.deepEqual(after.blockByHash(pointer(5).hash.toUpperCase().replace("0X", "0x")), pointer(5));
    assert.deepEqual(expected[2]!.byProvider, [["1"], []]);
    assert.deepEqual(expected[4]!.jobs.map((job) => job.id), ["1"], "the reverted block 4 left nothing");
    assert.deepEqual(expected[5]!.jobs.map((job) => job.status), ["Finalized"]);
    assert.deepEqual(expected.map((at) => at.changedAt), [[undefined, undefined], [1, undefined], [2, undefined], [3, undefined], [3, undefined], [5, undefined]]);
  } finally {
    await after.close();
  }
}
