import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pino, type Logger } from "pino";
import { createPublicClient, http, type Address, type PublicClient } from "viem";
import { VeritrainError } from "../errors.ts";
import { retry } from "../runtime/retry.ts";
import { openEntityStore, type EntityStore } from "./entityStore.ts";
import { buildSubgraphGraphQLSchema } from "./graphqlSchema.ts";
import { startGraphQLServer } from "./graphqlServer.ts";
import { indexBlocks } from "./indexBlocks.ts";
import { loadMappings } from "./mappingHost.ts";
import type { QueryBounds } from "./queryBounds.ts";
import { openPgliteBackend, openPostgresBackend } from "./sqlBackend.ts";
import { SUBGRAPH_CONTRACTS, type SubgraphContractName } from "./subgraphContracts.ts";
import { parseSubgraphSchema } from "./subgraphSchema.ts";

/** Parameters of {@link startIndexer}. */
export type StartIndexerParameters = {
  /** JSON-RPC URL of the chain. */
  rpcUrl: string;
  /** Indexed contracts (a contract without an address is not indexed, e.g. StorageProofs before it is deployed). */
  addresses: Partial<Record<SubgraphContractName, Address>>;
  /** First block to index (the deployment block). @default 0 */
  startBlock?: number;
  /** Where the embedded database lives (`<dataDir>/pglite`). */
  dataDir: string;
  /** A PostgreSQL URL to use instead of the embedded database. */
  postgresUrl?: string;
  /** GraphQL port on 127.0.0.1 (0: any free port). @default 8000 */
  port?: number;
  /** Pause between polls once at the chain head. @default 1,000 */
  pollMs?: number;
  /** Most blocks fetched per step. @default 2000 */
  batchSize?: number;
  /** `graph build` output. @default subgraph/build */
  buildDir?: string;
  /** The bounds of every GraphQL query. @default DEFAULT_QUERY_BOUNDS */
  queryBounds?: QueryBounds;
  log?: Logger;
};

/** A running indexer. */
export type Indexer = {
  /** The GraphQL endpoint (`http://127.0.0.1:<port>/subgraphs/name/veritrain`). */
  url: string;
  store: EntityStore;
  /** Event logs handled since start. */
  events(): number;
  /** Resolves once block `number` is indexed (rejects after `timeoutMs`). */
  waitForBlock(number: number, timeoutMs?: number): Promise<void>;
  /** Stops polling (waiting for the running step), closes the server and the database. */
  stop(): Promise<void>;
};

const root = new URL("../../../", import.meta.url).pathname;

/**
 * The local subgraph runner: follows the chain from a persisted head, runs the built mapping
 * WASM on each block's event logs, keeps block-ranged entity versions (PGlite by default,
 * PostgreSQL with `postgresUrl`), undoes reorganised blocks, and serves the subgraph's GraphQL
 * API on 127.0.0.1.
 *
 * @example
 * const indexer = await startIndexer({ rpcUrl, addresses: devnet.addresses, dataDir: ".veritrain/indexer", port: 8000 });
 * // … query indexer.url …
 * await indexer.stop();
 */
export async function startIndexer({
  rpcUrl,
  addresses,
  startBlock = 0,
  dataDir,
  postgresUrl,
  port = 8000,
  pollMs = 1_000,
  batchSize = 2000,
  buildDir,
  queryBounds,
  log = pino({ level: "silent" }),
}: StartIndexerParameters): Promise<Indexer> {
  const source = readFileSync(join(root, "subgraph/schema.graphql"), "utf8");
  const subgraph = parseSubgraphSchema(source);
  const mappings = loadMappings({ schema: subgraph, ...(buildDir ? { buildDir } : {}) });
  const sources = new Map<Address, SubgraphContractName>();
  for (const name of SUBGRAPH_CONTRACTS) {
    const address = addresses[name];
    if (address) sources.set(address.toLowerCase() as Address, name);
  }
  if (sources.size === 0) throw new VeritrainError("the indexer needs at least one contract address", { code: "CONFIG_INVALID", details: { field: "addresses" } });
  // Batching sends the blocks indexBlocks fetches together (32 per commit) as one JSON-RPC request.
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 3, retryDelay: 200, batch: { batchSize: 32 } }) }) as PublicClient;
  const chainId = await client.getChainId();
  const deployment = JSON.stringify({
    chainId,
    startBlock,
    contracts: Object.fromEntries([...sources].map(([address, name]) => [name, address]).sort()),
    schema: createHash("sha256").update(source).digest("hex").slice(0, 16),
  });
  const backend = postgresUrl ? await openPostgresBackend(postgresUrl, log) : await openPgliteBackend(join(dataDir, "pglite"));
  let store: EntityStore;
  try {
    store = await openEntityStore({ schema: subgraph, backend, deployment });
  } catch (error) {
    await backend.close();
    throw error;
  }
  const deploymentId = `veritrain-${createHash("sha256").update(deployment).digest("hex").slice(0, 12)}`;
  let failing: unknown;
  const server = await startGraphQLServer({
    schema: buildSubgraphGraphQLSchema(subgraph),
    context: () => ({ store, deployment: deploymentId, hasIndexingErrors: failing !== undefined }),
    port,
    bounds: queryBounds,
    log,
  }).catch(async (error) => {
    await store.close();
    throw error;
  });
  log.info({ url: server.url, head: store.head()?.number, contracts: Object.fromEntries([...sources].map(([a, n]) => [n, a])) }, "indexer started");

  const controller = new AbortController();
  let events = 0;
  const loop = (async () => {
    while (!controller.signal.aborted) {
      // A failed step (the RPC down, a mapping trap) is retried from pollMs, doubling to 10 s; only the stop ends it.
      const step = await retry(() => indexBlocks({ client, sources, mappings, store, startBlock, batchSize, log }), {
        attempts: Infinity,
        delayMs: pollMs,
        maxDelayMs: 10_000,
        signal: controller.signal,
        onRetry: (error) => {
          failing = error;
          log.error({ err: error, head: store.head()?.number }, "indexing step failed; retrying");
        },
      }).catch(() => undefined);
      if (step === undefined) return;
      events += step.events;
      if (step.reverted > 0) log.warn({ reverted: step.reverted, head: step.head }, "reorg undone");
      if (failing !== undefined) log.info({ head: step.head }, "indexing recovered");
      failing = undefined;
      if (step.head === step.chainHead) await sleep(pollMs, undefined, { signal: controller.signal }).catch(() => undefined);
    }
  })();

  return {
    url: server.url,
    store,
    events: () => events,
    async waitForBlock(number, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while ((store.head()?.number ?? -1) < number) {
        if (Date.now() > deadline) {
          throw new VeritrainError(`indexer did not reach block ${number} within ${timeoutMs} ms (head ${store.head()?.number})`, {
            code: "INDEXER_TIMEOUT",
            cause: failing,
          });
        }
        await sleep(20);
      }
    },
    async stop() {
      controller.abort();
      await loop;
      await server.close();
      await store.close();
      log.info({ head: store.head()?.number }, "indexer stopped");
    },
  };
}
