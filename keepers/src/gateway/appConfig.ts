import { DEVNET_CHAIN_ID } from "../devnet/devAccounts.ts";
import { VeritrainError } from "../errors.ts";


/**
 * The web app's run-time configuration, `GET /config.json` of the gateway keeper: one build of the
 * app serves every network, reading its chain, subgraph, IPFS endpoints and addresses from here.
 */
export type AppConfig = {
  /** The chain's id, as its RPC answers `eth_chainId`. */
  chainId: number;
  /** The chain's name for a wallet: `veritrain devnet` on chain 31337 unless `--chain-name` says otherwise. */
  chainName: string;
  /** The JSON-RPC URL the browser reads the chain from. */
  rpcUrl: string;
  /** The subgraph's GraphQL endpoint; empty when the gateway was given none (it then serves no app). */
  subgraphUrl: string;
  /** Kubo RPC API base: `POST {ipfsApiUrl}/api/v0/block/put` stores a block. */
  ipfsApiUrl: string;
  /** Trustless gateway base: `GET {ipfsGatewayUrl}/ipfs/{cid}?format=raw` serves a block. */
  ipfsGatewayUrl: string;
  /** Contract name → address: Ignition's deployed_addresses.json without the `Module#` prefix. */
  addresses: Record<string, `0x${string}`>;
  /** Offer the in-page development wallet (the devnet's public keys); never on a chain other than 31337. */
  devWallet: boolean;
};

/** Parameters of {@link buildAppConfig}. */
export type BuildAppConfigParameters = {
  /** The chain's id, from its RPC. */
  chainId: number;
  /** The chain's name (`--chain-name`). @default "veritrain devnet" on chain 31337, required elsewhere */
  chainName?: string;
  rpcUrl: string;
  subgraphUrl: string;
  /** The gateway's own base URL, e.g. `http://127.0.0.1:8573`: both IPFS URLs. */
  gatewayUrl: string;
  /** Contract name → address, the prefix already removed (the keeper config's `addresses`). */
  addresses: Readonly<Record<string, `0x${string}` | undefined>>;
  devWallet: boolean;
};

/**
 * The app configuration the gateway serves. Refuses (`GATEWAY_CONFIG_INVALID`) to offer the
 * development wallet on a chain other than 31337 — its keys are public, so on any other chain the
 * app would hand out accounts anyone can drain — and a chain without a name.
 *
 * @example
 * const config = buildAppConfig({ chainId: 31337, rpcUrl, subgraphUrl, gatewayUrl: "http://127.0.0.1:8573", addresses: config.addresses, devWallet: true });
 * config.chainName; // "veritrain devnet"
 */
export function buildAppConfig({ chainId, chainName, rpcUrl, subgraphUrl, gatewayUrl, addresses, devWallet }: BuildAppConfigParameters): AppConfig {
  if (devWallet && chainId !== DEVNET_CHAIN_ID) {
    throw new VeritrainError(`--dev-wallet offers the devnet's public keys: refused on chain ${chainId} (only chain ${DEVNET_CHAIN_ID})`, {
      code: "GATEWAY_CONFIG_INVALID",
      details: { field: "devWallet", chainId },
    });
  }
  const name = chainName ?? (chainId === DEVNET_CHAIN_ID ? "veritrain devnet" : undefined);
  if (name === undefined) {
    throw new VeritrainError(`chain ${chainId} is not the devnet: name it with --chain-name`, { code: "GATEWAY_CONFIG_INVALID", details: { field: "chainName", chainId } });
  }
  const known = Object.entries(addresses).filter((entry): entry is [string, `0x${string}`] => entry[1] !== undefined);
  return { chainId, chainName: name, rpcUrl, subgraphUrl, ipfsApiUrl: gatewayUrl, ipfsGatewayUrl: gatewayUrl, addresses: Object.fromEntries(known), devWallet };
}
