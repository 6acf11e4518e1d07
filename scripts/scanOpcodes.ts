/**
 * Opcode scan of the contracts as each public network gets them: for every network of
 * ignition/evmTargets.ts, compiles with the network's build profile into builds/<evmVersion>/ and scans the
 * creation and deployed code of every contract with code under contracts/ (and OpenZeppelin's
 * TimelockController, which the public Ignition module deploys as governance) for the opcodes the
 * network lacks or the protocol forbids, and checks the deployed size against EIP-170. Contracts under
 * test/ and the VRF coordinator mock are never deployed publicly and are not scanned.
 *
 *   npm run scan:opcodes     a table per network, then one JSON line; exits 1 on any finding or oversized contract
 */
import { fileURLToPath } from "node:url";
import { hexToBytes, type Hex } from "viem";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";
import config from "../hardhat.config.ts";
import { buildPaths, EVM_TARGETS, type TargetNetwork } from "../ignition/evmTargets.ts";
import { findOpcodes } from "../tools/evm/findOpcodes.ts";
import { OPCODE_BYTES } from "../tools/evm/opcodes.ts";

/** EIP-170: the largest deployed code, in bytes. */
export const EIP170_LIMIT = 24_576;

/** Sources scanned besides contracts/: npm contracts the public deployment deploys. */
const DEPLOYED_NPM_SOURCES = new Set(["@openzeppelin/contracts/governance/TimelockController.sol"]);

/** A forbidden opcode found in a contract's code. */
export type Finding = { code: "creation" | "deployed"; offset: number; opcode: string };

export type ContractScan = { contract: string; creationSize: number; deployedSize: number; findings: Finding[] };

export type NetworkScan = { network: TargetNetwork; evmVersion: string; contracts: ContractScan[] };

/** Compiles with `network`'s build profile into builds/<evmVersion>/ and scans every deployed contract's code. */
export async function scanNetwork(network: TargetNetwork): Promise<NetworkScan> {
  const { evmVersion, forbidden } = EVM_TARGETS[network];
  const root = fileURLToPath(new URL("..", import.meta.url));
  const hre = await createHardhatRuntimeEnvironment({ ...config, paths: buildPaths(evmVersion) }, { buildProfile: network }, root);
  await hre.tasks.getTask("build").run({ noTests: true, quiet: true });
  const opcodes = new Set(forbidden.map(({ opcode }) => OPCODE_BYTES[opcode]));
  const contracts: ContractScan[] = [];
  for (const name of [...(await hre.artifacts.getAllFullyQualifiedNames())].sort()) {
    const artifact = await hre.artifacts.readArtifact(name);
    if (!(artifact.sourceName.startsWith("contracts/") || DEPLOYED_NPM_SOURCES.has(artifact.sourceName))) continue;
    if (artifact.bytecode === "0x") continue; // interfaces and abstract contracts
    const scan = (code: Finding["code"], hex: string) =>
      findOpcodes({ code: hexToBytes(hex as Hex), opcodes }).map(({ offset, name }) => ({ code, offset, opcode: name }));
    contracts.push({
      contract: artifact.contractName,
      creationSize: hexToBytes(artifact.bytecode as Hex).length,
      deployedSize: hexToBytes(artifact.deployedBytecode as Hex).length,
      findings: [...scan("creation", artifact.bytecode), ...scan("deployed", artifact.deployedBytecode)],
    });
  }
  return { network, evmVersion, contracts };
}

if (import.meta.main) {
  const scans: NetworkScan[] = [];
  for (const network of Object.keys(EVM_TARGETS) as TargetNetwork[]) {
    const scan = await scanNetwork(network);
    scans.push(scan);
    const forbidden = EVM_TARGETS[network].forbidden.map(({ opcode }) => opcode).join(", ");
    console.log(`\n${network} (evmVersion ${scan.evmVersion}; forbidden: ${forbidden})`);
    console.log(`${"contract".padEnd(24)} ${"deployed B".padStart(10)} ${"of 24,576".padStart(9)} ${"creation B".padStart(10)}  result`);
    for (const { contract, creationSize, deployedSize, findings } of scan.contracts) {
      const problems = [
        ...findings.map(({ code, offset, opcode }) => `${opcode} at ${code} 0x${offset.toString(16)}`),
        ...(deployedSize > EIP170_LIMIT ? [`over EIP-170 by ${deployedSize - EIP170_LIMIT} B`] : []),
      ];
      const share = `${((100 * deployedSize) / EIP170_LIMIT).toFixed(1)}%`;
      console.log(`${contract.padEnd(24)} ${String(deployedSize).padStart(10)} ${share.padStart(9)} ${String(creationSize).padStart(10)}  ${problems.length === 0 ? "ok" : problems.join("; ")}`);
    }
  }
  const failed = scans.some(({ contracts }) => contracts.some(({ findings, deployedSize }) => findings.length > 0 || deployedSize > EIP170_LIMIT));
  console.log(JSON.stringify({ ok: !failed, networks: scans }));
  if (failed) process.exitCode = 1;
}
