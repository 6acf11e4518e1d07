/**
 * The audit trail and CLI against the runner's GraphQL server over a store indexed (by the
 * harness) from a real protocol run on the in-process Hardhat network.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { parseEther } from "viem";
import { fetchAuditTrail, formatAuditTrail } from "../../../keepers/src/audit/auditTrail.ts";
import { buildSubgraphGraphQLSchema } from "../../../keepers/src/indexer/graphqlSchema.ts";
import { startGraphQLServer, type GraphQLServer } from "../../../keepers/src/indexer/graphqlServer.ts";
import { networkHelpers, ORDER, viem, withSubmittedJob } from "../../contracts/fixture.ts";
import { contractsOf, indexChain, schema } from "../indexer/harness.ts";

const run = promisify(execFile);

describe("audit trail", () => {
  let server: GraphQLServer;
  let p: Awaited<ReturnType<typeof withFinalizedJob>>;

  /** Job 1 finalized after its window; dataset 1 active. */
  async function withFinalizedJob() {
    const q = await withSubmittedJob();
    await networkHelpers.time.increase(ORDER.challengeWindow);
    await q.jobRegistry.write.finalize([q.jobId]);
    return q;
  }

  before(async () => {
    p = await networkHelpers.loadFixture(withFinalizedJob);
    const store = await indexChain(await viem.getPublicClient(), contractsOf(p));
    server = await startGraphQLServer({ schema: buildSubgraphGraphQLSchema(schema), context: () => ({ store, deployment: "test" }), port: 0 });
  });

  after(async () => server?.close());

  it("reconstructs a job from post to payout", async () => {
    const trail = await fetchAuditTrail({ url: server.url, subject: { kind: "job", id: "1" } });
    assert.deepEqual(trail.history.map((entry) => entry.event), ["JobPost", "Bid", "AuctionSettlement", "Result", "JobFinalization"]);
    const job = trail.state.job as Record<string, unknown>;
    assert.equal(job.status, "Finalized");
    assert.equal(job.payment, String(parseEther("600")));
    assert.deepEqual(trail.history[1]!.fields, { provider: p.providerA.account.address.toLowerCase(), price: String(parseEther("600")) });
    const text = formatAuditTrail(trail);
    assert.match(text, /JobFinalization +provider=0x[0-9a-f]{40} payment=600 VTT refund=400 VTT/);
  });

  it("reconstructs a dataset and a provider", async () => {
    const dataset = await fetchAuditTrail({ url: server.url, subject: { kind: "dataset", id: "1" } });
    assert.deepEqual(dataset.history.map((entry) => entry.event), ["DatasetRegistration", "PlacementRequest", "Placement", "Placement", "DatasetActivation"]);
    const holder = (dataset.state.dataset as { columns: { holder: string }[] }).columns[0]!.holder;
    const provider = await fetchAuditTrail({ url: server.url, subject: { kind: "provider", id: holder.toUpperCase().replace("0X", "0x") } });
    assert.deepEqual(provider.history.map((entry) => entry.event), ["StakeDeposit", "StakeLock", "ProviderJoin", "Placement"]);
    assert.equal((provider.state.storageProvider as { active: boolean }).active, true);
  });

  it("lets web pages of any origin query it (CORS), as graph-node does", async () => {
    const preflight = await fetch(server.url, { method: "OPTIONS", headers: { origin: "http://127.0.0.1:9546", "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
    assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
    const answer = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json", origin: "http://127.0.0.1:9546" }, body: JSON.stringify({ query: "{ jobs { id } }" }) });
    assert.equal(answer.headers.get("access-control-allow-origin"), "*");
    assert.deepEqual(await answer.json(), { data: { jobs: [{ id: "1" }] } });
  });

  it("rejects bad subjects and reports unknown ones and unreachable subgraphs", async () => {
    await assert.rejects(fetchAuditTrail({ url: server.url, subject: { kind: "provider", id: "0x12" } }), { code: "AUDIT_INVALID_ARGUMENT" });
    await assert.rejects(fetchAuditTrail({ url: server.url, subject: { kind: "job", id: "one" } }), { code: "AUDIT_INVALID_ARGUMENT" });
    await assert.rejects(fetchAuditTrail({ url: server.url, subject: { kind: "job", id: "99" } }), { code: "AUDIT_NOT_FOUND" });
    await assert.rejects(fetchAuditTrail({ url: "http://127.0.0.1:9/subgraphs/name/veritrain", subject: { kind: "job", id: "1" }, timeoutMs: 2000 }), { code: "AUDIT_QUERY_FAILED" });
  });

  it("prints the trail from the CLI, as text and as --json", { timeout: 60_000 }, async () => {
    const cli = new URL("../../../keepers/src/cli.ts", import.meta.url).pathname;
    const text = await run(process.execPath, [cli, "audit", "--url", server.url, "job", "1"]);
    assert.match(text.stdout, /^job 1\n/);
    assert.match(text.stdout, /history \(5 events\):/);
    const json = JSON.parse((await run(process.execPath, [cli, "audit", "--url", server.url, "--json", "dataset", "1"])).stdout);
    assert.equal(json.state.dataset.status, "Active");
  });
});
