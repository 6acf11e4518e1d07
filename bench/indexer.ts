/**
 * Subgraph runner numbers on a devnet (hardhat node on 127.0.0.1 + the protocol via Ignition),
 * load from the real contracts (stakes from 8 accounts, then provider joins):
 *   - lag_s: how long after a transaction's receipt the runner has indexed its block (p95, live);
 *   - events_per_s: event logs indexed per second by a second runner catching up from genesis;
 *   - query_p50_ms / query_p95_ms: the audit CLI's queries (audit provider / job / dataset shapes);
 *   - bounds_check_us: the depth and complexity check run before each query (measureQuery), per
 *     audit query, in-process (the time and entity checks during execution are in query_*_ms).
 * The last line is one JSON object.
 *
 *   npm run bench:indexer [-- --transactions 400]
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { parse } from "graphql";
import { pino } from "pino";
import { parseEther, toHex, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { auditQuery, fetchAuditTrail, type AuditSubject } from "../keepers/src/audit/auditTrail.ts";
import { connectProtocol, type ProtocolConnection } from "../keepers/src/chain/protocolContracts.ts";
import { startDevnet } from "../keepers/src/devnet/startDevnet.ts";
import { buildSubgraphGraphQLSchema } from "../keepers/src/indexer/graphqlSchema.ts";
import { startIndexer } from "../keepers/src/indexer/indexer.ts";
import { measureQuery } from "../keepers/src/indexer/measureQuery.ts";
import { DEFAULT_QUERY_BOUNDS } from "../keepers/src/indexer/queryBounds.ts";
import { parseSubgraphSchema } from "../keepers/src/indexer/subgraphSchema.ts";

const options = new Command("bench:indexer")
  .option("--transactions <n>", "stake transactions sent during the live run", "400")
  .option("--queries <n>", "audit queries timed", "300")
  .option("--port <port>", "chain node port on 127.0.0.1", "8598")
  .parse()
  .opts<{ transactions: string; queries: string; port: string }>();

const log = pino({ level: "silent" });
const keyOf = (index: number): Hex => toHex(mnemonicToAccount("test test test test test test test test test test test junk", { addressIndex: index }).getHdKey().privateKey!);
const percentile = (values: number[], p: number) => {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/** Mean microseconds of the pre-execution bound check of each audit query shape (parsed once, as the server's cache keeps it). */
function boundsCheckMicros(): number {
  const schema = buildSubgraphGraphQLSchema(parseSubgraphSchema(readFileSync(new URL("../subgraph/schema.graphql", import.meta.url), "utf8")));
  const subjects: AuditSubject[] = [{ kind: "dataset", id: "1" }, { kind: "job", id: "1" }, { kind: "provider", id: `0x${"a1".padStart(40, "0")}` }];
  const documents = subjects.map((subject) => parse(auditQuery(subject)));
  const rounds = 2000;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) for (const document of documents) measureQuery({ schema, document, maxDepth: DEFAULT_QUERY_BOUNDS.maxDepth });
  return ((performance.now() - started) * 1000) / (rounds * documents.length);
}

const boundsCheckUs = boundsCheckMicros();
const devnet = await startDevnet({ port: Number(options.port), log });
const work = await mkdtemp(join(tmpdir(), "veritrain-bench-indexer-"));
try {
  const deployer = await connectProtocol({ rpcUrl: devnet.rpcUrl, privateKey: keyOf(0), addresses: devnet.addresses });
  const stakers: ProtocolConnection[] = [];
  for (let i = 1; i <= 8; i++) {
    const staker = await connectProtocol({ rpcUrl: devnet.rpcUrl, privateKey: keyOf(i), addresses: devnet.addresses });
    await deployer.send(() => deployer.contracts.VeritrainToken.write.transfer([staker.account.address, parseEther("100000")]));
    await staker.send(() => staker.contracts.VeritrainToken.write.approve([staker.contracts.StakeManager.address, parseEther("100000")]));
    stakers.push(staker);
  }
  const live = await startIndexer({ rpcUrl: devnet.rpcUrl, addresses: devnet.addresses, dataDir: join(work, "live"), port: 0, pollMs: 100, log });
  await live.waitForBlock(Number(await deployer.publicClient.getBlockNumber({ cacheTime: 0 })), 60_000);

  // Live: each staker sends its share in sequence; lag = receipt → runner's head past the block.
  const lags: number[] = [];
  const transactions = Number(options.transactions);
  await Promise.all(
    stakers.map(async (staker, s) => {
      for (let i = s; i < transactions; i += stakers.length) {
        const receipt = await staker.send(() => staker.contracts.StakeManager.write.stake([parseEther("1")]));
        const mined = performance.now();
        await live.waitForBlock(Number(receipt.blockNumber), 30_000);
        lags.push((performance.now() - mined) / 1000);
      }
    }),
  );
  const providerStake = await deployer.contracts.DatasetRegistry.read.providerStake();
  for (const staker of stakers) {
    await staker.send(() => staker.contracts.VeritrainToken.write.approve([staker.contracts.StakeManager.address, providerStake]));
    await staker.send(() => staker.contracts.StakeManager.write.stake([providerStake]));
    await staker.send(() => staker.contracts.DatasetRegistry.write.join([`/ip4/127.0.0.1/tcp/4001/p2p/${staker.account.address}`]));
  }
  const head = Number(await deployer.publicClient.getBlockNumber({ cacheTime: 0 }));
  await live.waitForBlock(head, 30_000);

  // Queries: the audit trail of each staker, plus the job/dataset shapes (empty subjects answer fast-fail, so use providers).
  const latencies: number[] = [];
  for (let i = 0; i < Number(options.queries); i++) {
    const started = performance.now();
    await fetchAuditTrail({ url: live.url, subject: { kind: "provider", id: stakers[i % stakers.length]!.account.address } });
    latencies.push(performance.now() - started);
  }
  const liveEvents = live.events();
  await live.stop();

  // Catch-up from genesis with a fresh store.
  const started = performance.now();
  const fresh = await startIndexer({ rpcUrl: devnet.rpcUrl, addresses: devnet.addresses, dataDir: join(work, "fresh"), port: 0, log });
  const opened = performance.now();
  await fresh.waitForBlock(head, 120_000);
  const catchUpSeconds = (performance.now() - opened) / 1000;
  const catchUpEvents = fresh.events();
  await fresh.stop();

  const result = {
    events_per_s: Math.round(catchUpEvents / catchUpSeconds),
    lag_s: Number(percentile(lags, 95).toFixed(3)),
    lag_p50_s: Number(percentile(lags, 50).toFixed(3)),
    query_p50_ms: Number(percentile(latencies, 50).toFixed(2)),
    query_p95_ms: Number(percentile(latencies, 95).toFixed(2)),
    bounds_check_us: Number(boundsCheckUs.toFixed(1)),
    events_indexed_live: liveEvents,
    catch_up_events: catchUpEvents,
    catch_up_s: Number(catchUpSeconds.toFixed(2)),
    store_open_s: Number(((opened - started) / 1000).toFixed(2)),
    blocks: head,
  };
  console.log(JSON.stringify(result));
} finally {
  await devnet.stop();
  await rm(work, { recursive: true, force: true });
}
