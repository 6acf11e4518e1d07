import { readFile } from "node:fs/promises";
import type { ArtifactMap } from "hardhat/types/artifacts";
import {
  createPublicClient,
  createWalletClient,
  getContract,
  http,
  nonceManager,
  type Address,
  type Hash,
  type Hex,
  type PublicClient,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { VeritrainError } from "../errors.ts";
import { explainReverts } from "./describeRevert.ts";

/** The protocol's contracts and their sources under contracts/. */
const SOURCES = {
  VeritrainToken: "token/VeritrainToken.sol",
  StakeManager: "staking/StakeManager.sol",
  JobRegistry: "jobs/JobRegistry.sol",
  RoundJobRegistry: "jobs/RoundJobRegistry.sol",
  SecureAggregationLedger: "jobs/SecureAggregationLedger.sol",
  DatasetRegistry: "datasets/DatasetRegistry.sol",
  ValidatorCommittee: "disputes/ValidatorCommittee.sol",
  Disputes: "disputes/Disputes.sol",
  BisectionGame: "disputes/BisectionGame.sol",
  AggregateReferee: "disputes/AggregateReferee.sol",
  StorageProofs: "proofs/StorageProofs.sol",
} as const;

export type ProtocolContractName = keyof typeof SOURCES;

/** The protocol's contract names. */
export const PROTOCOL_CONTRACT_NAMES = Object.keys(SOURCES) as ProtocolContractName[];

/** Where the Hardhat artifact of `name` is (artifacts/contracts/…/Name.json). */
export function artifactUrl(name: ProtocolContractName): URL {
  return new URL(`../../../artifacts/contracts/${SOURCES[name]}/${name}.json`, import.meta.url);
}

/** The ABI of `name`, typed from the Hardhat artifact declarations, read from artifacts/. */
async function readAbi<Name extends ProtocolContractName>(name: Name): Promise<ArtifactMap[Name]["abi"]> {
  try {
    return JSON.parse(await readFile(artifactUrl(name), "utf8")).abi;
  } catch (cause) {
    throw new VeritrainError(`no compiled artifact for ${name}: run \`npm run build\``, { code: "ARTIFACT_MISSING", cause });
  }
}

/** Parameters of {@link connectProtocol}. */
export type ConnectProtocolParameters = {
  /** JSON-RPC URL of the chain (a local node or an L2). */
  rpcUrl: string;
  /** The keeper's key; without one the connection is read-only (an ephemeral key that never sends). */
  privateKey?: Hex;
  /** Deployed addresses by contract name (Ignition's deployed_addresses.json, module prefix removed). */
  addresses: Partial<Record<ProtocolContractName, Address>>;
  /** Blocks to wait after a transaction is mined before acting on it (default 1). */
  confirmations?: number;
  /** The deployment's first block: logs are read from it on ({@link readEvents}, followEvents' cursors) (default 0). */
  deploymentBlock?: bigint;
};

/** How far above viem's gas estimate each write's gas limit is set, in percent. */
const GAS_HEADROOM_PERCENT = 25n;

/**
 * Typed viem contracts of a deployed protocol, with retries on RPC errors, a local nonce
 * manager and a `send` helper that waits for confirmations and fails on a revert.
 *
 * @example
 * const chain = await connectProtocol({ rpcUrl, privateKey, addresses });
 * await chain.send(() => chain.contracts.DatasetRegistry.write.join([endpoint]));
 */
export async function connectProtocol({ rpcUrl, privateKey, addresses, confirmations = 1, deploymentBlock = 0n }: ConnectProtocolParameters) {
  const transport = http(rpcUrl, { retryCount: 5, retryDelay: 250 });
  const publicClient: PublicClient = createPublicClient({ transport, pollingInterval: 250 });
  const account = privateKeyToAccount(privateKey ?? generatePrivateKey(), { nonceManager });
  const chain = await (async () => {
    // Without the transport's long retries, so a URL nobody listens on fails within seconds; with two quick
    // ones, so a request that meets a keep-alive socket the node has just closed ("other side closed", seen
    // on a loaded machine) is sent again.
    const id = await createPublicClient({ transport: http(rpcUrl, { retryCount: 2, retryDelay: 100, timeout: 5_000 }) }).getChainId();
    return { id, name: `chain-${id}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [rpcUrl] } } };
  })();
  // Every write's gas limit is its estimate plus GAS_HEADROOM_PERCENT: a call's cost can grow between the estimate and
  // its block (a round's last update closes its training), and a limit of exactly the estimate then runs out.
  const base = createWalletClient({ account, chain, transport });
  const walletClient = base.extend(() => ({
    writeContract: (async (parameters: Parameters<typeof base.writeContract>[0]) => base.writeContract({
      ...parameters,
      // Estimated for the caller's account: a write may name another (an impersonated one on a local chain).
      gas: parameters.gas ?? ((await publicClient.estimateContractGas({ ...parameters, account: parameters.account ?? account } as never)) * (100n + GAS_HEADROOM_PERCENT)) / 100n,
    } as never)) as typeof base.writeContract,
  }));
  const contract = async <Name extends ProtocolContractName>(name: Name) => {
    const address = addresses[name];
    if (!address) throw new VeritrainError(`no address configured for ${name}`, { code: "CONFIG_INVALID", details: { field: `addresses.${name}` } });
    return getContract({ address, abi: await readAbi(name), client: { public: publicClient, wallet: walletClient } });
  };
  const contracts = {
    VeritrainToken: await contract("VeritrainToken"),
    StakeManager: await contract("StakeManager"),
    DatasetRegistry: await contract("DatasetRegistry"),
    JobRegistry: await contract("JobRegistry"),
    RoundJobRegistry: await contract("RoundJobRegistry"),
    SecureAggregationLedger: await contract("SecureAggregationLedger"),
    ValidatorCommittee: await contract("ValidatorCommittee"),
    Disputes: await contract("Disputes"),
    BisectionGame: await contract("BisectionGame"),
    AggregateReferee: await contract("AggregateReferee"),
    StorageProofs: await contract("StorageProofs"),
  };

  /**
   * Waits for `transaction` to be mined with `confirmations`; throws if it reverted. A revert found
   * before sending (viem estimates gas first) is decoded into a sentence ({@link explainReverts}).
   */
  const send = async (transaction: () => Promise<Hash>) => {
    if (!privateKey) throw new VeritrainError("this command sends transactions: set VERITRAIN_PRIVATE_KEY", { code: "CONFIG_INVALID", details: { field: "privateKey" } });
    const hash = await explainReverts(transaction);
    const receipt = await publicClient.waitForTransactionReceipt({ hash, confirmations });
    if (receipt.status !== "success") throw new VeritrainError(`transaction ${hash} reverted`, { code: "TRANSACTION_REVERTED", details: { hash } });
    return receipt;
  };

  return { publicClient, walletClient, account, contracts, send, deploymentBlock };
}

export type ProtocolConnection = Awaited<ReturnType<typeof connectProtocol>>;
