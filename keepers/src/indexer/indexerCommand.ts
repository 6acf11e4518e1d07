import { join } from "node:path";
import type { Command } from "commander";
import { loadKeeperConfig, type KeeperConfigFlags } from "../config/keeperConfig.ts";
import { createKeeperRuntime } from "../keeperRuntime.ts";
import { createLogger } from "../logger.ts";
import { startIndexer } from "./indexer.ts";

/**
 * Registers `indexer` on `program`: the local subgraph runner, until interrupted. Chain and
 * addresses come from the keeper config (--rpc-url, --deployment, --data-dir of `program`).
 *
 * @example
 * registerIndexerCommand(program);
 */
export function registerIndexerCommand(program: Command): void {
  program
    .command("indexer")
    .description("index the protocol's events with the subgraph's mappings and serve its GraphQL API on 127.0.0.1")
    .option("--port <port>", "GraphQL port on 127.0.0.1", "8000")
    .option("--start-block <n>", "first block to index (the deployment block)", "0")
    .option("--postgres <url>", "keep entities in this PostgreSQL database instead of the embedded one [env VERITRAIN_POSTGRES_URL]")
    .action(async (o: { port: string; startBlock: string; postgres?: string }) => {
      const log = createLogger("indexer");
      const config = loadKeeperConfig({ flags: program.opts<KeeperConfigFlags>() });
      const runtime = createKeeperRuntime(log);
      try {
        const indexer = await startIndexer({
          rpcUrl: config.rpcUrl,
          addresses: config.addresses,
          startBlock: Number(o.startBlock),
          dataDir: join(config.dataDir, "indexer"),
          postgresUrl: o.postgres ?? process.env.VERITRAIN_POSTGRES_URL,
          port: Number(o.port),
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
