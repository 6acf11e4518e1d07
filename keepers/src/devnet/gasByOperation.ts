import { decodeFunctionData, parseAbi, type Abi, type Address } from "viem";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";

const VRF_MOCK_ABI = parseAbi(["function fulfillRandomWords(uint256 requestId, address consumer)"]);

/** Parameters of {@link gasByOperation}. */
export type GasByOperationParameters = {
  chain: ProtocolConnection;
  /** The VRF coordinator mock of a local chain, if any. */
  vrfMock?: Address;
  /** Blocks up to this one are the deployment's (counted as one operation, "deployment"). */
  deploymentBlock: bigint;
  /** Last block to count. @default the latest */
  toBlock?: bigint;
};

/** Gas used per operation (`Contract.function`), and in all. */
export type GasByOperationReturnType = { total: bigint; byOperation: Record<string, { count: number; gas: bigint }> };

/**
 * Adds up the gas of every transaction on the chain from its receipts, by operation: the
 * protocol contract called and the function (decoded with the contract's ABI), "deployment" for
 * everything up to `deploymentBlock`, `other` for calls the protocol's ABIs do not know.
 *
 * @example
 * const { total, byOperation } = await gasByOperation({ chain, deploymentBlock: 40n });
 */
export async function gasByOperation({ chain, vrfMock, deploymentBlock, toBlock }: GasByOperationParameters): Promise<GasByOperationReturnType> {
  const contracts = new Map<string, { name: string; abi: Abi }>(
    Object.entries(chain.contracts).map(([name, contract]) => [contract.address.toLowerCase(), { name, abi: contract.abi as Abi }]),
  );
  if (vrfMock) contracts.set(vrfMock.toLowerCase(), { name: "VRFCoordinatorV2_5Mock", abi: VRF_MOCK_ABI });
  const last = toBlock ?? (await chain.publicClient.getBlockNumber());
  const byOperation: GasByOperationReturnType["byOperation"] = {};
  let total = 0n;
  for (let number = 1n; number <= last; number++) {
    const block = await chain.publicClient.getBlock({ blockNumber: number, includeTransactions: true });
    for (const transaction of block.transactions) {
      const { gasUsed } = await chain.publicClient.getTransactionReceipt({ hash: transaction.hash });
      const operation = number <= deploymentBlock ? "deployment" : operationOf(contracts, transaction.to, transaction.input);
      const entry = (byOperation[operation] ??= { count: 0, gas: 0n });
      entry.count++;
      entry.gas += gasUsed;
      total += gasUsed;
    }
  }
  return { total, byOperation };
}

function operationOf(contracts: Map<string, { name: string; abi: Abi }>, to: Address | null, input: `0x${string}`): string {
  if (to === null) return "contract creation";
  const contract = contracts.get(to.toLowerCase());
  if (!contract) return "other";
  try {
    return `${contract.name}.${decodeFunctionData({ abi: contract.abi, data: input }).functionName}`;
  } catch {
    return `${contract.name}.other`;
  }
}
