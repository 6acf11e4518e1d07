import { DEVNET_CHAIN_ID } from "../../../keepers/src/devnet/devAccounts.ts";
import type { AppConfig } from "../../../keepers/src/gateway/appConfig.ts";

const REQUIRED = ["VeritrainToken", "StakeManager", "JobRegistry", "DatasetRegistry", "ValidatorCommittee", "Disputes", "StorageProofs"] as const;

/**
 * Fetches and checks `./config.json` (the {@link AppConfig} the gateway keeper writes); a missing
 * field or contract is one error naming it.
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
  return { ...config, devWallet: config.devWallet === true && config.chainId === DEVNET_CHAIN_ID };
}
