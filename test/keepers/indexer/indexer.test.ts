/**
 * The local subgraph runner against a `hardhat node` on 127.0.0.1 with the protocol deployed
 * (startDevnet): GraphQL with The Graph's conventions, restart without re-indexing, a real reorg
 * (evm_snapshot / evm_revert, then different blocks) undone, malformed queries answered with
 * GraphQL errors.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { nonceManager, parseEther, toHex, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { connectProtocol, type ProtocolConnection } from "../../../keepers/src/chain/protocolContracts.ts";
import { startDevnet, type Devnet } from "../../../keepers/src/devnet/startDevnet.ts";
import { startIndexer, type Indexer } from "../../../keepers/src/indexer/indexer.ts";
import { DEFAULT_QUERY_BOUNDS } from "../../../keepers/src/indexer/queryBounds.ts";

const PORT = 8598;
const log = pino({ level: "silent" });
const keyOf = (index: number): Hex => toHex(mnemonicToAccount("test test test test test test test test test test test junk", { addressIndex: index }).getHdKey().privateKey!);

async function query(url: string, body: unknown): Promise<{ data?: any; errors?: { message: string }[] }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  assert.equal(response.status, 200);
  return (await response.json()) as never;
}

describe("local subgraph runner on a devnet", { timeout: 300_000 }, () => {
  let devnet: Devnet;
  let dataDir: string;
  let indexer: Indexer | undefined;
  let deployer: ProtocolConnection;
  const stakers: ProtocolConnection[] = [];

  // Every query of this suite is at most 4 selection sets deep: the bound reaches the server.
  const start = () => startIndexer({ rpcUrl: devnet.rpcUrl, addresses: devnet.addresses, dataDir, port: 0, pollMs: 50, queryBounds: { ...DEFAULT_QUERY_BOUNDS, maxDepth: 4 }, log });
  const stakeFrom = async (staker: ProtocolConnection, amount: bigint) => {
    await staker.send(() => staker.contracts.VeritrainToken.write.approve([staker.contracts.StakeManager.address, amount]));
    return staker.send(() => staker.contracts.StakeManager.write.stake([amount]));
  };
  const chainHead = async () => Number(await deployer.publicClient.getBlockNumber({ cacheTime: 0 }));

  before(async () => {
    devnet = await startDevnet({ port: PORT, log });
    dataDir = await mkdtemp(join(tmpdir(), "veritrain-indexer-"));
    deployer = await connectProtocol({ rpcUrl: devnet.rpcUrl, privateKey: keyOf(0), addresses: devnet.addresses });
    for (let i = 1; i <= 3; i++) {
      const staker = await connectProtocol({ rpcUrl: devnet.rpcUrl, privateKey: keyOf(i), addresses: devnet.addresses });
      await deployer.send(() => deployer.contracts.VeritrainToken.write.transfer([staker.account.address, parseEther("1000")]));
      stakers.push(staker);
    }
    await stakeFrom(stakers[0]!, parseEther("100"));
    await stakeFrom(stakers[1]!, parseEther("200"));
    await stakeFrom(stakers[1]!, parseEther("50"));
    await stakeFrom(stakers[2]!, parseEther("300"));
    indexer = await start();
    await indexer.waitForBlock(await chainHead());
  });

  after(async () => {
    await indexer?.stop();
    await devnet?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  describe("GraphQL with The Graph's query conventions", () => {
    it("answers a single entity by id, and null for an unknown id", async () => {
      const address = stakers[1]!.account.address;
      const { data, errors } = await query(indexer!.url, {
        query: "query ($id: ID!) { account(id: $id) { id available locked } nobody: account(id: \"0x00\") { id } }",
        variables: { id: address },
      });
      assert.equal(errors, undefined);
      assert.deepEqual(data.account, { id: address.toLowerCase(), available: String(parseEther("250")), locked: "0" });
      assert.equal(data.nobody, null);
    });

    it("filters, orders and pages collections", async () => {
      const { data, errors } = await query(indexer!.url, {
        query: `{
          big: stakeDeposits(where: { amount_gte: "200000000000000000000" }, orderBy: amount, orderDirection: desc) { amount }
          some: stakeDeposits(where: { account_in: ["${stakers[0]!.account.address.toLowerCase()}", "${stakers[2]!.account.address.toLowerCase()}"] }, orderBy: blockNumber) { amount }
          paged: stakeDeposits(orderBy: blockNumber, first: 2, skip: 1) { amount }
          either: stakeDeposits(where: { or: [{ amount: "50000000000000000000" }, { amount: "300000000000000000000" }] }, orderBy: amount) { amount }
          notNone: accounts(where: { available_not: "0", unbonding: "0" }, first: 10) { id }
        }`,
      });
      assert.equal(errors, undefined);
      const amounts = (list: { amount: string }[]) => list.map((entry) => BigInt(entry.amount) / 10n ** 18n);
      assert.deepEqual(amounts(data.big), [300n, 200n]);
      assert.deepEqual(amounts(data.some), [100n, 300n]);
      assert.deepEqual(amounts(data.paged), [200n, 50n]);
      assert.deepEqual(amounts(data.either), [50n, 300n]);
      assert.equal(data.notNone.length, 3);
    });

    it("travels in time with block: { number } and reports _meta", async () => {
      // The devnet mines a block a second: _meta may be past the head read just before the query.
      const head = await chainHead();
      await indexer!.waitForBlock(head);
      const deposits = (await query(indexer!.url, { query: "{ stakeDeposits(orderBy: blockNumber) { blockNumber amount } _meta { block { number hash } hasIndexingErrors } }" })).data;
      assert.ok(deposits._meta.block.number >= head && deposits._meta.block.number <= (await chainHead()));
      assert.equal(deposits._meta.block.hash, (await deployer.publicClient.getBlock({ blockNumber: BigInt(deposits._meta.block.number) })).hash);
      assert.equal(deposits._meta.hasIndexingErrors, false);
      const second = Number(deposits.stakeDeposits[1].blockNumber);
      const { data } = await query(indexer!.url, {
        query: `query ($id: ID!, $n: Int!) { account(id: $id, block: { number: $n }) { available } stakeDeposits(block: { number: $n }) { amount } }`,
        variables: { id: stakers[1]!.account.address, n: second },
      });
      assert.deepEqual(data.account, { available: String(parseEther("200")) });
      assert.equal(data.stakeDeposits.length, 2);
      const future = await query(indexer!.url, { query: `{ accounts(block: { number: ${head + 1000} }) { id } }` });
      assert.match(future.errors![0]!.message, /only indexed up to block number/);
    });

    it("answers malformed requests with GraphQL errors and keeps serving", async () => {
      const cases: [unknown, RegExp][] = [
        ["{ accounts { id ", /not JSON/],
        [{ query: "{ accounts { id " }, /Syntax Error/],
        [{ query: "{ accounts { nope } }" }, /Cannot query field "nope"/],
        [{ query: "{ accounts(where: { nope_gt: 1 }) { id } }" }, /nope_gt/],
        [{ query: "{ accounts(first: 5000) { id } }" }, /between 0 and 1000/],
        [{ query: "{ jobs { dataset { jobs { dataset { id } } } } }" }, /^query has a depth that exceeds the limit of `4`/],
        [{ query: '{ accounts(where: { available_gt: "ten" }) { id } }' }, /BigInt cannot represent/],
        [{ query: "query ($id: ID!) { account(id: $id) { id } }" }, /Variable "\$id" of required type "ID!" was not provided/],
        [{ variables: {} }, /no `query` string/],
        [{ query: "{ _meta { block { number } } }", variables: [1] }, /`variables` must be an object/],
      ];
      for (const [body, expected] of cases) {
        const answer = typeof body === "string" ? await fetch(indexer!.url, { method: "POST", body }).then((r) => r.json() as Promise<any>) : await query(indexer!.url, body);
        assert.match(answer.errors?.[0]?.message ?? "(no error)", expected, JSON.stringify(body));
      }
      const after = await query(indexer!.url, { query: "{ _meta { block { number } } }" });
      assert.equal(typeof after.data._meta.block.number, "number");
    });
  });

  describe("when the runner restarts", () => {
    it("resumes from its persisted head without re-indexing and keeps every entity", async () => {
      const before = (await query(indexer!.url, { query: "{ stakeDeposits(first: 1000) { id } accounts { id available } }" })).data;
      // The devnet mines a block a second: the head to compare is the one the stopped runner persisted.
      const stopped = indexer!;
      indexer = undefined;
      await stopped.stop();
      const head = stopped.store.head()!.number;
      await stakeFrom(stakers[0]!, parseEther("5"));
      indexer = await start();
      assert.equal(indexer.store.head()!.number, head, "the head was persisted");
      assert.equal(indexer.store.all("StakeDeposit").length, before.stakeDeposits.length, "entities are there before any new block is indexed");
      await indexer.waitForBlock(await chainHead());
      assert.equal(indexer.events(), 1, "only the new deposit's event was handled after the restart");
      const now = (await query(indexer.url, { query: "{ stakeDeposits(first: 1000) { id } }" })).data;
      assert.equal(now.stakeDeposits.length, before.stakeDeposits.length + 1);
    });

    it("refuses a data directory made for another deployment", async () => {
      await assert.rejects(
        startIndexer({ rpcUrl: devnet.rpcUrl, addresses: devnet.addresses, startBlock: 1, dataDir: join(dataDir, "other"), port: 0, log }).then((other) =>
          other.stop().then(() => startIndexer({ rpcUrl: devnet.rpcUrl, addresses: devnet.addresses, startBlock: 2, dataDir: join(dataDir, "other"), port: 0, log })),
        ),
        (error: Error & { code?: string }) => error.code === "INDEXER_STORE_MISMATCH",
      );
    });
  });

  describe("when the chain reorganises", () => {
    it("undoes the abandoned blocks' entities and indexes the new ones", async () => {
      const client = deployer.publicClient;
      const staker = stakers[2]!;
      const snapshot = (await client.request({ method: "evm_snapshot" } as never)) as Hex;
      const abandoned = await stakeFrom(staker, parseEther("7"));
      await indexer!.waitForBlock(Number(abandoned.blockNumber));
      const staked = abandoned.logs.find((entry) => entry.address.toLowerCase() === devnet.addresses.StakeManager.toLowerCase())!;
      const abandonedId = `${abandoned.transactionHash}${staked.logIndex.toString(16).padStart(8, "0")}`;
      assert.notEqual(indexer!.store.get("StakeDeposit", abandonedId), null);
      assert.equal(await client.request({ method: "evm_revert", params: [snapshot] } as never), true);
      nonceManager.reset({ address: staker.account.address, chainId: await client.getChainId() });
      // The new fork is longer than the abandoned one and carries a different deposit.
      await client.request({ method: "evm_mine" } as never);
      const replacement = await stakeFrom(staker, parseEther("11"));
      await client.request({ method: "evm_mine" } as never);
      const head = await chainHead();
      await indexer!.waitForBlock(head);
      for (let i = 0; i < 100 && indexer!.store.head()!.hash !== (await client.getBlock({ blockNumber: BigInt(head) })).hash; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(indexer!.store.get("StakeDeposit", abandonedId), null, "the abandoned deposit is gone");
      const { data } = await query(indexer!.url, {
        query: `query ($id: ID!, $tx: Bytes!) { account(id: $id) { available } stakeDeposits(where: { transactionHash: $tx }) { amount blockNumber } }`,
        variables: { id: staker.account.address, tx: replacement.transactionHash },
      });
      assert.deepEqual(data.stakeDeposits, [{ amount: String(parseEther("11")), blockNumber: String(replacement.blockNumber) }]);
      const onChain = await staker.contracts.StakeManager.read.stakeOf([staker.account.address]);
      assert.equal(data.account.available, String(onChain.available));
    });
  });
});
