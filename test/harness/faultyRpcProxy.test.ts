import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPublicClient, createWalletClient, http, parseEther, type PublicClient } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { startFaultyRpcProxy, type FaultyRpcProxy } from "./faultyRpcProxy.ts";
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
    // No retries of viem's own: each call meets the fault once.
    viaProxy = createPublicClient({ transport: http(proxy.url, { retryCount: 0, timeout: 1_000 }) });
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
    await assert.rejects(viaProxy.getBlockNumber({ cacheTime: 0 }), { name: "TimeoutError" });
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
});
