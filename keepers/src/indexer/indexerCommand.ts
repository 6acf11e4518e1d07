import { join } from "node:path";
import type { Command } from "commander";
import { declareKeyUse } from "../cli/commandContext.ts";
import { loadKeeperConfig, type KeeperConfigFlags } from "../config/keeperConfig.ts";
import { VeritrainError } from "../errors.ts";
import { createKeeperRuntime } from "../keeperRuntime.ts";
import { createLogger } from "../logger.ts";
import { DEFAULT_QUERY_BOUNDS, type QueryBounds } from "./queryBounds.ts";

/** The query-bound flags of `veritrain indexer`, as commander gives them. */
type BoundFlags = { maxQueryDepth: string; maxComplexity: string; maxFirst: string; maxSkip: string; queryTimeout: string; maxResultEntities: string };

/** `value` of `--flag` as a number ≥ `min`, integral unless `fraction`. */
function flagNumber(flag: string, value: string, { min, fraction = false }: { min: number; fraction?: boolean }): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number < min || (!fraction && !Number.isInteger(number))) {
    throw new VeritrainError(`--${flag} must be ${fraction ? "a number" : "an integer"} ≥ ${min}, got ${JSON.stringify(value)}`, {
      code: "CONFIG_INVALID",
      details: { field: flag, value },
    });
  }
  return number;
}

/** The query bounds the flags set. */
function boundsOf(o: BoundFlags): QueryBounds {
  return Object.freeze({
    maxDepth: flagNumber("max-query-depth", o.maxQueryDepth, { min: 1 }),
    maxComplexity: flagNumber("max-complexity", o.maxComplexity, { min: 1 }),
    maxFirst: flagNumber("max-first", o.maxFirst, { min: 0 }),
    maxSkip: flagNumber("max-skip", o.maxSkip, { min: 0 }),
    timeoutMs: flagNumber("query-timeout", o.queryTimeout, { min: 0.001, fraction: true }) * 1000,
    maxEntities: flagNumber("max-result-entities", o.maxResultEntities, { min: 1 }),
  });
}

/**
 * Registers `indexer` on `program`: the local subgraph runner, until interrupted. Chain and
 * addresses come from the keeper config (--rpc-url, --deployment, --data-dir of `program`).
 *
 * @example
 * registerIndexerCommand(program);
 */
export function registerIndexerCommand(program: Command): void {
  declareKeyUse(program.command("indexer"), "reads")
    .description("index the protocol's events with the subgraph's mappings and serve its GraphQL API on 127.0.0.1")
    .option("--port <port>", "GraphQL port on 127.0.0.1", "8000")
    .option("--postgres <url>", "keep entities in this PostgreSQL database instead of the embedded one [env VERITRAIN_POSTGRES_URL]")
    .option("--max-query-depth <n>", "refuse a query nesting more selection sets (graph-node's GRAPH_GRAPHQL_MAX_DEPTH)", String(DEFAULT_QUERY_BOUNDS.maxDepth))
    .option(
      "--max-complexity <n>",
      "refuse a query that can potentially return more entities: each list field counts first + first × its selection, summed (GRAPH_GRAPHQL_MAX_COMPLEXITY)",
      String(DEFAULT_QUERY_BOUNDS.maxComplexity),
    )
    .option("--max-first <n>", "largest `first` of a collection (GRAPH_GRAPHQL_MAX_FIRST)", String(DEFAULT_QUERY_BOUNDS.maxFirst))
    .option("--max-skip <n>", "largest `skip` of a collection (GRAPH_GRAPHQL_MAX_SKIP)", String(DEFAULT_QUERY_BOUNDS.maxSkip))
    .option("--query-timeout <seconds>", "stop a query running longer (GRAPH_GRAPHQL_QUERY_TIMEOUT)", String(DEFAULT_QUERY_BOUNDS.timeoutMs / 1000))
    .option("--max-result-entities <n>", "stop a query whose answer holds more entities, nested ones included", String(DEFAULT_QUERY_BOUNDS.maxEntities))
    .action(async (o: { port: string; postgres?: string } & BoundFlags) => {
      const log = createLogger("indexer");
      const bounds = boundsOf(o);
      const config = loadKeeperConfig({ flags: program.opts<KeeperConfigFlags>() });
      const runtime = createKeeperRuntime(log);
      try {
        // Imported here: the subgraph runtime (GraphQL, the mappings' WebAssembly host) is this command's alone.
        const { startIndexer } = await import("./indexer.ts");
        const indexer = await startIndexer({
          rpcUrl: config.rpcUrl,
          addresses: config.addresses,
          startBlock: Number(config.deploymentBlock),
          dataDir: join(config.dataDir, "indexer"),
          postgresUrl: o.postgres ?? process.env.VERITRAIN_POSTGRES_URL,
          port: Number(o.port),
          queryBounds: bounds,
          log,
        });
        runtime.defer(() => indexer.stop());
        console.log(JSON.stringify({ url: indexer.url }));
        await new Promise((resolve) => runtime.signal.addEventListener("abort", resolve, { once: true }));
      } finally {
        await runtime.close();
      }
    });
}
