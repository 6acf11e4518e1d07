import type { Address, Block, Log, PublicClient, Transaction } from "viem";
import type { Logger } from "pino";
import type { BlockPointer, BlockWrite, EntityStore } from "./entityStore.ts";
import type { LogTrigger, Mappings } from "./mappingHost.ts";
import type { SubgraphContractName } from "./subgraphContracts.ts";

/** Parameters of {@link indexBlocks}. */
export type IndexBlocksParameters = {
  client: PublicClient;
  /** Indexed contracts by address. */
  sources: ReadonlyMap<Address, SubgraphContractName>;
  mappings: Mappings;
  store: EntityStore;
  /** First block to index when the store is empty. */
  startBlock: number;
  /** Most blocks whose logs are fetched in one step. @default 2000 */
  batchSize?: number;
  /** Blocks with logs fetched at once (one JSON-RPC batch with a batching transport) and committed in one transaction. @default 32 */
  blocksPerCommit?: number;
  log?: Logger;
};

/** What one step did. */
export type IndexBlocksReturnType = {
  /** Blocks undone because the chain reorganised (0 if none). */
  reverted: number;
  /** Last block indexed (the store's head), or undefined while nothing is. */
  head?: number;
  /** The chain's latest block when the step started. */
  chainHead: number;
  /** Event logs handled. */
  events: number;
};

const toPointer = (block: Block<bigint, boolean>): BlockPointer => ({
  number: Number(block.number),
  hash: block.hash!,
  parentHash: block.parentHash,
  timestamp: Number(block.timestamp),
});

/** The triggers of `block`'s logs (sorted by log index), each with its block header and transaction. */
function triggersOf(block: Block<bigint, boolean>, logs: readonly Log<bigint, number, false>[], sources: ReadonlyMap<Address, SubgraphContractName>): LogTrigger[] {
  if (logs.length === 0) return [];
  const transactions = new Map((block.transactions as Transaction<bigint, number, false>[]).map((tx) => [tx.hash, tx]));
  const header = { ...block, transactions: [] } as unknown as Block<bigint, false>;
  return logs.map((log) => ({
    contract: sources.get(log.address.toLowerCase() as Address)!,
    log,
    block: header,
    transaction: transactions.get(log.transactionHash),
  }));
}

/** Finds the newest recorded block still on the chain and undoes everything after it. */
async function revertToCommonAncestor(client: PublicClient, store: EntityStore, startBlock: number, log?: Logger): Promise<number> {
  const head = store.head()!.number;
  let ancestor = startBlock - 1;
  for (const recorded of store.recentBlocks()) {
    const onChain = await client.getBlock({ blockNumber: BigInt(recorded.number) }).catch(() => undefined);
    if (onChain?.hash === recorded.hash) {
      ancestor = recorded.number;
      break;
    }
  }
  log?.warn({ from: head, to: ancestor }, "chain reorganised; reverting to the common ancestor");
  await store.revertTo(ancestor);
  return head - ancestor;
}

/**
 * One indexing step: checks that the store's head is still on the chain (otherwise reverts to
 * the common ancestor), then fetches the next range of event logs of the indexed contracts in
 * one `eth_getLogs` and the blocks that have logs (with their transactions) `blocksPerCommit`
 * at a time, runs their handlers block by block and commits each group of blocks in one
 * transaction. The range's last block is recorded even without logs, so the head follows the
 * chain.
 *
 * @example
 * const { head, chainHead } = await indexBlocks({ client, sources, mappings, store, startBlock });
 */
export async function indexBlocks({ client, sources, mappings, store, startBlock, batchSize = 2000, blocksPerCommit = 32, log }: IndexBlocksParameters): Promise<IndexBlocksReturnType> {
  const chainHead = Number(await client.getBlockNumber({ cacheTime: 0 }));
  let reverted = 0;
  const head = store.head();
  if (head) {
    const onChain = head.number <= chainHead ? await client.getBlock({ blockNumber: BigInt(head.number) }).catch(() => undefined) : undefined;
    if (onChain?.hash !== head.hash) reverted = await revertToCommonAncestor(client, store, startBlock, log);
  }
  const from = (store.head()?.number ?? startBlock - 1) + 1;
  if (from > chainHead) return { reverted, head: store.head()?.number, chainHead, events: 0 };
  const to = Math.min(chainHead, from + batchSize - 1);
  // Pin the fork: `to` before and after getLogs must be the same block, or the step is retried.
  const last = await client.getBlock({ blockNumber: BigInt(to) });
  const logs = (await client.getLogs({ address: [...sources.keys()], fromBlock: BigInt(from), toBlock: BigInt(to) })) as Log<bigint, number, false>[];
  if ((await client.getBlock({ blockNumber: BigInt(to) })).hash !== last.hash) return { reverted, head: store.head()?.number, chainHead, events: 0 };
  const byBlock = new Map<number, Log<bigint, number, false>[]>();
  for (const entry of logs) {
    const number = Number(entry.blockNumber);
    byBlock.set(number, [...(byBlock.get(number) ?? []), entry]);
  }
  // Blocks with logs, then the range's last block, recorded even without logs so the head follows the chain.
  const numbers = [...byBlock.keys()].sort((a, b) => a - b);
  if (!byBlock.has(to)) numbers.push(to);
  let events = 0;
  for (let start = 0; start < numbers.length; start += blocksPerCommit) {
    const fetched = await Promise.all(
      numbers.slice(start, start + blocksPerCommit).map((number) => (byBlock.has(number) ? client.getBlock({ blockNumber: BigInt(number), includeTransactions: true }) : last)),
    );
    const batch: BlockWrite[] = [];
    let forked = false;
    for (const block of fetched) {
      const blockLogs = (byBlock.get(Number(block.number)) ?? []).sort((a, b) => a.logIndex - b.logIndex);
      // A log from another fork: commit the blocks before it and let the next step sort it out.
      if ((forked = blockLogs.some((entry) => entry.blockHash !== block.hash))) break;
      const triggers = triggersOf(block, blockLogs, sources);
      batch.push({
        block: toPointer(block),
        write: (view) => {
          for (const trigger of triggers) mappings.handle(trigger, view);
          events += triggers.length;
        },
      });
    }
    await store.writeBlocks(batch);
    if (forked) break;
  }
  return { reverted, head: store.head()?.number, chainHead, events };
}
