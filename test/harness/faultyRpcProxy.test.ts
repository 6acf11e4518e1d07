import assert from "node:assert/strict";
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { after, before, describe, it } from "node:test";
import { createPublicClient, createWalletClient, http, parseEther, type PublicClient } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { startFaultyRpcProxy, type FaultyRpcProxy } from "./faultyRpcProxy.ts";
import { startFaultyRpcProxyThread } from "./faultyRpcProxyThread.ts";
import { startLocalChain, type LocalChain } from "./localChain.ts";

const account = mnemonicToAccount("test test test test test test test test test test test junk");

describe("faultyRpcProxy (test harness)", { timeout: 120_000 }, () => {
  let chain: LocalChain;
  let proxy: FaultyRpcProxy;
  let direct: PublicClient;
  let viaProxy: PublicClient;

  before(async () => {
    chain = await startLocalChain();
    proxy = await startFaultyRpcProxy({ upstream: chain.rpcUrl });
    direct = createPublicClient({ transport: http(chain.rpcUrl) });
    // No retries of viem's own: each call meets the fault once. The bound is wide: in CI this file runs beside
    // devnetFaults' ~30 keeper processes, where a plain pass-through took over 1 s.
    viaProxy = createPublicClient({ transport: http(proxy.url, { retryCount: 0, timeout: 30_000 }) });
  });
  after(async () => {
    await proxy?.close();
    await chain?.close();
  });

  it("passes requests through and counts them", async () => {
    proxy.setFaults({});
    const before = proxy.counters();
    assert.equal(await viaProxy.getChainId(), 31337);
    assert.deepEqual(proxy.counters(), { ...before, requests: before.requests + 1, forwarded: before.forwarded + 1 });
  });

  it("refuses every connection during an outage, and black-holes requests until the client times out", async () => {
    proxy.setFaults({ outage: "refuse" });
    await assert.rejects(viaProxy.getBlockNumber({ cacheTime: 0 }), { name: "HttpRequestError" });
    proxy.setFaults({ outage: "blackhole" });
    const impatient = createPublicClient({ transport: http(proxy.url, { retryCount: 0, timeout: 1_000 }) });
    await assert.rejects(impatient.getBlockNumber({ cacheTime: 0 }), { name: "TimeoutError" });
    proxy.setFaults({});
    const { refused, blackholed } = proxy.counters();
    assert.ok(refused >= 1 && blackholed >= 1);
  });

  it("delays, resets and drops answers, only for the methods named", async () => {
    proxy.setFaults({ delayMs: 300, methods: ["eth_blockNumber"] });
    const started = performance.now();
    await viaProxy.getBlockNumber({ cacheTime: 0 });
    assert.ok(performance.now() - started >= 290, "delayed");
    await viaProxy.getChainId();
    assert.equal(proxy.counters().delayed, 1, "eth_chainId was not delayed");

    proxy.setFaults({ resetRate: 1 });
    await assert.rejects(viaProxy.getChainId(), { name: "HttpRequestError" });
    assert.equal(proxy.counters().reset, 1);

    // A dropped answer: the node acted on the transaction, the client never heard back.
    proxy.setFaults({ dropRate: 1, methods: ["eth_sendRawTransaction"] });
    const wallet = createWalletClient({ account, chain: { id: 31337, name: "local", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [proxy.url] } } }, transport: http(proxy.url, { retryCount: 0 }) });
    const nonce = await direct.getTransactionCount({ address: account.address });
    await assert.rejects(wallet.sendTransaction({ to: account.address, value: parseEther("1"), nonce }));
    assert.equal(await direct.getTransactionCount({ address: account.address }), nonce + 1, "the transaction was mined");
    assert.equal(proxy.counters().dropped, 1);
    proxy.setFaults({});
    assert.equal(await viaProxy.getChainId(), 31337, "a clean pass-through again");
  });

  it("runs on its own thread: the faults set by message, applied while the test's thread is blocked", async () => {
    const threaded = await startFaultyRpcProxyThread({ upstream: chain.rpcUrl });
    try {
      const client = createPublicClient({ transport: http(threaded.url, { retryCount: 0, timeout: 30_000 }) });
      assert.equal(await client.getChainId(), 31337);
      await threaded.setFaults({ outage: "refuse" });
      // A client on another thread asks while this one is blocked for 1.5 s: it is refused before
      // the block ends (the upstream, in this thread, is not needed for that).
      const other = new Worker(
        `const { parentPort, workerData } = require("node:worker_threads");
         parentPort.once("message", async () => {
           const refused = await fetch(workerData.url, { method: "POST", body: "{}" }).then(() => false, () => true);
           parentPort.postMessage({ at: Date.now(), refused });
         });
         parentPort.postMessage("ready");`,
        { eval: true, workerData: { url: threaded.url } },
      );
      await once(other, "message");
      const answered = once(other, "message");
      other.postMessage("go");
      const blockedUntil = Date.now() + 1_500;
      while (Date.now() < blockedUntil);
      const [{ at, refused }] = (await answered) as [{ at: number; refused: boolean }];
      await other.terminate();
      assert.ok(refused, "the outage refused the connection");
      assert.ok(at < blockedUntil, `refused ${blockedUntil - at} ms before this thread was free again`);
      await threaded.setFaults({});
      assert.equal(await client.getChainId(), 31337, "a clean pass-through again");
      assert.deepEqual(await threaded.counters(), { requests: 3, forwarded: 2, refused: 1, blackholed: 0, reset: 0, dropped: 0, delayed: 0 });
    } finally {
      await threaded.close();
    }
  });
});
