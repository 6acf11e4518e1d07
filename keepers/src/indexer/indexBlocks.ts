import type { Address, Block, Hex, Log, PublicClient, Transaction } from "viem";
import type { Logger } from "pino";
import type { BlockPointer, EntityStore } from "./entityStore.ts";
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
  /** Most blocks fetched in one step. */
  batchSize?: number;
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
 * the common ancestor), then fetches the next range of event logs of the indexed contracts and
 * runs their handlers block by block, each block committed atomically. The range's last block is
 * recorded even without logs, so the head follows the chain.
 *
 * @example
 * const { head, chainHead } = await indexBlocks({ client, sources, mappings, store, startBlock });
 */
export async function indexBlocks({ client, sources, mappings, store, startBlock, batchSize = 2000, log }: IndexBlocksParameters): Promise<IndexBlocksReturnType> {
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
  let events = 0;
  for (const [number, blockLogs] of [...byBlock].sort(([a], [b]) => a - b)) {
    const block = await client.getBlock({ blockNumber: BigInt(number), includeTransactions: true });
    if (blockLogs.some((entry) => entry.blockHash !== block.hash)) return { reverted, head: store.head()?.number, chainHead, events };
    const transactions = new Map<Hex, Transaction<bigint, number, false>>(block.transactions.map((tx) => [tx.hash, tx as Transaction<bigint, number, false>]));
    const header = { ...block, transactions: [] } as unknown as Block<bigint, false>;
    const triggers: LogTrigger[] = blockLogs
      .sort((a, b) => a.logIndex - b.logIndex)
      .map((entry) => ({
        contract: sources.get(entry.address.toLowerCase() as Address)!,
        log: entry,
        block: header,
        transaction: transactions.get(entry.transactionHash),
      }));
    await store.writeBlock(toPointer(block), (view) => {
      for (const trigger of triggers) mappings.handle(trigger, view);
    });
    events += triggers.length;
  }
  if (!byBlock.has(to)) await store.writeBlock(toPointer(last), () => undefined);
  return { reverted, head: store.head()?.number, chainHead, events };
}
