/**
 * Deploys the protocol to a public network with the build profile of its EVM version
 * (ignition/evmTargets.ts) and its parameter file, after checking that file: nothing is compiled or
 * sent while a parameter the module reads is unfilled.
 *
 *   npm run deploy -- --network scrollSepolia [--parameters ignition/parameters/scroll-sepolia.json]
 */
import { spawnSync } from "node:child_process";
import { Command, Option } from "commander";
import { EVM_TARGETS } from "../ignition/evmTargets.ts";
import { randomnessSource } from "../ignition/modules/drandBeacon.ts";
import { checkParameterFile } from "../ignition/parameterFileCheck.ts";

/** ignition/parameters/<kebab-case network>.json, e.g. scrollSepolia → scroll-sepolia.json. */
const defaultParameterFile = (network: string) => `ignition/parameters/${network.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}.json`;

const options = new Command("deploy")
  .description("deploys the protocol to a zkEVM L2 testnet with its build profile, after checking its parameter file (docs/deployment.md)")
  .addOption(new Option("--network <name>", "the network").choices(Object.keys(EVM_TARGETS)).makeOptionMandatory())
  .option("--parameters <file>", "the Ignition parameter file (default: ignition/parameters/<network>.json)")
  .addHelpText("after", "\nNeeds DEPLOYER_PRIVATE_KEY and the network's RPC URL variable (Hardhat keystore or environment);\nVERITRAIN_RANDOMNESS=chainlink-vrf selects Chainlink VRF v2.5 instead of the drand beacon.")
  .parse()
  .opts<{ network: keyof typeof EVM_TARGETS; parameters?: string }>();

const parameters = options.parameters ?? defaultParameterFile(options.network);
try {
  checkParameterFile({ file: parameters, randomness: randomnessSource() });
} catch (error) {
  console.error(`deploy: ${(error as Error).message}`);
  process.exit(1);
}
const args = ["--build-profile", options.network, "ignition", "deploy", "ignition/modules/Veritrain.ts", "--network", options.network, "--parameters", parameters];
const { status } = spawnSync("hardhat", args, { stdio: "inherit" });
process.exit(status ?? 1);
