import { createConfig, http, type Config } from "wagmi";
import { defineChain, type Chain } from "viem";
import type { AppConfig } from "../../../keepers/src/gateway/appConfig.ts";

/** The chain the config names, as viem describes chains. */
export function appChain(config: AppConfig): Chain {
  return defineChain({
    id: config.chainId,
    name: config.chainName,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  });
}

/**
 * wagmi's configuration: the one chain of the deployment, reads over its RPC, and every wallet
 * that announces itself by EIP-6963 (MetaMask and other injected wallets; on the devnet, the
 * in-page development wallets). No connector needs a cloud service.
 *
 * @example
 * const wagmi = wagmiConfig(config);
 */
export function wagmiConfig(config: AppConfig): Config {
  const chain = appChain(config);
  return createConfig({
    chains: [chain],
    connectors: [],
    multiInjectedProviderDiscovery: true,
    transports: { [chain.id]: http(config.rpcUrl, { batch: true }) },
    pollingInterval: 500,
  });
}
