/**
 * Issue 17's query of death on a real indexed chain: a nested fan-out (dataset → its derived
 * jobs → each job's dataset → …) over the GraphQL server. Under the default bounds it is refused
 * before it runs; with the complexity bound lifted, deeper fan-outs are stopped while running by
 * the result-size cap and by the time-out. Each answer is a GraphQL error within a few seconds,
 * memory stays bounded, and the server answers the next query.
 */
import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import { buildSubgraphGraphQLSchema } from "../../../keepers/src/indexer/graphqlSchema.ts";
import { startGraphQLServer, type GraphQLServer } from "../../../keepers/src/indexer/graphqlServer.ts";
import { DEFAULT_QUERY_BOUNDS, type QueryBounds } from "../../../keepers/src/indexer/queryBounds.ts";
import type { EntityStore } from "../../../keepers/src/indexer/entityStore.ts";
import { networkHelpers, postJob, viem, withStakedProviders } from "../../contracts/fixture.ts";
import { contractsOf, indexChain, schema } from "./harness.ts";

/** Jobs posted on dataset 1: each `jobs` level of the fan-out multiplies the answer by this. */
const JOBS = 40;

/** `levels` × (dataset → jobs) below `datasets`, ending in `jobs { id }`: 2 × levels + 1 selection sets. */
const fanOut = (levels: number) => `{ datasets { ${"jobs { dataset { ".repeat(levels - 1)}jobs { id }${" } }".repeat(levels - 1)} } }`;

async function withJobs() {
  const p = await withStakedProviders();
  for (let i = 0; i < JOBS; i++) await postJob(p);
  return p;
}

type Answer = { data?: any; errors?: { message: string }[] };

/** POSTs `query`, timing the answer and the process's resident memory growth over it. */
async function timed(url: string, query: string, t?: TestContext): Promise<{ answer: Answer; ms: number; rssGrowthMb: number }> {
  const rss = process.memoryUsage().rss;
  const started = performance.now();
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  assert.equal(response.status, 200, "graph-node answers query errors with 200");
  const answer = (await response.json()) as Answer;
  const ms = performance.now() - started;
  const rssGrowthMb = (process.memoryUsage().rss - rss) / 2 ** 20;
  t?.diagnostic(`answered in ${ms.toFixed(0)} ms, resident memory +${rssGrowthMb.toFixed(0)} MB`);
  return { answer, ms, rssGrowthMb };
}

/** The number of jobs in `dataset 1 { jobs { id } }`: the normal query the server must still answer. */
async function normalQuery(url: string): Promise<number> {
  const { answer } = await timed(url, '{ dataset(id: "1") { id jobs(first: 1000) { id status } } _meta { block { number } } }');
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  return answer.data.dataset.jobs.length;
}

describe("a nested fan-out query on a real indexed chain", () => {
  let store: EntityStore;
  const servers: GraphQLServer[] = [];
  const serve = async (bounds: QueryBounds) => {
    const server = await startGraphQLServer({ schema: buildSubgraphGraphQLSchema(schema), context: () => ({ store, deployment: "test" }), port: 0, bounds });
    servers.push(server);
    return server.url;
  };

  before(async () => {
    const p = await networkHelpers.loadFixture(withJobs);
    store = await indexChain(await viem.getPublicClient(), contractsOf(p));
    assert.equal(store.all("Job").length, JOBS);
  });

  after(async () => {
    for (const server of servers) await server.close();
  });

  it("refuses the issue's depth-7 fan-out at once under the default bounds, then answers a normal query", async (t) => {
    const url = await serve(DEFAULT_QUERY_BOUNDS);
    const query = fanOut(3);
    assert.equal(query, "{ datasets { jobs { dataset { jobs { dataset { jobs { id } } } } } } }");
    const { answer, ms, rssGrowthMb } = await timed(url, query, t);
    assert.deepEqual(answer.data, undefined);
    assert.match(answer.errors![0]!.message, /^query potentially returns `101010100` entities or more and thereby exceeds the limit of `10000000` entities/);
    // Seconds on a loaded CI machine (1.3 s beside a devnet); evaluating it would take the gigabytes and minutes.
    assert.ok(ms < 5_000, `refused in ${ms.toFixed(0)} ms`);
    assert.ok(rssGrowthMb < 64, `resident memory grew ${rssGrowthMb.toFixed(0)} MB`);
    assert.equal(await normalQuery(url), JOBS);
  });

  it("stops a deeper fan-out at the result-size cap while it runs, then answers a normal query", async (t) => {
    const url = await serve({ ...DEFAULT_QUERY_BOUNDS, maxComplexity: Number.MAX_SAFE_INTEGER });
    // 40⁴ = 2,560,000 jobs unbounded: the gigabytes.
    const { answer, ms, rssGrowthMb } = await timed(url, fanOut(4), t);
    assert.equal(answer.data, undefined);
    assert.match(answer.errors![0]!.message, /^the result has more than 100000 entities, the allowed limit/);
    assert.ok(ms < 5_000, `stopped in ${ms.toFixed(0)} ms`);
    assert.ok(rssGrowthMb < 512, `resident memory grew ${rssGrowthMb.toFixed(0)} MB`);
    assert.equal(await normalQuery(url), JOBS);
  });

  it("stops a deeper fan-out at the time-out while it runs, then answers a normal query", async (t) => {
    const url = await serve({ ...DEFAULT_QUERY_BOUNDS, maxComplexity: Number.MAX_SAFE_INTEGER, maxEntities: Number.MAX_SAFE_INTEGER, timeoutMs: 1_000 });
    const { answer, ms, rssGrowthMb } = await timed(url, fanOut(4), t);
    assert.equal(answer.data, undefined);
    assert.match(answer.errors![0]!.message, /^Query timed out after 1000 ms \(the indexer's --query-timeout\)/);
    assert.ok(ms >= 1_000 && ms < 5_000, `stopped in ${ms.toFixed(0)} ms`);
    assert.ok(rssGrowthMb < 1024, `resident memory grew ${rssGrowthMb.toFixed(0)} MB`);
    assert.equal(await normalQuery(url), JOBS);
  });
});
