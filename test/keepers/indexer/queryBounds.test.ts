/**
 * The bounds of every query (graph-node's): depth and complexity refused before execution,
 * `first` / `skip` at resolution, result entities and time while executing, each at its boundary
 * (the limit passes, one past it fails); `_change_block` returning exactly the entities changed
 * at or after a block; the `veritrain indexer` flags that set the bounds.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { before, describe, it } from "node:test";
import { promisify } from "node:util";
import { parse } from "graphql";
import type { VeritrainError } from "../../../keepers/src/errors.ts";
import { openEntityStore, type EntityStore } from "../../../keepers/src/indexer/entityStore.ts";
import { buildSubgraphGraphQLSchema } from "../../../keepers/src/indexer/graphqlSchema.ts";
import { runGraphQL } from "../../../keepers/src/indexer/graphqlServer.ts";
import { measureQuery } from "../../../keepers/src/indexer/measureQuery.ts";
import { DEFAULT_QUERY_BOUNDS, type QueryBounds } from "../../../keepers/src/indexer/queryBounds.ts";
import { createQueryBudget } from "../../../keepers/src/indexer/queryBudget.ts";
import { ALICE, BOB, block, schema } from "./storeFixture.ts";

const graphql = buildSubgraphGraphQLSchema(schema);

type Answer = { data?: any; errors?: readonly { message: string }[] };

function answer(store: EntityStore, query: string, bounds: Partial<QueryBounds> = {}, variables?: Record<string, unknown>): Answer {
  const { data, errors } = runGraphQL(graphql, { store, deployment: "test" }, { query, variables }, { bounds: { ...DEFAULT_QUERY_BOUNDS, ...bounds } });
  return { ...(data === undefined ? {} : { data: JSON.parse(JSON.stringify(data)) }), ...(errors ? { errors } : {}) };
}

/** The answer's data, failing on any error. */
function passes(store: EntityStore, query: string, bounds: Partial<QueryBounds> = {}, variables?: Record<string, unknown>): any {
  const { data, errors } = answer(store, query, bounds, variables);
  assert.equal(errors, undefined, JSON.stringify(errors));
  return data;
}

/** Asserts the answer is exactly one error matching `message`, without data. */
function fails(store: EntityStore, query: string, message: RegExp, bounds: Partial<QueryBounds> = {}, variables?: Record<string, unknown>): void {
  const { data, errors } = answer(store, query, bounds, variables);
  assert.equal(errors?.length, 1, JSON.stringify(errors));
  assert.match(errors[0]!.message, message);
  assert.equal(data?.datasets ?? data?.jobs ?? data?.bids, undefined, "no data next to a bound's error");
}

const measure = (query: string, variables?: Record<string, unknown>, maxDepth = 255) => measureQuery({ schema: graphql, document: parse(query), variables, maxDepth });

/** The shape: entity → derived list → entity → … seven selection sets deep. */
const FAN_OUT = "{ datasets { jobs { dataset { jobs { dataset { jobs { id } } } } } } }";

describe("query bounds", () => {
  let store: EntityStore;

  before(async () => {
    store = await openEntityStore({ schema });
    await store.writeBlocks([
      block(1, ["Dataset", { id: "1", owner: ALICE }], ["Dataset", { id: "2", owner: BOB }], ["Job", { id: "1", dataset: "1", status: "Bidding" }], ["Job", { id: "2", dataset: "2", status: "Bidding" }]),
      block(2, ["Job", { id: "1", dataset: "1", status: "Assigned", provider: ALICE, price: "9" }], ["Bid", { id: "b1", job: "1", provider: ALICE, price: "9" }]),
      block(3, ["Bid", { id: "b2", job: "2", provider: BOB, price: "3" }], ["Dataset", { id: "2", owner: ALICE }]),
      block(4, ["Job", { id: "3", dataset: "1", status: "Bidding" }]),
    ]);
  });

  describe("when a query is measured before it runs (graph-node's depth and complexity)", () => {
    it("counts selection sets as depth, a fragment opening one", () => {
      assert.equal(measure("{ datasets { id } }").depth, 2);
      assert.equal(measure(FAN_OUT).depth, 7);
      assert.equal(measure("{ datasets { ...D } } fragment D on Dataset { jobs { id } }").depth, 4);
      assert.equal(measure("{ datasets { ... on Dataset { id } } }").depth, 3);
      assert.deepEqual(measure(FAN_OUT, undefined, 5), { depth: 6, complexity: 0 }, "measuring stops past maxDepth");
    });

    it("sums first + first × inner over list fields, with literal, variable and default first", () => {
      assert.equal(measure("{ datasets { id } }").complexity, 100);
      assert.equal(measure("{ datasets(first: 10) { jobs(first: 5) { id } } }").complexity, 10 + 10 * 5);
      assert.equal(measure("query ($n: Int) { datasets(first: $n) { jobs(first: 5) { id } } }", { n: 11 }).complexity, 11 + 11 * 5);
      assert.equal(measure("{ bids(first: 3) { job { dataset { id } } } }").complexity, 3, "a reference is not a list");
      assert.equal(measure("{ a: datasets(first: 2) { ...J } b: datasets(first: 3) { ...J } } fragment J on Dataset { jobs(first: 4) { id } }").complexity, 2 + 2 * 4 + 3 + 3 * 4);
      assert.equal(measure(FAN_OUT).complexity, 101_010_100);
      assert.equal(measure("{ __schema { types { fields { name } } } }").complexity, 0, "introspection is not counted");
    });
  });

  describe("when a query is too deep or too complex", () => {
    it("refuses a depth past maxDepth and runs one at it", () => {
      const query = "{ datasets(orderBy: id) { jobs(orderBy: id) { bids { id } } } }";
      assert.deepEqual(passes(store, query, { maxDepth: 4 }).datasets[0].jobs[0].bids, [{ id: "b1" }]);
      fails(store, query, /^query has a depth that exceeds the limit of `3` \(the indexer's --max-query-depth\)/, { maxDepth: 3 });
    });

    it("refuses a complexity past maxComplexity and runs one at it, variables counted", () => {
      const query = "query ($n: Int) { datasets(first: $n) { jobs(first: 5) { id } } }";
      assert.equal(passes(store, query, { maxComplexity: 60 }, { n: 10 }).datasets.length, 2);
      fails(store, query, /^query potentially returns `66` entities or more and thereby exceeds the limit of `60` entities \(the indexer's --max-complexity\)\. Possible solutions/, { maxComplexity: 60 }, { n: 11 });
    });

    it("refuses the issue's depth-7 fan-out under the default bounds, and runs the normal nested queries", () => {
      fails(store, FAN_OUT, /potentially returns `101010100` entities or more and thereby exceeds the limit of `10000000`/);
      assert.equal(passes(store, "{ datasets { id jobs { id bids { id } } } }").datasets.length, 2, "three nested collections at the default first pass");
    });
  });

  describe("when a collection asks for too much", () => {
    it("bounds first and skip at their maxima", () => {
      assert.equal(passes(store, "{ jobs(first: 1000, skip: 5000) { id } }").jobs.length, 0);
      fails(store, "{ jobs(first: 1001) { id } }", /^The `first` argument must be between 0 and 1000, but is 1001$/);
      fails(store, "{ jobs(skip: 5001) { id } }", /^The `skip` argument must be between 0 and 5000, but is 5001$/);
      assert.equal(passes(store, "{ jobs(first: 2, skip: 1) { id } }", { maxFirst: 2, maxSkip: 1 }).jobs.length, 2);
      fails(store, "{ jobs(first: 3) { id } }", /between 0 and 2, but is 3/, { maxFirst: 2 });
      fails(store, "{ datasets { jobs(skip: 2) { id } } }", /The `skip` argument must be between 0 and 1, but is 2/, { maxSkip: 1 });
    });
  });

  describe("when the answer grows past maxEntities", () => {
    it("counts collections, nested lists and references, and stops one entity past the limit", () => {
      const query = "{ datasets { id jobs { id bids { id job { id } } } } }"; // 2 datasets, 3 jobs, 2 bids, 2 bid.job
      assert.equal(passes(store, query, { maxEntities: 9 }).datasets.length, 2);
      fails(store, query, /^the result has more than 8 entities, the allowed limit \(the indexer's --max-result-entities\): narrow it/, { maxEntities: 8 });
      assert.equal(passes(store, '{ job(id: "1") { id } }', { maxEntities: 1 }).job.id, "1");
      fails(store, '{ a: job(id: "1") { id } b: job(id: "2") { id } }', /more than 1 entities/, { maxEntities: 1 });
    });
  });

  describe("when a query runs out of time", () => {
    it("stops at the first clock read past the deadline, not before", () => {
      let clock = 0;
      const budget = createQueryBudget({ bounds: { ...DEFAULT_QUERY_BOUNDS, timeoutMs: 10 }, now: () => clock });
      clock = 10;
      budget.charge(1);
      for (let i = 0; i < 1000; i++) budget.tick();
      assert.equal(budget.exceeded, undefined, "at the deadline");
      clock = 10.5;
      let ticks = 0;
      assert.throws(
        () => {
          for (; ticks < 1000; ticks++) budget.tick();
        },
        (error: VeritrainError) => error.code === "INDEXER_QUERY_TIMEOUT" && /^Query timed out after 10 ms \(the indexer's --query-timeout\): narrow it/.test(error.message),
      );
      assert.ok(ticks < 64, `stopped after ${ticks} ticks`);
      assert.throws(() => budget.charge(0), /timed out/, "every later call throws the same error");
    });

    it("stops a long scan at its time-out, and the same query runs with time to spare", async () => {
      const big = await openEntityStore({ schema });
      const jobs = Array.from({ length: 20_000 }, (_, i): [string, Record<string, unknown>] => ["Job", { id: String(i), dataset: "1", status: "Bidding", price: String(i) }]);
      await big.writeBlocks([block(1, ["Dataset", { id: "1", owner: ALICE }], ...jobs)]);
      const query = '{ datasets { jobs(where: { price_gt: "100", price_lt: "150" }) { id } } jobs(where: { price_gte: "19990" }) { id } }';
      const started = performance.now();
      fails(big, query, /^Query timed out after 1 ms/, { timeoutMs: 1 });
      assert.ok(performance.now() - started < 1_000, "the time-out ends the scan");
      const data = passes(big, query);
      assert.equal(data.datasets[0].jobs.length, 49);
      assert.equal(data.jobs.length, 10);
    });
  });

  describe("_change_block: { number_gte }", () => {
    const changed = (query: string, variables?: Record<string, unknown>) => {
      const data = passes(store, query, {}, variables);
      return (Object.values(data)[0] as { id: string }[]).map((e) => e.id);
    };
    const JOBS = "query ($n: Int!, $at: Int) { jobs(where: { _change_block: { number_gte: $n } }, block: { number: $at }, orderBy: id) { id } }";

    it("returns exactly the entities whose latest change is at or after the block", () => {
      assert.deepEqual([1, 2, 3, 4, 5].map((n) => changed(JOBS, { n })), [["1", "2", "3"], ["1", "3"], ["3"], ["3"], []]);
      assert.deepEqual(changed('{ datasets(where: { _change_block: { number_gte: 2 } }) { id } }'), ["2"]);
      assert.deepEqual(changed('{ bids(where: { _change_block: { number_gte: 3 } }) { id } }'), ["b2"]);
    });

    it("reads the latest change as of the queried block", () => {
      assert.deepEqual(changed(JOBS, { n: 2, at: 2 }), ["1"]);
      assert.deepEqual(changed(JOBS, { n: 2, at: 1 }), []);
      assert.deepEqual(changed('{ datasets(where: { _change_block: { number_gte: 2 } }, block: { number: 2 }) { id } }'), []);
    });

    it("combines with other filters, nested filters and derived fields", () => {
      assert.deepEqual(changed('{ jobs(where: { dataset: "1", _change_block: { number_gte: 2 } }, orderBy: id) { id } }'), ["1", "3"]);
      assert.deepEqual(changed("{ bids(where: { job_: { _change_block: { number_gte: 2 } } }) { id } }"), ["b1"]);
      assert.deepEqual(changed("{ jobs(where: { or: [{ _change_block: { number_gte: 4 } }, { status: Assigned }] }, orderBy: id) { id } }"), ["1", "3"]);
      const data = passes(store, "{ datasets(orderBy: id) { id jobs(where: { _change_block: { number_gte: 4 } }) { id } } }");
      assert.deepEqual(data.datasets, [{ id: "1", jobs: [{ id: "3" }] }, { id: "2", jobs: [] }]);
    });
  });

  describe("veritrain indexer", () => {
    const cli = (...args: string[]) => promisify(execFile)(process.execPath, ["keepers/src/cli.ts", "indexer", ...args], { cwd: new URL("../../../", import.meta.url).pathname, timeout: 60_000 });

    it("documents every bound as a flag with its default", async () => {
      const { stdout } = await cli("--help");
      for (const [flag, value] of [["--max-query-depth", "255"], ["--max-complexity", "10000000"], ["--max-first", "1000"], ["--max-skip", "5000"], ["--query-timeout", "10"], ["--max-result-entities", "100000"]]) {
        assert.match(stdout.replace(/\s+/g, " "), new RegExp(`${flag} <[a-z]+> .*?\\(default: "${value}"\\)`), flag);
      }
    });

    it("refuses a bound that is not a number", async () => {
      await assert.rejects(cli("--max-first", "ten"), (error: { stderr: string }) => /--max-first must be an integer ≥ 0, got "ten"/.test(error.stderr));
    });
  });
});
