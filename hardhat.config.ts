import { createRequire } from "node:module";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";
import { configVariable, defineConfig } from "hardhat/config";

// solc-js from the `solc` npm package: this machine class cannot download native compilers.
const require = createRequire(import.meta.url);
const solcVersion: string = require("solc/package.json").version;
const solcPath = require.resolve("solc/soljson.js");

const compiler = { version: solcVersion, path: solcPath };

/** A zkEVM L2 testnet reached through an RPC URL and a deployer key from the keystore or environment. */
function l2Testnet(chainId: number, rpcVariable: string) {
  return {
    type: "http" as const,
    chainType: "l1" as const,
    chainId,
    url: configVariable(rpcVariable),
    accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
  };
}

export default defineConfig({
  plugins: [hardhatToolboxViem],
  solidity: {
    profiles: {
      default: { ...compiler, settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" } },
      production: { ...compiler, settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" } },
    },
    npmFilesToBuild: [
      "@chainlink/contracts/src/v0.8/vrf/mocks/VRFCoordinatorV2_5Mock.sol",
      "@openzeppelin/contracts/governance/TimelockController.sol",
    ],
  },
  // The local node mines on every transaction: poll for blocks often so a deploy takes seconds.
  ignition: { blockPollingInterval: 100 },
  networks: {
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    localhost: { type: "http", chainType: "l1", url: process.env.DEVNET_RPC_URL ?? "http://127.0.0.1:8545" },
    cardona: l2Testnet(2442, "CARDONA_RPC_URL"),
    scrollSepolia: l2Testnet(534351, "SCROLL_SEPOLIA_RPC_URL"),
    lineaSepolia: l2Testnet(59141, "LINEA_SEPOLIA_RPC_URL"),
  },
});
