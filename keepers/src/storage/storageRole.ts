import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { isAddressEqual, parseEventLogs } from "viem";
import { openBlockCursor } from "../chain/blockCursor.ts";
import type { ProtocolConnection } from "../chain/protocolContracts.ts";
import { columnRoot } from "../commitments/columnRoot.ts";
import { fieldToBytes32Hex } from "../commitments/field.ts";
import type { HeliaContentStore } from "../content/heliaContentStore.ts";
import { readDatasetOnChain } from "../datasets/datasetOnChain.ts";
import { decodeManifest, manifestBlockCid } from "../datasets/manifest.ts";
import { VeritrainError } from "../errors.ts";

/** Parameters of {@link runStorageRole}. */
export type StorageRoleParameters = {
  chain: ProtocolConnection;
  /** This provider's listening Helia node (its endpoint is announced on join). */
  store: HeliaContentStore;
  /** Where the block cursor is kept. */
  dataDir: string;
  log: Logger;
  signal: AbortSignal;
  /** Delay between polls of the chain. */
  pollMs?: number;
  /** Most blocks read per poll. */
  blockRange?: bigint;
  /** Attempts at a column whose handling fails (e.g. its shards are not reachable yet) before it is skipped. */
  attempts?: number;
};

/**
 * The storage provider: follows `ColumnPlaced` events from its persisted cursor and, for each
 * column placed on it, fetches every shard (any peer it is connected to), checks each against the
 * manifest's CID, recomputes the column's Poseidon root, compares it with the root registered
 * on-chain, pins the shards and calls `acceptColumn`. A column whose root does not match is
 * refused (unpinned, not accepted). Idempotent: a column already accepted, or no longer held, is
 * skipped, so a restart repeats nothing.
 *
 * @example
 * await runStorageRole({ chain, store, dataDir, log, signal: controller.signal });
 */
export async function runStorageRole({ chain, store, dataDir, log, signal, pollMs = 500, blockRange = 2_000n, attempts = 5 }: StorageRoleParameters) {
  const registry = chain.contracts.DatasetRegistry;
  const cursor = openBlockCursor(join(dataDir, "storage.cursor.json"));
  const pause = () => sleep(pollMs, undefined, { signal }).catch(() => undefined);
  while (!signal.aborted) {
    const head = await chain.publicClient.getBlockNumber();
    const from = cursor.next();
    if (from <= head) {
      const to = from + blockRange - 1n < head ? from + blockRange - 1n : head;
      const logs = await chain.publicClient.getLogs({ address: registry.address, fromBlock: from, toBlock: to });
      const placed = parseEventLogs({ abi: registry.abi, logs, eventName: "ColumnPlaced" });
      for (const { args } of placed) {
        if (!isAddressEqual(args.provider, chain.account.address)) continue;
        const column = { datasetId: args.datasetId, column: Number(args.column) };
        // A failure is logged and retried (the owner may not serve yet); the loop goes on either way.
        for (let attempt = 1; attempt <= attempts && !signal.aborted; attempt++) {
          try {
            await acceptColumn({ chain, store, log, signal, ...column });
            break;
          } catch (error) {
            log.error({ err: error, datasetId: column.datasetId.toString(), column: column.column, attempt }, "column handling failed");
            if (attempt < attempts) await pause();
          }
        }
      }
      if (signal.aborted) break;
      cursor.advance(to + 1n);
      if (to < head) continue;
    }
    await pause();
  }
}

/** Parameters of {@link acceptColumn}. */
export type AcceptColumnParameters = Pick<StorageRoleParameters, "chain" | "store" | "log" | "signal"> & {
  datasetId: bigint;
  column: number;
};

/** Fetches, verifies, pins and accepts one column (see {@link runStorageRole}); returns whether it accepted. */
export async function acceptColumn({ chain, store, log, datasetId, column, signal }: AcceptColumnParameters): Promise<boolean> {
  const context = { datasetId: datasetId.toString(), column };
  const onChain = await readDatasetOnChain(chain, datasetId);
  const holder = onChain.holders[column];
  if (!holder || !isAddressEqual(holder, chain.account.address) || onChain.accepted[column]) {
    log.info(context, "column skipped: accepted already or held by another provider");
    return false;
  }
  const manifest = await decodeManifest(await store.get(manifestBlockCid(onChain.manifestCid), { signal }), onChain.manifestCid);
  if (manifest.columnRoots[column] !== onChain.columnRoots[column]) {
    throw new VeritrainError(`dataset ${datasetId}: the manifest's root of column ${column} differs from the registered one`, {
      code: "MANIFEST_MISMATCH",
      details: context,
    });
  }
  const cids = manifest.shards.map((stripe) => stripe[column]!);
  for (const cid of cids) await store.pin(cid, { signal });
  const shards = (async function* () {
    for (const cid of cids) yield store.get(cid, { signal });
  })();
  const { root } = await columnRoot({ column: shards, depth: manifest.columnTreeDepth });
  if (fieldToBytes32Hex(root) !== onChain.columnRoots[column]) {
    for (const cid of cids) await store.unpin(cid);
    log.error({ ...context, computed: fieldToBytes32Hex(root), registered: onChain.columnRoots[column] }, "column refused: root mismatch");
    return false;
  }
  await chain.send(() => chain.contracts.DatasetRegistry.write.acceptColumn([datasetId, BigInt(column)]));
  log.info({ ...context, shards: cids.length }, "column accepted");
  return true;
}
