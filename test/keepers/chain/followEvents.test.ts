import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { toHex, type Address } from "viem";
import { mnemonicToAccount, privateKeyToAddress, generatePrivateKey } from "viem/accounts";
import { followEvents } from "../../../keepers/src/chain/followEvents.ts";
import { connectProtocol, type ProtocolConnection } from "../../../keepers/src/chain/protocolContracts.ts";
import { VeritrainError } from "../../../keepers/src/errors.ts";
import { createRoleHealth, type HealthReport, type RoleHealth } from "../../../keepers/src/runtime/roleHealth.ts";
import { serveHttp } from "../../../keepers/src/runtime/serveHttp.ts";
import { waitFor } from "../../../keepers/src/devnet/waitFor.ts";
import { startFaultyRpcProxy, type FaultyRpcProxy } from "../../harness/faultyRpcProxy.ts";
import { startLocalChain, type LocalChain } from "../../harness/localChain.ts";

const silent = pino({ level: "silent" });
const deployerKey = toHex(mnemonicToAccount("test test test test test test test test test test test junk").getHdKey().privateKey!);

/** A Transfer event as the loop hands it over. */
type Transfer = { args: { to: Address; value: bigint }; blockNumber: bigint; logIndex: number };

describe("followEvents: the event loop every role runs", { timeout: 180_000 }, () => {
  let chain: LocalChain;
  let deployer: ProtocolConnection;
  let work: string;

  before(async () => {
    chain = await startLocalChain();
    deployer = await connectProtocol({ rpcUrl: chain.rpcUrl, privateKey: deployerKey, addresses: chain.addresses });
    work = mkdtempSync(join(tmpdir(), "veritrain-follow-"));
  });
  after(async () => {
    await chain?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Token transfers of `values` wei to `to`, one transaction (and block) each; returns `to`. */
  const transfers = async (to: Address, ...values: bigint[]) => {
    for (const value of values) await deployer.send(() => deployer.contracts.VeritrainToken.write.transfer([to, value]));
    return to;
  };
  /** A recipient no other test sends to: each test follows only its own transfers. */
  const fresh = () => privateKeyToAddress(generatePrivateKey());
  /** Runs the loop over the token's Transfer events to `to` until `stop` is called. */
  const follow = ({ connection = deployer, dataDir, to, handle, attempts = 5, health, idlePollMs }: { connection?: ProtocolConnection; dataDir: string; to: Address; handle: (event: Transfer) => Promise<void>; attempts?: number; health?: RoleHealth; idlePollMs?: number }) => {
    const controller = new AbortController();
    const token = connection.contracts.VeritrainToken;
    const done = followEvents({
      chain: connection,
      address: [token.address],
      abi: token.abi,
      eventName: ["Transfer"],
      role: "test",
      dataDir,
      log: silent,
      signal: controller.signal,
      health,
      attempts,
      pollMs: 50,
      idlePollMs,
      retryDelayMs: 50,
      maxRetryDelayMs: 400,
      handle: async (event) => {
        if (event.eventName === "Transfer" && event.args.to === to) await handle(event as unknown as Transfer);
      },
    });
    return {
      done,
      async stop() {
        controller.abort();
        await done;
      },
    };
  };
  const cursorOf = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, "test.cursor.json"), "utf8")) as { nextBlock: string; nextLogIndex: number };

  it("polls less while no event comes: the delay doubles from pollMs up to idlePollMs, and an event brings it back", async () => {
    const polls: { at: number; block: bigint }[] = [];
    const publicClient = new Proxy(deployer.publicClient, {
      get: (target, key) =>
        key === "getBlockNumber"
          ? async () => {
              const block = await target.getBlockNumber();
              polls.push({ at: performance.now(), block });
              return block;
            }
          : Reflect.get(target, key),
    });
    const to = fresh();
    const handled: Transfer[] = [];
    const loop = follow({ connection: { ...deployer, publicClient }, dataDir: join(work, "idle"), to, idlePollMs: 1_000, handle: async (event) => void handled.push(event) });
    // Empty blocks all along, as the devnet's interval mining makes: new blocks with no event do not count.
    const mining = setInterval(() => void deployer.publicClient.request({ method: "evm_mine" as never, params: [] as never }), 100);
    try {
      await waitFor("the loop idle for 2 polls at its longest delay", () => polls.length >= 8, { timeoutMs: 60_000, pollMs: 50 });
      const gaps = polls.slice(1).map((poll, i) => poll.at - polls[i]!.at);
      // 50 ms after the first poll (it caught up from block 0 over the deployment's transfers), then doubled while no
      // transfer comes: 100, 200, 400, 800, then 1,000 each (a sleep is never shorter than asked).
      [50, 100, 200, 400, 800, 1_000, 1_000].forEach((least, i) => assert.ok(gaps[i]! >= least - 5, `idle gap ${i} of ${Math.round(gaps[i]!)} ms is at least ${least} ms`));

      await transfers(to, 7n);
      await waitFor("the transfer handled", () => handled.length === 1, { timeoutMs: 30_000, pollMs: 20 });
      const seen = polls.findIndex((poll) => poll.block >= handled[0]!.blockNumber);
      await waitFor("the poll after the one that handled the transfer", () => polls.length > seen + 1, { timeoutMs: 30_000, pollMs: 20 });
      assert.ok(polls[seen + 1]!.at - polls[seen]!.at < 1_000, "an event brings the delay back to pollMs");
    } finally {
      clearInterval(mining);
      await loop.stop();
    }
  });

  it("starts a new keeper at the deployment block: no event before it is handled, no log before it is asked for", async () => {
    const to = await transfers(fresh(), 1n, 2n);
    const [, second] = await deployer.publicClient.getContractEvents({ address: deployer.contracts.VeritrainToken.address, abi: deployer.contracts.VeritrainToken.abi, eventName: "Transfer", args: { to }, fromBlock: 0n });
    const asked: bigint[] = [];
    const publicClient = new Proxy(deployer.publicClient, {
      get: (target, key) =>
        key === "getLogs"
          ? (parameters: { fromBlock: bigint }) => {
              asked.push(parameters.fromBlock);
              return target.getLogs(parameters as never);
            }
          : Reflect.get(target, key),
    });
    const handled: bigint[] = [];
    const loop = follow({ connection: { ...deployer, publicClient, deploymentBlock: second!.blockNumber }, dataDir: join(work, "deployment-block"), to, handle: async ({ args }) => void handled.push(args.value) });
    try {
      await waitFor("the second transfer handled", () => handled.length > 0, { timeoutMs: 30_000, pollMs: 20 });
      assert.deepEqual(handled, [2n]);
      assert.equal(asked[0], second!.blockNumber, "the first eth_getLogs starts at the deployment block");
    } finally {
      await loop.stop();
    }
  });

  describe("when a handler throws", () => {
    it("keeps the cursor before the event, retries it with backoff, then goes on in chain order", async () => {
      const dataDir = join(work, "retry");
      const to = await transfers(fresh(), 1n, 2n, 3n);
      const handled: bigint[] = [];
      const failures: { at: number; cursor: ReturnType<typeof cursorOf>; block: bigint; logIndex: number }[] = [];
      const loop = follow({
        dataDir,
        to,
        handle: async ({ args, blockNumber, logIndex }) => {
          if (args.value === 2n && failures.length < 3) {
            failures.push({ at: performance.now(), cursor: cursorOf(dataDir), block: blockNumber, logIndex });
            throw new VeritrainError("not yet", { code: "TEST_FAILURE" });
          }
          handled.push(args.value);
        },
      });
      await waitFor("the three transfers handled", () => handled.length === 3, { timeoutMs: 30_000, pollMs: 20 });
      await loop.stop();
      assert.deepEqual(handled, [1n, 2n, 3n], "each once, in chain order, the failed one before the next");
      for (const { cursor, block, logIndex } of failures) {
        const next = BigInt(cursor.nextBlock);
        assert.ok(next < block || (next === block && cursor.nextLogIndex <= logIndex), `the persisted cursor (${next}:${cursor.nextLogIndex}) is not past the failing event (${block}:${logIndex})`);
      }
      const gaps = failures.slice(1).map((f, i) => f.at - failures[i]!.at);
      assert.ok(gaps[0]! >= 45 && gaps[1]! >= 95, `backoff: ${gaps.map(Math.round).join(", ")} ms between attempts`);
      assert.ok(!existsSync(join(dataDir, "test.dead-letters.jsonl")) || readFileSync(join(dataDir, "test.dead-letters.jsonl"), "utf8") === "", "nothing dead-lettered");
    });
  });

  describe("when a handler keeps throwing", () => {
    it("dead-letters the event after the bound, reports it at /healthz, and a restart resumes from the persisted cursor", async () => {
      const dataDir = join(work, "dead-letter");
      const to = await transfers(fresh(), 4n, 5n, 6n);
      const handled: bigint[] = [];
      let calls = 0;
      const health = createRoleHealth("test");
      const server = await serveHttp({ port: 0, health, log: silent });
      try {
        const first = follow({
          dataDir,
          to,
          attempts: 3,
          health,
          handle: async ({ args }) => {
            if (args.value === 5n) {
              calls++;
              throw new VeritrainError("the handler cannot do this", { code: "TEST_FAILURE" });
            }
            handled.push(args.value);
          },
        });
        await waitFor("the event after the failing one", () => handled.includes(6n), { timeoutMs: 30_000, pollMs: 20 });
        assert.deepEqual(handled, [4n, 6n]);
        assert.equal(calls, 3, "three attempts, then given up");
        const letters = readFileSync(join(dataDir, "test.dead-letters.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
        assert.equal(letters.length, 1);
        assert.equal(letters[0].work.event, "Transfer");
        assert.equal(letters[0].work.args.value, "5");
        assert.equal(letters[0].attempts, 3);
        assert.deepEqual(letters[0].error, { code: "TEST_FAILURE", message: "the handler cannot do this" });

        const healthz = async () => {
          const response = await fetch(`${server.url}/healthz`);
          return { status: response.status, body: (await response.json()) as HealthReport };
        };
        const { status, body } = await waitFor("a caught-up health report", async () => {
          const answer = await healthz();
          return answer.body.lag === 0 && answer;
        }, { timeoutMs: 10_000, pollMs: 20 });
        assert.equal(status, 200, "degraded still answers 200: the role is alive");
        assert.equal(body.status, "degraded");
        assert.equal(body.role, "test");
        assert.equal(body.deadLetters, 1);
        assert.equal(body.cursor, Number(await deployer.publicClient.getBlockNumber()) + 1);
        assert.deepEqual(body.tasks, { running: [], queued: [] });
        await first.stop();
        assert.equal((await healthz()).status, 503, "a stopped loop is not healthy");

        // Restarted on the same data dir: nothing handled twice, the dead letter still reported.
        const again: bigint[] = [];
        const restartedHealth = createRoleHealth("test");
        const second = follow({ dataDir, to, health: restartedHealth, handle: async ({ args }) => void again.push(args.value) });
        await waitFor("the restarted loop at the head", () => restartedHealth.report().status !== "starting", { timeoutMs: 10_000, pollMs: 20 });
        assert.equal(restartedHealth.report().deadLetters, 1);
        await transfers(to, 7n);
        await waitFor("the new event", () => again.length > 0, { timeoutMs: 10_000, pollMs: 20 });
        await sleep(200);
        await second.stop();
        assert.deepEqual(again, [7n], "only the new event: those before the persisted cursor are not handled again");
      } finally {
        await server.close();
      }
    });

    it("resumes at the failing event after a restart, not after it and not before it", async () => {
      const dataDir = join(work, "restart");
      const to = await transfers(fresh(), 8n, 9n);
      const firstRun: bigint[] = [];
      const first = follow({
        dataDir,
        to,
        attempts: 1_000,
        handle: async ({ args }) => {
          if (args.value === 9n) throw new VeritrainError("down for now", { code: "TEST_FAILURE" });
          firstRun.push(args.value);
        },
      });
      await waitFor("event 8 handled", () => firstRun.length === 1, { timeoutMs: 30_000, pollMs: 20 });
      await sleep(200);
      await first.stop();
      const secondRun: bigint[] = [];
      const second = follow({ dataDir, to, handle: async ({ args }) => void secondRun.push(args.value) });
      await waitFor("event 9 handled", () => secondRun.length === 1, { timeoutMs: 30_000, pollMs: 20 });
      await sleep(200);
      await second.stop();
      assert.deepEqual(firstRun, [8n]);
      assert.deepEqual(secondRun, [9n], "9 handled once, 8 not again");
      assert.ok(!existsSync(join(dataDir, "test.dead-letters.jsonl")));
    });
  });

  describe("when the chain's RPC stops answering for longer than viem's retries", () => {
    let proxy: FaultyRpcProxy;
    before(async () => {
      proxy = await startFaultyRpcProxy({ upstream: chain.rpcUrl });
    });
    after(() => proxy?.close());

    it("pauses, says unreachable at /healthz, dead-letters nothing, and catches up with every event once", async () => {
      const dataDir = join(work, "outage");
      const viaProxy = await connectProtocol({ rpcUrl: proxy.url, privateKey: deployerKey, addresses: chain.addresses });
      const health = createRoleHealth("test");
      const handled: bigint[] = [];
      const to = await transfers(fresh(), 10n);
      // The handler reads the chain, as every role's does: during the outage that read fails too.
      const loop = follow({
        connection: viaProxy,
        dataDir,
        to,
        health,
        attempts: 1,
        handle: async ({ args }) => {
          await viaProxy.contracts.VeritrainToken.read.balanceOf([to]);
          handled.push(args.value);
        },
      });
      let settled = false;
      void loop.done.finally(() => (settled = true));
      await waitFor("the first event", () => handled.length === 1, { timeoutMs: 30_000, pollMs: 20 });
      proxy.setFaults({ outage: "refuse" });
      await transfers(to, 11n, 12n);
      await sleep(12_000); // viem alone gives up after ~8 s (5 retries from 250 ms, doubling)
      assert.equal(health.report().status, "unreachable");
      assert.ok(health.report().error, "the RPC error is reported");
      assert.equal(settled, false, "the loop is still running");
      proxy.setFaults({});
      await waitFor("the events of the outage", () => handled.length >= 3, { timeoutMs: 60_000, pollMs: 50 });
      await waitFor("ok again", () => health.report().status === "ok", { timeoutMs: 10_000, pollMs: 50 });
      await loop.stop();
      assert.deepEqual(handled, [10n, 11n, 12n], "every event once, in order");
      assert.ok(proxy.counters().refused > 0, "the outage refused requests");
      assert.ok(!existsSync(join(dataDir, "test.dead-letters.jsonl")) || readFileSync(join(dataDir, "test.dead-letters.jsonl"), "utf8") === "");
    });
  });
});
