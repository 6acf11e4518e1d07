import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRoleHealth } from "../../../keepers/src/runtime/roleHealth.ts";

const following = { phase: "following", cursor: 10n, lastBlock: 10n, lag: 0n } as const;

describe("createRoleHealth", () => {
  it("reports a role with one loop without `loops`", () => {
    const health = createRoleHealth("relay");
    assert.equal(health.report().status, "starting");
    health.update(following);
    assert.deepEqual(health.report(), { status: "ok", role: "relay", cursor: 10, lastBlock: 10, lag: 0, deadLetters: 0, tasks: { running: [], queued: [] } });
  });

  it("nests a second loop under `loops` and is as healthy as its least healthy loop", () => {
    const health = createRoleHealth("compute");
    const rounds = health.loop("rounds");
    assert.equal(health.loop("rounds"), rounds, "one loop per name");
    health.update(following);
    assert.equal(health.report().status, "starting", "the rounds loop has not reached the head yet");
    rounds.update({ ...following, cursor: 9n, lag: 1n });
    const report = health.report();
    assert.equal(report.status, "ok");
    assert.deepEqual(report.loops, { rounds: { status: "ok", role: "compute-rounds", cursor: 9, lastBlock: 10, lag: 1, deadLetters: 0, tasks: { running: [], queued: [] } } });
    rounds.update({ deadLetters: 2 });
    assert.equal(health.report().status, "degraded", "the rounds loop's dead letters");
    health.update({ rpcError: "connection refused" });
    assert.equal(health.report().status, "unreachable", "worse than degraded");
    health.update({ rpcError: undefined });
    rounds.update({ deadLetters: 0, phase: "stopping" });
    assert.equal(health.report().status, "stopping");
  });
});
