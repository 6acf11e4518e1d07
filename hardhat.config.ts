import { createRequire } from "node:module";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";
import { configVariable, defineConfig } from "hardhat/config";
import { buildPaths, EVM_TARGETS, type EvmVersion } from "./ignition/evmTargets.ts";

// solc-js from the `solc` npm package: this machine class cannot download native compilers.
const require = createRequire(import.meta.url);
const solcVersion: string = require("solc/package.json").version;
const solcPath = require.resolve("solc/soljson.js");

const compiler = { version: solcVersion, path: solcPath };
const optimizer = { enabled: true, runs: 200 };

/** The EVM version of the default build and of `production` (Ignition's default build profile). */
const DEFAULT_EVM_VERSION: EvmVersion = "cancun";

/**
 * VERITRAIN_EVM_TARGET=<evm version> compiles the default profile for that EVM version into
 * builds/<version>/ (`buildPaths`: never touching artifacts/) and runs the simulated network at that hardfork, so the
 * contract tests run as on a network of that target. Unset: the default build (cancun bytecode on a
 * cancun network).
 */
function testEvmTarget(): EvmVersion | undefined {
  const value = process.env.VERITRAIN_EVM_TARGET;
  if (value === undefined || value === "") return undefined;
  const known = [...new Set(Object.values(EVM_TARGETS).map((target) => target.evmVersion))];
  if (!known.includes(value as EvmVersion)) {
    throw new Error(
      `VERITRAIN_EVM_TARGET=${value} is not the EVM version of any network in ignition/evmTargets.ts, so no test build targets it: ` +
        `set one of ${known.join(", ")}, or unset it for the default ${DEFAULT_EVM_VERSION} build`,
    );
  }
  return value as EvmVersion;
}

const testTarget = testEvmTarget();

/** Build profile settings for `evmVersion`: the same optimizer in every profile. */
const profile = (evmVersion: EvmVersion) => ({ ...compiler, settings: { optimizer, evmVersion } });

export default defineConfig({
  plugins: [hardhatToolboxViem],
  solidity: {
    profiles: {
      default: profile(testTarget ?? DEFAULT_EVM_VERSION),
      // Ignition's profile, not isolated (Hardhat's default for `production` is): the same solc input as
      // the default build, so the devnet's deployment reuses the test build instead of compiling every
      // contract again on its own (minutes on two cores).
      production: { ...profile(DEFAULT_EVM_VERSION), isolated: false },
      // One profile per public network, named after it: `npx hardhat --build-profile cardona ignition deploy … --network cardona`.
      // Not isolated (unlike `production`), so a network's build shares the build cache of the test build
      // of its EVM version: same solc input, same bytecode, compiled once.
      ...Object.fromEntries(Object.entries(EVM_TARGETS).map(([name, target]) => [name, profile(target.evmVersion)])),
    },
    npmFilesToBuild: [
      "@chainlink/contracts/src/v0.8/vrf/mocks/VRFCoordinatorV2_5Mock.sol",
      "@openzeppelin/contracts/governance/TimelockController.sol",
    ],
  },
  ...(testTarget && { paths: buildPaths(testTarget) }),
  // The local node mines on every transaction: poll for blocks often so a deploy takes seconds.
  ignition: { blockPollingInterval: 100 },
  networks: {
    // The simulated networks run at the hardfork of the bytecode they run, not Hardhat's latest: `default` (tests) and
    // `node` (`hardhat node`, every devnet's chain; Hardhat's default for it was prague).
    default: { type: "edr-simulated", chainType: "l1", hardfork: testTarget ?? DEFAULT_EVM_VERSION },
    node: { type: "edr-simulated", chainType: "l1", hardfork: testTarget ?? DEFAULT_EVM_VERSION },
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    localhost: { type: "http", chainType: "l1", url: process.env.DEVNET_RPC_URL ?? "http://127.0.0.1:8545" },
    // Each zkEVM L2 testnet is reached through an RPC URL and a deployer key from the keystore or environment.
    ...Object.fromEntries(
      Object.entries(EVM_TARGETS).map(([name, { chainId, rpcVariable }]) => [
        name,
        {
          type: "http" as const,
          chainType: "l1" as const,
          chainId,
          url: configVariable(rpcVariable),
          accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
        },
      ]),
    ),
  },
});
