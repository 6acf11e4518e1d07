import type { Address } from "viem";

/**
 * The app's run-time configuration, `./config.json` beside index.html: the devnet's gateway keeper
 * writes it from the deployment; a static host of a testnet build serves its own. One build serves
 * every network.
 */
export type AppConfig = {
  chainId: number;
  chainName: string;
  /** JSON-RPC URL the app reads the chain from (the wallet signs and sends through its own). */
  rpcUrl: string;
  /** The subgraph's GraphQL endpoint. */
  subgraphUrl: string;
  /** Kubo RPC API base: `POST {ipfsApiUrl}/api/v0/block/put` stores a block. */
  ipfsApiUrl: string;
  /** Trustless gateway base: `GET {ipfsGatewayUrl}/ipfs/{cid}?format=raw` serves a block. */
  ipfsGatewayUrl: string;
  /** Contract name → address (Ignition's deployed_addresses.json without the module prefix). */
  addresses: Record<string, Address>;
  /** First block of the deployment, where log scans start. */
  startBlock: number;
  /** Offer the in-page development wallet (the local chain's well-known keys); honoured on chain 31337 only. */
  devWallet: boolean;
};

const REQUIRED = ["VeritrainToken", "StakeManager", "JobRegistry", "DatasetRegistry", "ValidatorCommittee", "Disputes", "StorageProofs"] as const;

/**
 * Fetches and checks `./config.json`; a missing field or contract is one error naming it.
 *
 * @example
 * const config = await loadAppConfig();
 */
export async function loadAppConfig(url = "./config.json"): Promise<AppConfig> {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: this app needs its network's config.json beside index.html (the devnet's gateway serves one)`);
  const config = (await response.json()) as AppConfig;
  for (const field of ["chainId", "rpcUrl", "subgraphUrl", "ipfsApiUrl", "ipfsGatewayUrl", "addresses"] as const) {
    if (config[field] === undefined) throw new Error(`${url} lacks "${field}": write it from the deployment (see the app's README section)`);
  }
  for (const name of REQUIRED) {
    if (config.addresses[name] === undefined) throw new Error(`${url} has no address for ${name}: is it this network's deployed_addresses.json?`);
  }
  return { ...config, devWallet: config.devWallet === true && config.chainId === 31337 };
}
