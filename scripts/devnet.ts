/**
 * The local devnet: a Hardhat chain node on 127.0.0.1 and the protocol deployed to it with
 * Ignition. Prints one JSON line (RPC URL, chain id, addresses), then keeps the node running
 * until interrupted (or stops at once with --exit).
 *
 *   npm run devnet [-- --port 8545 --exit]
 */
import { Command } from "commander";
import { startDevnet } from "../keepers/src/devnet/startDevnet.ts";
import { createLogger } from "../keepers/src/logger.ts";

const options = new Command("devnet")
  .description("Start a local chain node on 127.0.0.1, deploy the protocol with Ignition and print the addresses.")
  .option("--port <port>", "JSON-RPC port of the chain node", "8545")
  .option("--exit", "stop the node after deploying (for smoke tests)")
  .parse()
  .opts<{ port: string; exit?: boolean }>();

const log = createLogger("devnet");
const devnet = await startDevnet({ port: Number(options.port), log });
const shutdown = (code: number) => void devnet.stop().then(() => process.exit(code));
process.once("SIGINT", () => shutdown(130));
process.once("SIGTERM", () => shutdown(143));
console.log(JSON.stringify({ rpcUrl: devnet.rpcUrl, chainId: devnet.chainId, contracts: devnet.addresses }));
if (options.exit) {
  await devnet.stop();
} else {
  log.info({ rpcUrl: devnet.rpcUrl }, "devnet running; Ctrl-C stops it");
  await new Promise((resolve) => devnet.node.once("exit", resolve));
}
