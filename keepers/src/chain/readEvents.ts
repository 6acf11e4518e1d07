import type { Abi, Address, ContractEventArgs, ContractEventName, GetContractEventsReturnType, PublicClient } from "viem";

/**
 * Most blocks one `eth_getLogs` spans. Public L2 RPCs refuse wider ranges (or answers of too many logs), so
 * no keeper asks for logs from block 0 to the head in one request.
 */
export const LOG_BLOCK_RANGE = 2_000n;

/** Parameters of {@link readEvents}. */
export type ReadEventsParameters<TAbi extends Abi, TName extends ContractEventName<TAbi>> = {
  chain: { publicClient: PublicClient; deploymentBlock: bigint };
  contract: { address: Address; abi: TAbi };
  eventName: TName;
  /** Indexed arguments to match. */
  args?: ContractEventArgs<TAbi, TName>;
  /** The first block to read (default: the deployment's first block), e.g. an event's block when what follows it is all that counts. */
  fromBlock?: bigint;
};

/**
 * Every `eventName` event of `contract` whose indexed arguments match `args`, in chain order, from the
 * deployment's first block (or `fromBlock`) to the chain's head, read {@link LOG_BLOCK_RANGE} blocks per request; strict (a log
 * whose data does not decode as the event is left out), so every argument is typed as present.
 *
 * @example
 * const voided = await readEvents({ chain, contract: chain.contracts.RoundJobRegistry, eventName: "AggregateVoided", args: { jobId } });
 */
export async function readEvents<const TAbi extends Abi, TName extends ContractEventName<TAbi>>({
  chain,
  contract,
  eventName,
  args,
  fromBlock = chain.deploymentBlock,
}: ReadEventsParameters<TAbi, TName>): Promise<GetContractEventsReturnType<TAbi, TName, true>> {
  // Uncached: viem otherwise answers with a head up to a polling interval old, and a state read just before
  // would name events the logs leave out.
  const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
  const events: GetContractEventsReturnType<TAbi, TName, true>[number][] = [];
  for (let from = fromBlock; from <= head; from += LOG_BLOCK_RANGE) {
    const toBlock = from + LOG_BLOCK_RANGE - 1n < head ? from + LOG_BLOCK_RANGE - 1n : head;
    const batch = await chain.publicClient.getContractEvents({ address: contract.address, abi: contract.abi, eventName, args, strict: true, fromBlock: from, toBlock } as never);
    events.push(...(batch as GetContractEventsReturnType<TAbi, TName, true>));
  }
  return events as GetContractEventsReturnType<TAbi, TName, true>;
}
