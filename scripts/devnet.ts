/**
 * The local devnet: a Hardhat chain node on 127.0.0.1 and the protocol deployed to it with
 * Ignition (VeritrainLocal module, ignition/parameters/local.json). Prints the deployed
 * addresses, then keeps the node running until interrupted (or stops at once with --exit).
 *
 *   npm run devnet [-- --port 8545 --exit]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { Command } from "commander";
import { createPublicClient, http } from "viem";
import { createLogger } from "../keepers/src/logger.ts";
import { VeritrainError } from "../keepers/src/errors.ts";

const log = createLogger("devnet");
const root = new URL("..", import.meta.url);
const hardhatBin = new URL("node_modules/hardhat/dist/src/cli.js", root).pathname;

const options = new Command("devnet")
  .description("Start a local chain node on 127.0.0.1, deploy the protocol with Ignition and print the addresses.")
  .option("--port <port>", "JSON-RPC port of the chain node", "8545")
  .option("--exit", "stop the node after deploying (for smoke tests)")
  .parse()
  .opts<{ port: string; exit?: boolean }>();

const rpcUrl = `http://127.0.0.1:${options.port}`;
const children: ChildProcess[] = [];
const stopAll = () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
};
process.on("SIGINT", () => (stopAll(), process.exit(130)));
process.on("SIGTERM", () => (stopAll(), process.exit(143)));

/** Runs hardhat with `args` from the repository root; resolves when it exits 0. */
function hardhat(args: string[], { background = false } = {}): ChildProcess {
  const child = spawn(process.execPath, [hardhatBin, ...args], {
    cwd: root,
    env: { ...process.env, DEVNET_RPC_URL: rpcUrl },
    stdio: background ? ["ignore", "ignore", "inherit"] : ["ignore", "inherit", "inherit"],
  });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) =>
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new VeritrainError(`hardhat ${child.spawnargs.slice(2).join(" ")} exited with ${code}`, { code: "DEVNET_STEP_FAILED" })),
    ),
  );
}

/** Waits until the node answers eth_chainId, for at most `timeoutMs`. */
async function waitForNode(node: ChildProcess, timeoutMs = 60_000): Promise<number> {
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (node.exitCode !== null) throw new VeritrainError(`chain node exited with ${node.exitCode}`, { code: "DEVNET_NODE_EXITED" });
    try {
      return await client.getChainId();
    } catch {
      await sleep(250);
    }
  }
  throw new VeritrainError(`chain node did not answer on ${rpcUrl} within ${timeoutMs} ms`, { code: "DEVNET_NODE_TIMEOUT" });
}

log.info({ rpcUrl }, "compiling contracts");
await exited(hardhat(["compile", "--quiet"]));
log.info({ rpcUrl }, "starting chain node");
const node = hardhat(["node", "--hostname", "127.0.0.1", "--port", options.port], { background: true });
const chainId = await waitForNode(node);
log.info({ rpcUrl, chainId }, "chain node ready");

log.info({ module: "VeritrainLocal" }, "deploying the protocol with Ignition");
await exited(
  hardhat([
    "ignition",
    "deploy",
    "ignition/modules/VeritrainLocal.ts",
    "--network",
    "localhost",
    "--parameters",
    "ignition/parameters/local.json",
    "--reset",
  ]),
);
const addresses: Record<string, string> = JSON.parse(
  readFileSync(new URL(`ignition/deployments/chain-${chainId}/deployed_addresses.json`, root), "utf8"),
);
const deployed = Object.fromEntries(Object.entries(addresses).map(([key, address]) => [key.replace(/^VeritrainLocal#/, ""), address]));
log.info({ rpcUrl, chainId, contracts: deployed }, "protocol deployed");
console.log(JSON.stringify({ rpcUrl, chainId, contracts: deployed }));

if (options.exit) {
  stopAll();
} else {
  log.info({ rpcUrl }, "devnet running; Ctrl-C stops it");
  await exited(node);
}
