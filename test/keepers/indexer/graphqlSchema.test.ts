/**
 * Collections answered through the store's indexes give the answers of a full scan: equality,
 * `_in`, nested and derived filters, `and` / `or`, derived fields, at every block (time travel),
 * after entities change their references and after a revert. Parsed and validated queries are
 * reused per schema without leaking between schemas.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { buildSubgraphGraphQLSchema } from "../../../keepers/src/indexer/graphqlSchema.ts";
import { runGraphQL } from "../../../keepers/src/indexer/graphqlServer.ts";
import { openEntityStore, type EntityStore } from "../../../keepers/src/indexer/entityStore.ts";
import { parseSubgraphSchema } from "../../../keepers/src/indexer/subgraphSchema.ts";
import { ALICE, BOB, block, schema } from "./storeFixture.ts";

const graphql = buildSubgraphGraphQLSchema(schema);

function run(store: EntityStore, query: string, variables?: Record<string, unknown>, schema = graphql): any {
  const { data, errors } = runGraphQL(schema, { store, deployment: "test" }, { query, variables });
  assert.equal(errors, undefined, JSON.stringify(errors));
  return JSON.parse(JSON.stringify(data)); // as a client receives it (graphql-js answers with null-prototype objects)
}

const JOBS = "query ($where: Job_filter, $at: Int) { jobs(where: $where, block: { number: $at }, orderBy: id) { id } }";
const BIDS = "query ($where: Bid_filter, $at: Int) { bids(where: $where, block: { number: $at }, orderBy: id) { id } }";
const DATASETS = "query ($where: Dataset_filter, $at: Int) { datasets(where: $where, block: { number: $at }, orderBy: id) { id } }";

/** Ids of `query` with `where`, asserting the same answer through a full scan (an `or` with a branch no index serves). */
function idsOf(store: EntityStore, query: string, where: Record<string, unknown>, at: number): string[] {
  const collection = (data: any) => (Object.values(data)[0] as { id: string }[]).map((e) => e.id);
  const indexed = collection(run(store, query, { where, at }));
  const scanned = collection(run(store, query, { where: { or: [where, { id_gt: "~" }] }, at }));
  assert.deepEqual(indexed, scanned, `${JSON.stringify(where)} at ${at}`);
  return indexed;
}

describe("GraphQL collections through the store's indexes", () => {
  let store: EntityStore;

  before(async () => {
    store = await openEntityStore({ schema });
    await store.writeBlocks([
      block(1, ["Dataset", { id: "1", owner: ALICE }], ["Dataset", { id: "2", owner: BOB }], ["Job", { id: "1", dataset: "1", status: "Bidding" }], ["Job", { id: "2", dataset: "2", status: "Bidding" }]),
      block(2, ["Job", { id: "1", dataset: "1", status: "Assigned", provider: ALICE, price: "9" }], ["Bid", { id: "b1", job: "1", provider: ALICE, price: "9" }]),
    ]);
    // Build every index these tests use before the entities move.
    run(store, "{ jobs(where: { dataset: \"1\", provider: \"0x00\", status: Bidding }) { id } bids(where: { job: \"1\", provider: \"0x00\" }) { id } datasets(where: { owner: \"0x00\" }) { id } }");
    await store.writeBlocks([
      block(3, ["Job", { id: "1", dataset: "2", status: "Assigned", provider: BOB, price: "7" }], ["Bid", { id: "b2", job: "2", provider: BOB, price: "3" }]),
      block(4, ["Job", { id: "3", dataset: "1", status: "Bidding" }], ["Dataset", { id: "1", owner: BOB }]),
    ]);
  });

  describe("when entities changed the values they were indexed under", () => {
    it("answers equality and _in filters at every block", () => {
      assert.deepEqual([1, 2, 3, 4].map((at) => idsOf(store, JOBS, { dataset: "1" }, at)), [["1"], ["1"], [], ["3"]]);
      assert.deepEqual([1, 2, 3, 4].map((at) => idsOf(store, JOBS, { provider: ALICE.toUpperCase().replace("0X", "0x") }, at)), [[], ["1"], [], []]);
      assert.deepEqual([1, 2, 3, 4].map((at) => idsOf(store, JOBS, { status_in: ["Bidding", "Finalized"] }, at)), [["1", "2"], ["2"], ["2"], ["2", "3"]]);
      assert.deepEqual([1, 4].map((at) => idsOf(store, JOBS, { id_in: ["3", "1", "1", "9"] }, at)), [["1"], ["1", "3"]]);
      assert.deepEqual([1, 4].map((at) => idsOf(store, DATASETS, { owner: BOB }, at)), [["2"], ["1", "2"]]);
      assert.deepEqual(idsOf(store, JOBS, { dataset: "2", price_lt: "8" }, 4), ["1"], "an indexed condition with one the index does not serve");
    });

    it("answers nested, derived, and / or filters at every block", () => {
      assert.deepEqual([2, 3].map((at) => idsOf(store, BIDS, { job_: { dataset: "2" } }, at)), [[], ["b1", "b2"]]);
      assert.deepEqual([2, 3].map((at) => idsOf(store, BIDS, { job_: { provider: BOB, status: "Assigned" } }, at)), [[], ["b1"]]);
      assert.deepEqual([1, 2, 3].map((at) => idsOf(store, DATASETS, { jobs_: { status: "Assigned" } }, at)), [[], ["1"], ["2"]]);
      assert.deepEqual([2, 4].map((at) => idsOf(store, JOBS, { or: [{ provider: ALICE }, { dataset: "1" }] }, at)), [["1"], ["3"]]);
      assert.deepEqual([2, 3].map((at) => idsOf(store, JOBS, { and: [{ dataset: "2" }, { status: "Assigned" }] }, at)), [[], ["1"]]);
      assert.deepEqual(idsOf(store, BIDS, { job_: { id_in: ["2"] }, provider: BOB }, 4), ["b2"]);
    });

    it("resolves derived fields as of the parent's block", () => {
      const query = "query ($at: Int) { datasets(block: { number: $at }, orderBy: id) { id jobs(orderBy: id) { id bids { id } } } }";
      const at = (n: number) => run(store, query, { at: n }).datasets;
      assert.deepEqual(at(2), [
        { id: "1", jobs: [{ id: "1", bids: [{ id: "b1" }] }] },
        { id: "2", jobs: [{ id: "2", bids: [] }] },
      ]);
      assert.deepEqual(at(4), [
        { id: "1", jobs: [{ id: "3", bids: [] }] },
        { id: "2", jobs: [{ id: "1", bids: [{ id: "b1" }] }, { id: "2", bids: [{ id: "b2" }] }] },
      ]);
    });
  });

  describe("when blocks are reverted", () => {
    it("answers from the remaining versions", async () => {
      const reverted = await openEntityStore({ schema });
      await reverted.writeBlocks([
        block(1, ["Dataset", { id: "1", owner: ALICE }], ["Job", { id: "1", dataset: "1", status: "Assigned", provider: ALICE }]),
        block(2, ["Job", { id: "1", dataset: "1", status: "Assigned", provider: BOB }], ["Bid", { id: "b1", job: "1", provider: BOB, price: "1" }]),
      ]);
      assert.deepEqual(idsOf(reverted, JOBS, { provider: BOB }, 2), ["1"]);
      assert.deepEqual(idsOf(reverted, BIDS, { job_: { provider: BOB } }, 2), ["b1"]);
      await reverted.revertTo(1);
      await reverted.writeBlocks([block(2, ["Job", { id: "2", dataset: "1", status: "Bidding", provider: BOB }])]);
      assert.deepEqual(idsOf(reverted, JOBS, { provider: BOB }, 2), ["2"]);
      assert.deepEqual(idsOf(reverted, JOBS, { provider: ALICE }, 2), ["1"]);
      assert.deepEqual(idsOf(reverted, BIDS, { job_: { provider: BOB } }, 2), []);
      assert.deepEqual(run(reverted, '{ dataset(id: "1") { jobs(orderBy: id) { id provider } } }').dataset.jobs, [
        { id: "1", provider: ALICE },
        { id: "2", provider: BOB },
      ]);
    });
  });

  describe("when the same query text comes again", () => {
    it("answers it as the first time, errors included, per schema", async () => {
      const query = '{ jobs(where: { dataset: "2" }, orderBy: id) { id price } }';
      assert.deepEqual(run(store, query), run(store, query));
      assert.deepEqual(run(store, query).jobs, [
        { id: "1", price: "7" },
        { id: "2", price: null },
      ]);
      const invalid = "{ jobs { id nope } }";
      for (let i = 0; i < 2; i++) assert.match(runGraphQL(graphql, { store, deployment: "test" }, { query: invalid }).errors![0]!.message, /Cannot query field "nope"/);
      for (let i = 0; i < 2; i++) assert.match(runGraphQL(graphql, { store, deployment: "test" }, { query: "{ jobs { id " }).errors![0]!.message, /Syntax Error/);
      // Another schema without Job.price: the text cached for the first one is checked anew.
      const withoutPrice = parseSubgraphSchema(schema.source.replace("price: BigInt bids", "bids"));
      const other = buildSubgraphGraphQLSchema(withoutPrice);
      const otherStore = await openEntityStore({ schema: withoutPrice });
      await otherStore.writeBlocks([block(1)]);
      assert.match(runGraphQL(other, { store: otherStore, deployment: "test" }, { query }).errors![0]!.message, /Cannot query field "price"/);
      assert.deepEqual(run(otherStore, "{ jobs { id } }", undefined, other), { jobs: [] });
    });

    it("checks its variables on every request", () => {
      const query = "query ($id: ID!) { job(id: $id) { status } }";
      assert.deepEqual(run(store, query, { id: "2" }), { job: { status: "Bidding" } });
      assert.match(runGraphQL(graphql, { store, deployment: "test" }, { query }).errors![0]!.message, /Variable "\$id" of required type "ID!" was not provided/);
      assert.deepEqual(run(store, query, { id: "3" }), { job: { status: "Bidding" } });
    });
  });
});
