import { writeFileSync } from "node:fs";
import { network } from "hardhat";
import type { Address } from "viem";
import type { ProtocolContractName } from "../../keepers/src/chain/protocolContracts.ts";
import VeritrainLocal from "../../ignition/modules/VeritrainLocal.ts";

/** Hardhat's JSON-RPC server (what `hardhat node` runs), not exported by the package: loaded from its file. */
const { JsonRpcServerImplementation } = (await import(new URL("../../node_modules/hardhat/dist/src/internal/builtin-plugins/node/json-rpc/server.js", import.meta.url).href)) as {
  JsonRpcServerImplementation: new (config: { hostname: string; port: number; provider: unknown }) => { listen(): Promise<{ port: number }>; close(): Promise<void> };
};

/** The Ignition module's futures by the protocol's contract names. */
const CONTRACT_NAMES = {
  token: "VeritrainToken",
  vrfCoordinator: "VRFCoordinatorV2_5Mock",
  stakeManager: "StakeManager",
  jobRegistry: "JobRegistry",
  roundJobRegistry: "RoundJobRegistry",
  secureAggregationLedger: "SecureAggregationLedger",
  committee: "ValidatorCommittee",
  disputes: "Disputes",
  bisectionGame: "BisectionGame",
  aggregateReferee: "AggregateReferee",
  datasetRegistry: "DatasetRegistry",
  storageProofs: "StorageProofs",
} as const;

/** A chain with the protocol deployed, served over HTTP. */
export type LocalChain = {
  rpcUrl: string;
  chainId: number;
  addresses: Record<ProtocolContractName | "VRFCoordinatorV2_5Mock", Address>;
  /** Writes the addresses as an Ignition deployed_addresses.json (what the CLI's `--deployment` reads) and returns `file`. */
  writeDeployment(file: string): string;
  close(): Promise<void>;
};

/**
 * A test harness: Hardhat's simulated chain (EDR) in this process with the protocol deployed by
 * Ignition's VeritrainLocal module (`ignition/parameters/local.json`), served over HTTP on
 * 127.0.0.1 by Hardhat's own JSON-RPC server — a `hardhat node` without its process, its
 * compile step and its deployment journal, ready in seconds. It mines a block per transaction;
 * `evm_mine` and `evm_increaseTime` move it on.
 *
 * @example
 * const chain = await startLocalChain();
 * const keeper = await connectProtocol({ rpcUrl: chain.rpcUrl, privateKey, addresses: chain.addresses });
 * await chain.close();
 */
export async function startLocalChain(): Promise<LocalChain> {
  const connection = await network.create();
  const deployed = await connection.ignition.deploy(VeritrainLocal, { parameters: new URL("../../ignition/parameters/local.json", import.meta.url).pathname });
  const addresses = Object.fromEntries(
    Object.entries(CONTRACT_NAMES).map(([future, name]) => [name, (deployed as unknown as Record<string, { address: Address }>)[future]!.address]),
  ) as LocalChain["addresses"];
  const server = new JsonRpcServerImplementation({ hostname: "127.0.0.1", port: 0, provider: connection.provider });
  const { port } = await server.listen();
  return {
    rpcUrl: `http://127.0.0.1:${port}`,
    chainId: Number(await connection.provider.request({ method: "eth_chainId" })),
    addresses,
    writeDeployment(file) {
      writeFileSync(file, JSON.stringify(Object.fromEntries(Object.entries(addresses).map(([name, address]) => [`VeritrainLocal#${name}`, address]))));
      return file;
    },
    async close() {
      await server.close();
      await connection.close();
    },
  };
}
