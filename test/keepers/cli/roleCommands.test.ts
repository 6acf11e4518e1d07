import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { fundDevAccounts } from "../../../keepers/src/devnet/devAccounts.ts";
import { startKeeperProcess, type KeeperProcess } from "../../../keepers/src/devnet/keeperProcess.ts";
import type { HealthReport } from "../../../keepers/src/runtime/roleHealth.ts";
import { startFaultyRpcProxy } from "../../harness/faultyRpcProxy.ts";
import { startProtocolFixture, type ProtocolFixture } from "../../harness/protocolFixture.ts";

const cli = new URL("../../../keepers/src/cli.ts", import.meta.url).pathname;
/** Each role as its own `veritrain` process, with the account it runs as and its flags. */
const ROLES = [
  { role: "automation", account: 1, args: (vrfMock: string) => ["automation", "--vrf-mock", vrfMock, "--health-port", "0"] },
  { role: "compute", account: 2, args: () => ["compute", "--health-port", "0"] },
  { role: "challenger", account: 3, args: () => ["challenger", "--health-port", "0"] },
  { role: "validator", account: 4, args: () => ["validator", "--health-port", "0"] },
  { role: "storage", account: 5, args: () => ["storage", "--port", "0", "--no-prover-tables", "--health-port", "0"] },
  { role: "relay", account: 6, args: () => ["relay", "--port", "0"] },
] as const;

describe("role commands: GET /healthz on every role", { timeout: 300_000 }, () => {
  let fixture: ProtocolFixture;
  const keepers: KeeperProcess[] = [];

  before(async () => {
    fixture = await startProtocolFixture();
  });
  after(async () => {
    await Promise.all(keepers.map((keeper) => keeper.stop()));
    await fixture?.close();
  });

  it("documents --health-port in every role's --help", async () => {
    const roles = ROLES.filter(({ role }) => role !== "relay").map(({ role }) => role);
    const helps = await Promise.all(roles.map((role) => promisify(execFile)(process.execPath, [cli, role, "--help"], { encoding: "utf8" })));
    for (const [i, { stdout }] of helps.entries()) assert.match(stdout, /--health-port <port>/, `${roles[i]} --help`);
  });

  it("answers 200 with the role's status, cursor, lag, dead letters and tasks once it follows the chain", async () => {
    const deploymentFile = fixture.chain.writeDeployment(join(fixture.work, "deployed_addresses.json"));
    for (const { role, account, args } of ROLES) {
      keepers.push(startKeeperProcess({ name: role, args: args(fixture.chain.addresses.VRFCoordinatorV2_5Mock), privateKey: fixture.keyOf(account), directory: fixture.work, rpcUrl: fixture.chain.rpcUrl, deploymentFile }));
    }
    const head = Number(await (await fixture.connect(0)).publicClient.getBlockNumber());
    for (const keeper of keepers) {
      // Port 0: each says where it listens.
      const listening = await keeper.waitForLog(keeper.name === "relay" ? "verdict relay listening" : "health endpoint listening", { timeoutMs: 120_000 });
      const url = keeper.name === "relay" ? `${listening.url}/healthz` : String(listening.url);
      const report = await waitForOk(url);
      assert.equal(report.role, keeper.name);
      assert.equal(report.deadLetters, 0);
      assert.deepEqual(report.tasks, { running: [], queued: [] });
      if (keeper.name === "relay") {
        assert.deepEqual([report.cursor, report.lag], [null, null], "the relay follows no events");
      } else {
        assert.equal(report.lag, 0, `${keeper.name} caught up`);
        assert.ok(report.lastBlock! >= head && report.cursor === report.lastBlock! + 1, `${keeper.name}: cursor ${report.cursor} after block ${report.lastBlock}`);
      }
      // compute and challenger follow distributed jobs in a second loop, reported beside the first.
      const rounds = report.loops?.rounds;
      if (keeper.name === "compute" || keeper.name === "challenger") {
        assert.deepEqual([rounds?.role, rounds?.status, rounds?.deadLetters], [`${keeper.name}-rounds`, "ok", 0], `${keeper.name}'s rounds loop`);
      } else {
        assert.equal(rounds, undefined, `${keeper.name} runs one loop`);
      }
    }
  });

  it("starts while the RPC refuses every connection: stays up, says unreachable, and follows the chain once it answers", async () => {
    const account = 7;
    const { ValidatorCommittee } = (await fixture.connect(0)).contracts;
    await fundDevAccounts({ deployer: await fixture.connect(0), accounts: [(await fixture.connect(account)).account.address], tokens: (await ValidatorCommittee.read.config()).validatorStake });
    const proxy = await startFaultyRpcProxy({ upstream: fixture.chain.rpcUrl, faults: { outage: "refuse" } });
    const deploymentFile = fixture.chain.writeDeployment(join(fixture.work, "deployed_addresses.json"));
    const validator = startKeeperProcess({ name: "validator-outage", args: ["validator", "--join", "--port", "0", "--health-port", "0"], privateKey: fixture.keyOf(account), directory: fixture.work, rpcUrl: proxy.url, deploymentFile });
    keepers.push(validator);
    try {
      const url = String((await validator.waitForLog("health endpoint listening", { timeoutMs: 60_000 })).url);
      await validator.waitForLog("chain unreachable while starting; retrying", { timeoutMs: 60_000 });
      const during = await fetch(url);
      assert.equal(((await during.json()) as HealthReport).status, "unreachable");
      assert.ok(validator.running(), "the keeper did not exit");
      proxy.setFaults({});
      const report = await waitForOk(url);
      assert.equal(report.role, "validator");
      await validator.waitForLog("joined the validator committee", { timeoutMs: 60_000 });
      assert.ok(proxy.counters().refused > 0);
    } finally {
      await validator.stop();
      await proxy.close();
    }
  });
});

/** GETs `url` until it answers 200, and returns the report. */
async function waitForOk(url: string): Promise<HealthReport> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const response = await fetch(url).catch(() => undefined);
    if (response?.status === 200) return (await response.json()) as HealthReport;
    await response?.body?.cancel();
    assert.ok(Date.now() < deadline, `${url} did not answer 200 (last: ${response?.status})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
