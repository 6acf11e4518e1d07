import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "pino";
import { createPublicClient, http, type Address } from "viem";
import type { ProtocolContractName } from "../chain/protocolContracts.ts";
import { VeritrainError } from "../errors.ts";
import type { DevnetConsole } from "./devnetConsole.ts";
import { oneBuildAtATime } from "./oneBuildAtATime.ts";
import { timedStep } from "./timedStep.ts";
import { waitFor } from "./waitFor.ts";

const root = new URL("../../../", import.meta.url);
const hardhatCli = new URL("node_modules/hardhat/dist/src/cli.js", root).pathname;

/** Parameters of {@link startDevnet}. */
export type StartDevnetParameters = {
  /** JSON-RPC port on 127.0.0.1. */
  port: number;
  log: Logger;
  /** Bound on the node's start-up. */
  timeoutMs?: number;
  /** Ignition parameter file of the VeritrainLocal module. @default "ignition/parameters/local.json" */
  parameters?: string;
  /** Hardhat's output (compiler warnings, Ignition's progress, the node's own lines) is appended to this file. @default stderr */
  outputFile?: string;
  /** Shows the compile and the deployment as waits. */
  progress?: DevnetConsole;
};

/** A running devnet: where it is, what is deployed, and how to stop it. */
export type Devnet = {
  rpcUrl: string;
  chainId: number;
  /** Deployed addresses by contract name (VRFCoordinatorV2_5Mock included). */
  addresses: Record<ProtocolContractName | "VRFCoordinatorV2_5Mock", Address>;
  /** Ignition's deployed_addresses.json of this devnet (`ignition/deployments/devnet-<port>/`). */
  deploymentFile: string;
  /** The chain node's process, to wait on. */
  node: ChildProcess;
  /** Seconds the start-up took: `hardhat compile` (cached by Hardhat when nothing changed), and the node's start with Ignition's deployment. */
  startup: { compile: number; deploy: number };
  /** Stops the chain node (by its PID). */
  stop(): Promise<void>;
};

/**
 * Compiles the contracts (the `production` build profile, which Ignition deploys), starts a Hardhat chain node on 127.0.0.1:`port` and deploys the
 * protocol with Ignition (module VeritrainLocal, `parameters`), as the README's devnet command does.
 *
 * @example
 * const devnet = await startDevnet({ port: 8545, log });
 * // … keepers point at devnet.rpcUrl …
 * await devnet.stop();
 */
export async function startDevnet({ port, log, timeoutMs = 60_000, parameters = "ignition/parameters/local.json", outputFile, progress }: StartDevnetParameters): Promise<Devnet> {
  const rpcUrl = `http://127.0.0.1:${port}`;
  const deploymentId = `devnet-${port}`;
  const hardhat = (args: string[], background = false) => {
    const output = outputFile === undefined ? undefined : (mkdirSync(dirname(outputFile), { recursive: true }), openSync(outputFile, "a"));
    const child = spawn(process.execPath, [hardhatCli, ...args], {
      cwd: root,
      env: { ...process.env, DEVNET_RPC_URL: rpcUrl },
      stdio: ["ignore", output ?? (background ? "ignore" : process.stderr), output ?? "inherit"],
    });
    if (output !== undefined) closeSync(output);
    return child;
  };
  const failed = outputFile === undefined ? "" : `; see ${outputFile}`;

  if (await answers(rpcUrl)) {
    throw new VeritrainError(`a chain node already answers on ${rpcUrl}; stop it or choose another port`, { code: "DEVNET_PORT_IN_USE", details: { rpcUrl } });
  }
  const oneAtATime = <T>(step: () => Promise<T>) => oneBuildAtATime(step, { log, rpcUrl });
  log.info({ rpcUrl }, "compiling contracts");
  // The build Ignition deploys (the `production` profile, without the Solidity tests, which take
  // minutes in its isolated mode): compiling the default profile here instead made the two builds
  // overwrite each other's artifacts, so every run compiled twice (18 s + a 59 s deployment);
  // with one profile an unchanged tree compiles in seconds and the deployment takes ~10 s.
  const compile = await timedStep({ progress, label: "compiling the contracts (hardhat compile, production profile, no Solidity tests)", done: () => "contracts compiled" }, () =>
    oneAtATime(() => exited(hardhat(["--build-profile", "production", "compile", "--no-tests", "--quiet"]), failed)),
  );
  log.info({ rpcUrl }, "starting chain node");
  const node = hardhat(["node", "--hostname", "127.0.0.1", "--port", String(port)], true);
  // If this process dies without stopping the devnet, the node must not outlive it.
  const killNode = () => void node.kill("SIGKILL");
  process.on("exit", killNode);
  const stop = async () => {
    process.off("exit", killNode);
    if (node.exitCode === null && node.signalCode === null) {
      const gone = new Promise((resolve) => node.once("exit", resolve));
      node.kill("SIGTERM");
      await gone;
    }
  };
  try {
    const deploy = await timedStep({ progress, label: `starting the chain node on ${rpcUrl} and deploying the protocol (Ignition)`, done: () => `chain node on ${rpcUrl}, protocol deployed` }, async () => {
      const chainId = await waitForNode(rpcUrl, node, timeoutMs);
      log.info({ rpcUrl, chainId }, "chain node ready; deploying the protocol with Ignition");
      await oneAtATime(() =>
        exited(
          hardhat([
            "ignition",
            "deploy",
            "ignition/modules/VeritrainLocal.ts",
            "--network",
            "localhost",
            "--parameters",
            parameters,
            // One deployment directory per port: devnets on other ports (concurrent tests) never share a journal.
            "--deployment-id",
            deploymentId,
            "--reset",
          ]),
          failed,
        ),
      );
      const deploymentFile = new URL(`ignition/deployments/${deploymentId}/deployed_addresses.json`, root).pathname;
      const deployed: Record<string, Address> = JSON.parse(readFileSync(deploymentFile, "utf8"));
      const addresses = Object.fromEntries(
        Object.entries(deployed).map(([key, address]) => [key.replace(/^[^#]+#/, ""), address]),
      ) as Devnet["addresses"];
      // From now on a block every second even without transactions, so block time — which every
      // deadline, audit round and upkeep reads — follows the wall clock as on a live L2. (Set after
      // the deployment: Ignition waits for extra confirmations on a chain that mines by interval.)
      await createPublicClient({ transport: http(rpcUrl) }).request({ method: "evm_setIntervalMining" as never, params: [1000] as never });
      log.info({ rpcUrl, chainId, contracts: addresses }, "protocol deployed");
      return { chainId, addresses, deploymentFile };
    });
    return { rpcUrl, ...deploy.value, node, startup: { compile: compile.seconds, deploy: deploy.seconds }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function exited(child: ChildProcess, seeOutput: string): Promise<void> {
  return new Promise((resolve, reject) =>
    child.once("exit", (code) =>
      code === 0
        ? resolve()
        : reject(new VeritrainError(`hardhat ${child.spawnargs.slice(2).join(" ")} exited with ${code}${seeOutput}`, { code: "DEVNET_STEP_FAILED" })),
    ),
  );
}

async function waitForNode(rpcUrl: string, node: ChildProcess, timeoutMs: number): Promise<number> {
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) });
  return waitFor(
    `the chain node on ${rpcUrl}`,
    () => {
      if (node.exitCode !== null) throw new VeritrainError(`chain node exited with ${node.exitCode}`, { code: "DEVNET_NODE_EXITED" });
      return client.getChainId().catch(() => undefined);
    },
    { timeoutMs, pollMs: 250 },
  );
}

async function answers(rpcUrl: string): Promise<boolean> {
  return createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 2000 }) })
    .getChainId()
    .then(() => true, () => false);
}
