import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createKeeperFleet, type KeeperCrash, type KeeperFleet } from "../../../keepers/src/devnet/keeperFleet.ts";
import { waitFor } from "../../../keepers/src/devnet/waitFor.ts";

const entry = new URL("../../fixtures/devnet/fakeKeeper.ts", import.meta.url).pathname;
const privateKey = `0x${"11".repeat(32)}` as const;

describe("keeper fleet supervision (a tiny child process per keeper)", () => {
  let directory: string;
  let fleet: KeeperFleet;
  const crashes: KeeperCrash[] = [];

  before(() => {
    directory = mkdtempSync(join(tmpdir(), "veritrain-fleet-"));
    fleet = createKeeperFleet({ directory, rpcUrl: "http://127.0.0.1:1", deploymentFile: "none", entry, onCrash: (crash) => crashes.push(crash), backoff: { baseDelayMs: 50, maxRestarts: 2 } });
  });
  after(async () => {
    await fleet.stopAll();
    rmSync(directory, { recursive: true, force: true });
  });

  describe("when a supervised keeper is killed from outside (e.g. the OOM killer)", () => {
    it("restarts it with the same name and reports the exit and the restart", async () => {
      const first = fleet.start({ name: "indexer", privateKey, args: () => ["run"], supervised: true });
      process.kill(first.pid, "SIGKILL");
      const second = await waitFor("the indexer's restart", () => fleet.get("indexer") !== first && fleet.get("indexer"), { timeoutMs: 10_000, pollMs: 20 });
      assert.ok(second.running());
      assert.notEqual(second.pid, first.pid);
      assert.deepEqual(crashes, [{ name: "indexer", exit: "SIGKILL", restart: 1 }]);
      assert.deepEqual(fleet.restarts(), { indexer: 1 });
    });
  });

  describe("when a supervised keeper keeps crashing", () => {
    it("restarts it with backoff and gives up after maxRestarts within the window, saying so", async () => {
      crashes.length = 0;
      fleet.start({ name: "storage-0", privateKey, args: () => ["exit", "134", "10"], supervised: true });
      await waitFor("the fleet to give up", () => crashes.find((crash) => crash.restart === undefined), { timeoutMs: 15_000, pollMs: 20 });
      assert.deepEqual(crashes, [
        { name: "storage-0", exit: "code 134", restart: 1 },
        { name: "storage-0", exit: "code 134", restart: 2 },
        { name: "storage-0", exit: "code 134", crashes: 3 },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(fleet.get("storage-0").running(), false, "not restarted after giving up");
      assert.equal(fleet.restarts()["storage-0"], 2);
    });
  });

  describe("when a keeper exits before it is healthy", () => {
    it("says in the error what the keeper logged last (the test's log directory may be gone when CI prints it)", async () => {
      const keeper = fleet.start({ name: "challenger", privateKey, args: () => ["fail", "listen EADDRINUSE 127.0.0.1:8646"], healthUrl: "http://127.0.0.1:9/healthz" });
      await assert.rejects(keeper.waitUntilHealthy({ timeoutMs: 10_000 }), (error: Error & { code?: string }) =>
        error.code === "DEVNET_KEEPER_FAILED" && /exited \(1\) before it was healthy \(it logged "keeper failed: listen EADDRINUSE 127\.0\.0\.1:8646"\); see /.test(error.message));
    });
  });

  describe("when a test kills or stops a keeper on purpose", () => {
    it("leaves it down until fleet.restart, which does not count as a crash restart", async () => {
      crashes.length = 0;
      const killed = fleet.start({ name: "compute", privateKey, args: () => ["run"], supervised: true });
      await killed.kill();
      const stopped = fleet.start({ name: "relay", privateKey, args: () => ["run"], supervised: true });
      await stopped.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(fleet.get("compute"), killed);
      assert.equal(fleet.get("relay"), stopped);
      assert.equal(killed.exitReason(), "SIGKILL");
      const restarted = await fleet.restart("compute");
      assert.ok(restarted.running());
      assert.deepEqual(crashes, []);
      assert.equal(fleet.restarts().compute, undefined);
    });
  });

  describe("when a one-shot command (not supervised) ends", () => {
    it("is not restarted, whatever its exit code", async () => {
      crashes.length = 0;
      const owner = fleet.start({ name: "owner", privateKey, args: () => ["exit", "1", "10"] });
      assert.equal(await owner.exited, 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(fleet.get("owner"), owner);
      assert.deepEqual(crashes, []);
    });
  });

  describe("when the fleet stops while a crashed keeper waits for its restart", () => {
    it("cancels the restart", async () => {
      crashes.length = 0;
      const automation = fleet.start({ name: "automation", privateKey, args: () => ["run"], supervised: true });
      process.kill(automation.pid, "SIGKILL");
      await automation.exited;
      await fleet.stopAll();
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(fleet.get("automation"), automation);
      assert.deepEqual(crashes, []);
    });

    it("starts nothing more, not even a test's deliberate restart (a chaos loop outliving its timed-out suite leaked a keeper holding its ports)", async () => {
      await assert.rejects(fleet.restart("automation"), (error: Error & { code?: string }) => error.code === "DEVNET_FLEET_STOPPED" && /keeper automation not started: the fleet is stopping/.test(error.message));
      assert.throws(() => fleet.start({ name: "late", privateKey, args: () => ["run"] }), (error: Error & { code?: string }) => error.code === "DEVNET_FLEET_STOPPED");
      assert.equal(fleet.has("late"), false);
    });
  });
});
